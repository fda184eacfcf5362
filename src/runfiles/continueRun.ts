/**
 * A run file that continues the run it came from, in place. python/train.py (PyTorch, torchrun)
 * writes checkpoints whose run card keeps the studio run's id; when that run is still here and the
 * file's training path extends the run's own (same model kind and architecture, the run has not
 * trained on here since the file's training left it, and the file is further along), importing
 * the file can continue that run instead of making a new one:
 *
 *  - the file's checkpoint becomes the run's newest (weights and Adam state), its step the run's;
 *  - the file's curves past the run's step are appended, and the run's segments say which steps
 *    were trained where (studio, or PyTorch on which device with how many torchrun processes);
 *  - the run's checkpoints, sample grids, evaluations and audits stay as they are: each says the
 *    step it belongs to (evaluations `step`, audits `step`), all earlier than the new one.
 *
 * Writes: the new checkpoint's bytes under a key no stored record names, then the run record
 * (one put). A failure before the record lands deletes those bytes: the run is as it was.
 */
import type { KeyValueStore } from '../storage/keyValueStore';
import { getDatasetMeta } from '../storage/datasetStore';
import { storageKeys } from '../storage/schema';
import { encodeState, sha256 } from '../training/checkpointCodec';
import { loadRun, saveRun } from '../training/runStore';
import type { CheckpointRef, LogEntry, RunRecord } from '../training/runTypes';
import { describeSegment, pathUpTo, sameSegmentJob, trainingSegments, validSegments, type TrainingSegment } from '../training/trainingSegments';
import type { ModelState } from '../../models/types';
import { PART, RunFileError, type ImportedRun, type RunCard } from './runFileFormat';

/** What importing a file would do here. */
export type ImportTarget =
  | {
      kind: 'continue';
      runId: string;
      name: string;
      /** The run's step now, and the file's. */
      storedStep: number;
      fileStep: number;
      /** The segments the file adds past the run's step, e.g. PyTorch 4 → 7 on cpu × 2. */
      added: TrainingSegment[];
    }
  /** `reason`: why it cannot continue the run it names (null when that run is not stored here). */
  | { kind: 'new'; reason: string | null };

/** How to import: continue the original run when the file allows it ('auto'), always a new run, or only continuing. */
export type ImportMode = 'auto' | 'new' | 'continue';

/** train.py's record of its jobs on cards written before `training.segments` existed. */
interface EngineEntry {
  engine?: string;
  device?: string;
  processes?: number;
  fromStep?: number;
  toStep?: number;
  seconds?: number;
  started?: string;
}

/** The card's path from step 0 to its checkpoint (older cards: from train.py's engine list). */
export function cardSegments(card: RunCard): TrainingSegment[] {
  const training = card.training as RunCard['training'] & { pytorch?: EngineEntry[] };
  const studio = training.backend?.startsWith('PyTorch') ? 'studio' : (training.backend ?? 'studio');
  if (Array.isArray(training.segments)) return pathUpTo(validSegments(training.segments), card.checkpoint.step, studio);
  const jobs = (Array.isArray(training.pytorch) ? training.pytorch : []).map((e) => ({
    where: 'pytorch',
    fromStep: e.fromStep,
    toStep: e.toStep,
    engine: e.engine,
    device: e.device,
    processes: e.processes,
    ...(e.started ? { started: e.started } : {}),
    ...(Number.isFinite(e.seconds) ? { seconds: e.seconds } : {}),
  }));
  return pathUpTo(validSegments(jobs), card.checkpoint.step, studio);
}

/** Keys in a fixed order, so two configs compare by content. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The first setting of the model config that differs, ignoring Adam's (a run's learning rate may be
 * lowered by a rollback; the network is the same).
 */
function configDifference(ours: object, theirs: object): string | null {
  const a = ours as Record<string, unknown>;
  const b = theirs as Record<string, unknown>;
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (key === 'adam') continue;
    if (canonical(a[key]) !== canonical(b[key])) return `${key}: the run has ${canonical(a[key]) ?? 'none'}, the file ${canonical(b[key]) ?? 'none'}`;
  }
  return null;
}

/** Why the file cannot continue `record` in place, or null when it can. */
export function lineageProblem(record: RunRecord, card: RunCard): string | null {
  if (record.builtIn) return 'it is a built-in model, which is read-only and never trained further';
  if (record.config.kind !== card.model.kind) return `the file holds a ${card.model.kind}, the run is a ${record.config.kind}`;
  const difference = configDifference(record.config, card.model.config);
  if (difference) return `the model config differs (${difference})`;
  const fileStep = card.checkpoint.step;
  if (fileStep === record.step) return `the run is already at step ${record.step}, the file's step: there is nothing to continue`;
  if (fileStep < record.step) return `the file is at step ${fileStep}, behind the run's step ${record.step}`;
  const ours = trainingSegments(record);
  const theirs = cardSegments(card);
  for (let i = 0; i < ours.length; i++) {
    const a = ours[i]!;
    const b = theirs[i];
    const last = i === ours.length - 1;
    if (b && sameSegmentJob(a, b) && (last ? b.toStep >= a.toStep : b.toStep === a.toStep)) continue;
    const apart = b && sameSegmentJob(a, b) ? Math.min(a.toStep, b.toStep) : a.fromStep;
    return `the run and the file have trained apart since step ${apart} (here ${describeSegment(a)}; in the file ${b ? describeSegment(b) : `nothing past step ${theirs.at(-1)?.toStep ?? 0}`})`;
  }
  return null;
}

/** What importing a file with this card would do in this store. */
export async function importTarget(store: KeyValueStore, card: RunCard): Promise<ImportTarget> {
  let record: RunRecord;
  try {
    record = await loadRun(store, card.run.id);
  } catch {
    return { kind: 'new', reason: null };
  }
  const problem = lineageProblem(record, card);
  if (problem) return { kind: 'new', reason: `It names run "${record.settings.name}" of this studio, but ${problem}.` };
  return {
    kind: 'continue',
    runId: record.id,
    name: record.settings.name,
    storedStep: record.step,
    fileStep: card.checkpoint.step,
    added: cardSegments(card).filter((s) => s.toStep > record.step).map((s) => (s.fromStep < record.step ? { ...s, fromStep: record.step } : s)),
  };
}

/**
 * Continues the run the card names with the file's checkpoint (checked already by checkRunFile).
 * Throws RunFileError, storing nothing, when the lineage does not match.
 */
export async function continueRunInPlace(store: KeyValueStore, card: RunCard, state: ModelState, hasOptimizer: boolean, fileName: string): Promise<ImportedRun> {
  const target = await importTarget(store, card);
  if (target.kind !== 'continue') throw new RunFileError(fileName, PART.card, target.reason ? `cannot continue the run it came from. ${target.reason.replace(/\.$/, '')}` : `cannot continue the run it came from: run ${card.run.id} is not stored here`);
  const record = await loadRun(store, target.runId);
  const key = storageKeys.checkpoint(record.id, state.step);
  // Never over the bytes a stored checkpoint names (the run is behind the file, so none should).
  if ([...record.checkpoints, record.best].some((c) => c?.key === key)) throw new RunFileError(fileName, null, `run "${record.settings.name}" already names a checkpoint at step ${state.step}`);
  const encoded = encodeState(state);
  const ref: CheckpointRef = { step: state.step, key, sha256: await sha256(encoded), bytes: encoded.byteLength, score: Number.isFinite(card.checkpoint.score) ? card.checkpoint.score : 0 };
  const now = Date.now();
  const note = (text: string, level: LogEntry['level'] = 'info'): LogEntry => ({ time: now, step: state.step, level, text });
  const where = target.added.map(describeSegment).join('; ');
  const log: LogEntry[] = [
    note(`Continued in place from ${fileName}: step ${record.step} → ${state.step} (${where}). Checkpoints, sample grids, evaluations and audits made before stay with their steps (≤ ${record.step}).`),
    ...(hasOptimizer ? [] : [note('The run file holds no optimiser state: training on here restarts Adam (zero moments)', 'warning')]),
  ];
  const totalSteps = Math.max(record.settings.totalSteps, state.step);
  const next: RunRecord = {
    ...record,
    settings: { ...record.settings, totalSteps },
    config: state.config,
    status: state.step >= totalSteps ? 'finished' : 'stopped',
    step: state.step,
    updatedAt: now,
    history: [...record.history.filter((row) => row.step <= record.step), ...(card.training.history ?? []).filter((row) => row.step > record.step && row.step <= state.step)],
    checkpoints: [...record.checkpoints, ref],
    log: [...record.log, ...log],
    segments: cardSegments(card),
  };
  delete next.message; // it described the run before (a finish or a failure at its old step)
  try {
    await store.setMany([[key, encoded]]);
    await saveRun(store, next);
  } catch (error) {
    await store.delMany([key]).catch(() => undefined);
    throw error;
  }
  const datasetId = await getDatasetMeta(store, record.settings.datasetId).then(
    (meta) => meta.id,
    () => null,
  );
  return { runId: record.id, continued: true, name: record.settings.name, step: state.step, hasOptimizer, datasetId };
}
