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
import { describeTooFewHeldOut, heldOutFeatures, measureCheckpointQuality } from './checkpointQuality';
import { openRunModel } from './openCheckpoint';
import { chooseBest, QUALITY_METRIC } from './quality';
import { deleteUnnamedCheckpoints, loadRun, saveRun, writeSamples } from './runStore';
import { diversityOf, drawSampleGrid, realTilesFor } from './sampleGrid';
import { TrainingData } from './trainingData';
import type { CheckpointQuality, CheckpointRef, LogEntry, MetricRow, RunRecord, SampleRef } from './runTypes';

export interface ImportedCheckpointMeasures {
  grid: SampleRef | null;
  quality: CheckpointQuality | null;
}

/**
 * Measures the run's checkpoint at `step` (the one just imported) and records it on the run: its
 * grid in `samples`, its KID on the checkpoint, in the curves and in "best". Never throws: the import has landed
 * already, so what cannot be measured is a warning in the run's log, not a failed import.
 */
export async function measureImportedCheckpoint(store: KeyValueStore, runId: string, step: number): Promise<ImportedCheckpointMeasures> {
  const measures: ImportedCheckpointMeasures = { grid: null, quality: null };
  const entries: LogEntry[] = [];
  const note = (level: LogEntry['level'], text: string) => entries.push({ time: Date.now(), step, level, text });
  let measured: CheckpointRef | null = null;
  try {
    // Only the imported checkpoint: if its bytes do not verify, an older one must not be measured in its name.
    let skipped = '';
    const opened = await openRunModel(store, runId, 'latest', { atOrBefore: step, onSkip: (ref, reason) => void (ref.step === step && (skipped = reason)) });
    const { record: run, model, ref } = opened;
    try {
      if (ref.step !== step) throw new Error(`its checkpoint at step ${step} is unreadable (${skipped || 'missing'})`);
      measured = ref;
      const data = await TrainingData.load(store, run.settings.datasetId).catch(() => null);
      try {
        const grid = await drawSampleGrid(model, run);
        const diversity = data ? diversityOf(grid, realTilesFor(data, run)) : undefined;
        measures.grid = { ...(await writeSamples(store, runId, grid)), ...(diversity ? { diversity } : {}) };
        note('info', `Sample grid at step ${step} drawn from the imported weights (the run's fixed noise${data ? '' : '; its dataset is not here, so its variety is not measured'})`);
        if (diversity?.collapsed) note('warning', describeCollapse(diversity));
      } catch (error) {
        note('warning', `No sample grid at step ${step} from the imported weights: ${errorMessage(error)}`);
      }
      if (data) {
        const held = await heldOutFeatures(store, data.meta, run.settings.seed).catch((error: unknown) => {
          note('warning', `Held-out images unreadable, the imported checkpoint's quality not measured: ${errorMessage(error)}`);
          return null;
        });
        if (held?.features) {
          measures.quality = (await measureCheckpointQuality(model, run, held.features).catch((error: unknown) => {
            note('warning', `Quality of the imported checkpoint not measured: ${errorMessage(error)}`);
            return undefined;
          })) ?? null;
        } else if (held && !run.log.some((l) => l.text === describeTooFewHeldOut(held))) note('warning', describeTooFewHeldOut(held));
      }
    } finally {
      model.dispose();
    }
  } catch (error) {
    note('warning', `The imported checkpoint was not measured (no sample grid, no quality): ${errorMessage(error)}`);
  }
  try {
    await recordMeasures();
  } catch (error) {
    // The import stands; only its measures are not recorded (a full disk, a run deleted meanwhile), nor their grid's bytes.
    console.warn(`Measures of the checkpoint imported into run ${runId} not recorded: ${errorMessage(error)}`);
    if (measures.grid) await store.delMany([measures.grid.key]).catch(() => undefined);
  }
  return measures;

  /** The measures on the stored run; a best it displaces and no longer keeps is deleted, as writeCheckpoint does. */
  async function recordMeasures(): Promise<void> {
    const stored = await loadRun(store, runId);
    const quality = measures.quality;
    const rated: CheckpointRef | null = measured && quality ? { ...measured, quality } : null;
    const withQuality = (c: CheckpointRef | null) => (c && rated && c.key === rated.key ? rated : c);
    const best = rated ? chooseBest([withQuality(stored.best), rated]) : stored.best;
    if (rated && quality) {
      const kid = quality.value.toPrecision(3);
      const figures = `KID ${kid} (${quality.n} generated against ${quality.n} held-out images)`;
      note('info', best?.key === rated.key
        ? `Checkpoint quality at step ${step}: ${figures}, now the best checkpoint`
        : `Checkpoint quality at step ${step}: ${figures}; the best stays step ${best?.step} (KID ${best?.quality?.value.toPrecision(3) ?? '?'})`);
    }
    const next: RunRecord = {
      ...stored,
      samples: measures.grid ? [...stored.samples.filter((s) => s.step !== step), measures.grid] : stored.samples,
      checkpoints: stored.checkpoints.map((c) => withQuality(c)!),
      best: best ?? null,
      history: quality ? withKid(stored.history, step, quality.value) : stored.history,
      log: [...stored.log, ...entries],
    };
    await saveRun(store, next);
    await deleteUnnamedCheckpoints(store, stored, next); // a displaced best that is not also kept
  }
}

/** The curves with the KID at `step`: in that step's row, or a row of its own (train.py logs every --log-every steps). */
function withKid(history: MetricRow[], step: number, kid: number): MetricRow[] {
  if (history.some((row) => row.step === step)) return history.map((row) => (row.step === step ? { ...row, values: { ...row.values, [QUALITY_METRIC]: kid } } : row));
  const at = history.findIndex((row) => row.step > step);
  const row: MetricRow = { step, time: Date.now(), values: { [QUALITY_METRIC]: kid } };
  return at < 0 ? [...history, row] : [...history.slice(0, at), row, ...history.slice(at)];
}
