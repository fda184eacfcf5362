/**
 * What the UI says about a run's mode collapse and training length. Plain functions over the run
 * record (no tfjs, no metrics code), so the UI thread can import them.
 */
import type { GridDiversity, RunRecord } from './runTypes';

/**
 * The diversity of the newest measured sample grid (at or before `atOrBefore`, e.g. an opened
 * checkpoint's step), when it shows mode collapse; else null.
 */
export function latestCollapse(run: Pick<RunRecord, 'samples'>, atOrBefore = Infinity): GridDiversity | null {
  const d = [...run.samples].sort((a, b) => a.step - b.step).findLast((s) => s.diversity && s.step <= atOrBefore)?.diversity;
  return d?.collapsed ? d : null;
}

/** One plain sentence for a collapsed grid (shown in Train, Generate, Evaluate and on the run card). */
export function describeCollapse(d: GridDiversity): string {
  return (
    `Mode collapse at step ${d.step}: the fixed-noise samples are nearly alike (mean pairwise SSIM ${d.fakeSsim.toFixed(2)} within a class, ` +
    `real images ${d.realSsim.toFixed(2)}). The generator repeats a few outputs whatever the noise; its images will not cover the real variety.`
  );
}

/** Under this many steps a run has barely trained: Generate says so. */
export const SHORT_RUN_STEPS = 500;

/** How far a run trained, and a warning when that is very short; '' for a run that reached a usual length. */
export function describeTrainingLength(run: Pick<RunRecord, 'step' | 'settings' | 'status'>): { text: string; short: boolean } {
  const text = `Trained ${run.step.toLocaleString('en')} of ${run.settings.totalSteps.toLocaleString('en')} steps (${run.status}).`;
  const short = run.step < SHORT_RUN_STEPS;
  return short
    ? { text: `${text} That is very short: under ${SHORT_RUN_STEPS} steps a model has barely learned, and its images show little of the real data.`, short }
    : { text, short };
}
