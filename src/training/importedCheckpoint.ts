/**
 * What a run file import measures on the checkpoint it brought, as the trainer measures its own:
 * the fixed-noise sample grid at that step, with its mode-collapse check, so the Train stage shows
 * at once what steps trained elsewhere (PyTorch) did; and, when the run's dataset is here with
 * enough held-out images, the checkpoint's KID, so "best" weighs it against the studio's
 * checkpoints on the same measure.
 */
import type { KeyValueStore } from '../storage/keyValueStore';
import { errorMessage } from '../core/errorMessage';
import { describeCollapse } from './collapse';
import { heldOutFeatures, measureCheckpointQuality } from './checkpointQuality';
import { openRunModel } from './openCheckpoint';
import { chooseBest, QUALITY_METRIC } from './quality';
import { loadRun, saveRun, writeSamples } from './runStore';
import { diversityOf, drawSampleGrid, realTilesFor } from './sampleGrid';
import { TrainingData } from './trainingData';
import type { CheckpointQuality, CheckpointRef, LogEntry, RunRecord, SampleRef } from './runTypes';

export interface ImportedCheckpointMeasures {
  grid: SampleRef | null;
  quality: CheckpointQuality | null;
}

/**
 * Measures the run's latest checkpoint and records it on the run: its grid in `samples`, its KID on
 * the checkpoint, in the curves and in "best". Never throws: the import has landed already, so what
 * cannot be measured is a warning in the run's log, not a failed import.
 */
export async function measureImportedCheckpoint(store: KeyValueStore, runId: string): Promise<ImportedCheckpointMeasures> {
  const measures: ImportedCheckpointMeasures = { grid: null, quality: null };
  const entries: LogEntry[] = [];
  const note = (step: number, level: LogEntry['level'], text: string) => entries.push({ time: Date.now(), step, level, text });
  const opened = await openRunModel(store, runId, 'latest').catch((error: unknown) => error as Error);
  if (opened instanceof Error) {
    note(0, 'warning', `The imported checkpoint was not measured (no sample grid, no quality): ${errorMessage(opened)}`);
    return (await record(store, runId, (run) => ({ ...run, log: [...run.log, ...entries] })), measures);
  }
  const { record: run, model, step, ref } = opened;
  try {
    const data = await TrainingData.load(store, run.settings.datasetId).catch(() => null);
    try {
      const grid = await drawSampleGrid(model, run);
      const diversity = data ? diversityOf(grid, realTilesFor(data, run)) : undefined;
      measures.grid = { ...(await writeSamples(store, runId, grid)), ...(diversity ? { diversity } : {}) };
      note(step, 'info', `Sample grid at step ${step} drawn from the imported weights (the run's fixed noise${data ? '' : '; its dataset is not here, so its variety is not measured'})`);
      if (diversity?.collapsed) note(step, 'warning', describeCollapse(diversity));
    } catch (error) {
      note(step, 'warning', `No sample grid drawn at step ${step} from the imported weights: ${errorMessage(error)}`);
    }
    const held = data ? await heldOutFeatures(store, data.meta, run.settings.seed).catch(() => null) : null;
    if (held?.features) {
      try {
        measures.quality = (await measureCheckpointQuality(model, run, held.features)) ?? null;
      } catch (error) {
        note(step, 'warning', `Quality of the imported checkpoint not measured: ${errorMessage(error)}`);
      }
    }
  } finally {
    model.dispose();
  }
  await record(store, runId, (stored) => {
    const quality = measures.quality;
    const measured: CheckpointRef = quality ? { ...ref, quality } : ref;
    const withQuality = (c: CheckpointRef | null) => (c && c.key === ref.key ? measured : c);
    const best = quality ? chooseBest([withQuality(stored.best), measured]) : stored.best;
    if (quality) {
      const kid = quality.value.toPrecision(3);
      note(step, 'info', best?.key === ref.key
        ? `Checkpoint quality at step ${step}: KID ${kid} (${quality.n} generated against ${quality.n} held-out images), now the best checkpoint`
        : `Checkpoint quality at step ${step}: KID ${kid} (${quality.n} generated against ${quality.n} held-out images); the best stays step ${best?.step} (KID ${best?.quality?.value.toPrecision(3) ?? '?'})`);
    }
    return {
      ...stored,
      samples: measures.grid ? [...stored.samples.filter((s) => s.step !== step), measures.grid] : stored.samples,
      checkpoints: stored.checkpoints.map((c) => withQuality(c)!),
      best: best ?? null,
      history: quality ? stored.history.map((row) => (row.step === step ? { ...row, values: { ...row.values, [QUALITY_METRIC]: quality.value } } : row)) : stored.history,
      log: [...stored.log, ...entries],
    };
  });
  return measures;
}

/** Applies `change` to the stored run; a run deleted meanwhile is left alone. */
async function record(store: KeyValueStore, runId: string, change: (run: RunRecord) => RunRecord): Promise<void> {
  const stored = await loadRun(store, runId).catch(() => null);
  if (stored) await saveRun(store, change(stored));
}
