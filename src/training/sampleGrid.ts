/**
 * A run's sample grid: `samplesPerClass` images of each class from the run's fixed noise (drawn
 * from its seed), so the grids of different steps show the same noise through the model as it
 * trains; and how varied the grid is beside as many real training images (mode collapse).
 *
 * The trainer draws one every `sampleEvery` steps; a run file import draws one at the imported
 * step (importedCheckpoint.ts), so a run continued in PyTorch shows what those steps did at once.
 */
import * as tf from '@tensorflow/tfjs';
import { downloadBytes, samplesFromEma } from '../../models';
import type { GenerativeModel } from '../../models/types';
import { deriveSeed } from '../data/random';
import { gridDiversity, type TileSet } from './quality';
import type { TrainingData } from './trainingData';
import type { GridDiversity, RunRecord, SampleGrid } from './runTypes';

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
