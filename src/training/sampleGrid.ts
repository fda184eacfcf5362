/**
 * A run's sample grid: `samplesPerClass` images of each class from the run's fixed noise (drawn
 * from its seed), so the grids of different steps show the same noise through the model as it
 * trains; and how varied the grid is beside as many real training images (mode collapse).
 *
 * The trainer draws one every `sampleEvery` steps. A run file import draws one at the imported
 * step (gridForImportedRun), so a run continued in PyTorch shows what those steps did at once.
 */
import * as tf from '@tensorflow/tfjs';
import { downloadBytes, samplesFromEma } from '../../models';
import type { GenerativeModel } from '../../models/types';
import type { KeyValueStore } from '../storage/keyValueStore';
import { errorMessage } from '../core/errorMessage';
import { deriveSeed } from '../data/random';
import { describeCollapse } from './collapse';
import { openRunModel } from './openCheckpoint';
import { gridDiversity, type TileSet } from './quality';
import { loadRun, saveRun, writeSamples } from './runStore';
import { TrainingData } from './trainingData';
import type { GridDiversity, LogEntry, RunRecord, SampleGrid, SampleRef } from './runTypes';

type GridRun = Pick<RunRecord, 'settings' | 'config'>;

/** The run's fixed-noise grid from `model` at its current step: class by class, `samplesPerClass` each. */
export async function drawSampleGrid(model: GenerativeModel, run: GridRun): Promise<SampleGrid> {
  const { config, settings } = run;
  const classes = Math.max(1, config.numClasses);
  const n = settings.samplesPerClass * classes;
  const labels = Int32Array.from({ length: n }, (_, i) => Math.floor(i / settings.samplesPerClass) % classes);
  const pixels = await downloadBytes(() => {
    const z = model.sampleLatent(n, settings.seed);
    const labelTensor = config.numClasses > 0 ? tf.tensor1d(labels, 'int32') : null;
    return model.generate(z, labelTensor, { ema: samplesFromEma(config) });
  });
  return { step: model.step, pixels, labels, resolution: config.resolution, channels: config.channels };
}

/** As many real training images per class as the grid shows, always the same ones for a run: the grid's diversity yardstick. */
export function realTilesFor(data: TrainingData, run: GridRun): TileSet {
  const { config, settings } = run;
  const tiles = data.tiles(settings.samplesPerClass, Math.max(1, config.numClasses), deriveSeed(settings.seed, 0x5eed));
  return { ...tiles, side: config.resolution, channels: config.channels };
}

export function diversityOf(grid: SampleGrid, real: TileSet): GridDiversity {
  return gridDiversity({ pixels: grid.pixels, labels: grid.labels, side: grid.resolution, channels: grid.channels }, real, grid.step);
}

/**
 * Draws and stores the grid of an imported run at its latest checkpoint, with its diversity when
 * the run's dataset is here. Never throws: the import has landed already, so a grid that cannot be
 * drawn is a warning in the run's log, not a failed import. Returns the stored ref, or null.
 */
export async function gridForImportedRun(store: KeyValueStore, runId: string): Promise<SampleRef | null> {
  let entries: LogEntry[];
  let ref: SampleRef | null = null;
  const opened = await openRunModel(store, runId, 'latest').catch((error: unknown) => error as Error);
  if (opened instanceof Error) {
    entries = [{ time: Date.now(), step: 0, level: 'warning', text: `No sample grid drawn for the imported weights: ${errorMessage(opened)}` }];
  } else {
    const { record, model, step } = opened;
    try {
      const grid = await drawSampleGrid(model, record);
      const data = await TrainingData.load(store, record.settings.datasetId).catch(() => null);
      const diversity = data ? diversityOf(grid, realTilesFor(data, record)) : undefined;
      ref = { ...(await writeSamples(store, runId, grid)), ...(diversity ? { diversity } : {}) };
      const note = (level: LogEntry['level'], text: string): LogEntry => ({ time: Date.now(), step, level, text });
      entries = [
        note('info', `Sample grid at step ${step} drawn from the imported weights (the run's fixed noise${data ? '' : '; its dataset is not here, so its variety is not measured'})`),
        ...(diversity?.collapsed ? [note('warning', describeCollapse(diversity))] : []),
      ];
    } catch (error) {
      entries = [{ time: Date.now(), step, level: 'warning', text: `No sample grid drawn at step ${step} from the imported weights: ${errorMessage(error)}` }];
    } finally {
      model.dispose();
    }
  }
  try {
    const record = await loadRun(store, runId);
    const samples = ref ? [...record.samples.filter((s) => s.step !== ref.step), ref] : record.samples;
    await saveRun(store, { ...record, samples, log: [...record.log, ...entries] });
  } catch {
    return null; // the run is gone (deleted meanwhile): nothing to note
  }
  return ref;
}
