/**
 * Which steps of a run were trained where: in the studio, or in PyTorch (python/train.py, on CPU,
 * a GPU or torchrun with N processes) and brought back by a run-file import. A run is one path of
 * segments from step 0 to its step; the run card carries the path (`training.segments`), train.py
 * appends its own segment to it, and an import continues a run in place only when the file's path
 * extends the run's own (runfiles/continueRun.ts). Plain data, no tfjs.
 */
export interface TrainingSegment {
  where: 'studio' | 'pytorch';
  /** Steps fromStep + 1 … toStep were trained here. */
  fromStep: number;
  toStep: number;
  /** The studio's tfjs backend ("wasm", "webgpu"), or PyTorch's version ("PyTorch 1.13.1"). */
  engine: string;
  /** PyTorch only: "cpu", "cuda:0". */
  device?: string;
  /** PyTorch only: torchrun's process count (1 without torchrun). */
  processes?: number;
  /** PyTorch only: when that train.py started (ISO time); tells one job's checkpoints from another's. */
  started?: string;
  /** PyTorch only: wall-clock seconds of that job up to toStep. */
  seconds?: number;
}

/** One line per segment, e.g. "steps 4–7: PyTorch 1.13.1 on cpu, torchrun 2 processes". */
/** Seconds the segments trained in PyTorch (train.py records each job's time). */
export function pytorchSeconds(segments: readonly Pick<TrainingSegment, 'where' | 'seconds'>[]): number {
  return segments.reduce((sum, s) => sum + (s.where === 'pytorch' ? (s.seconds ?? 0) : 0), 0);
}

export function describeSegment(s: TrainingSegment): string {
  const steps = `steps ${s.fromStep}–${s.toStep}`;
  if (s.where === 'studio') return `${steps}: studio (${s.engine})`;
  const processes = (s.processes ?? 1) > 1 ? `, torchrun ${s.processes} processes` : '';
  return `${steps}: ${s.engine} on ${s.device ?? '?'}${processes}`;
}

/** The same job's segment (a later checkpoint of it may reach further). */
export function sameSegmentJob(a: TrainingSegment, b: TrainingSegment): boolean {
  if (a.where !== b.where || a.fromStep !== b.fromStep) return false;
  if (a.where === 'studio') return true;
  return a.started === b.started && a.engine === b.engine && a.device === b.device && a.processes === b.processes;
}

/**
 * The path clipped at `step`, gaps (and the steps past its end) marked as trained in the studio
 * (`studioEngine`): what a run holds once it has trained on in the studio after an import.
 * Segments must come in step order; one that overlaps the path so far is dropped.
 */
export function pathUpTo(path: readonly TrainingSegment[], step: number, studioEngine: string): TrainingSegment[] {
  const out: TrainingSegment[] = [];
  const studioUpTo = (to: number) => {
    const reached = out.at(-1)?.toStep ?? 0;
    if (to <= reached) return;
    const last = out.at(-1);
    // Consecutive studio steps are one segment.
    if (last?.where === 'studio') last.toStep = to;
    else out.push({ where: 'studio', fromStep: reached, toStep: to, engine: studioEngine });
  };
  for (const s of path) {
    if (s.fromStep >= step) break;
    if (s.fromStep < (out.at(-1)?.toStep ?? 0)) continue;
    studioUpTo(s.fromStep);
    if (s.where === 'studio' && out.at(-1)?.where === 'studio') studioUpTo(Math.min(s.toStep, step));
    else out.push(s.toStep > step ? { ...s, toStep: step } : { ...s });
  }
  studioUpTo(step);
  return out;
}

/** The segments of untrusted JSON (a run card) that are well formed, in step order. */
export function validSegments(value: unknown): TrainingSegment[] {
  if (!Array.isArray(value)) return [];
  const ok = (s: Partial<TrainingSegment>): s is TrainingSegment =>
    (s.where === 'studio' || s.where === 'pytorch') && Number.isInteger(s.fromStep) && Number.isInteger(s.toStep) && s.fromStep! >= 0 && s.toStep! > s.fromStep! && typeof s.engine === 'string';
  return value.filter((s): s is TrainingSegment => typeof s === 'object' && s !== null && ok(s as Partial<TrainingSegment>)).sort((a, b) => a.fromStep - b.fromStep);
}

/** A run's path: the segments it brought from imports, then the studio up to its step. */
export function trainingSegments(record: { segments?: TrainingSegment[]; step: number; backend: string }): TrainingSegment[] {
  return pathUpTo(record.segments ?? [], record.step, studioEngineOf(record.backend));
}

/** A run's `backend` names the engine that trained it last (a PyTorch one after an import as a new run). */
function studioEngineOf(backend: string): string {
  return backend.startsWith('PyTorch') ? 'studio' : backend;
}
