import type { EvaluationRecord } from './evaluationTypes';

/**
 * The checkpoint step an evaluation of a run judged: recorded since evaluations carry `step`; older
 * ones say it in their synthetic set's name ("run @ step 4"). Null for a dataset evaluated as such.
 * A run trains on (or is continued in place from a PyTorch checkpoint), its evaluations stay with their step.
 */
export function evaluationStep(e: Pick<EvaluationRecord, 'step' | 'fakeName'>): number | null {
  if (Number.isInteger(e.step)) return e.step!;
  const match = / @ step (\d+)$/.exec(e.fakeName);
  return match ? Number(match[1]) : null;
}
