/**
 * Synthetic images from a trained run: the chosen verified checkpoint is loaded into a fresh
 * model and sampled in small batches (bounded device memory), classes in turn for conditional
 * models. Image i comes from its own seed imageSeed(seed, i) (imageSeeds.ts). Used by evaluation
 * and the command line; the Generate stage's export streams instead (syntheticExport.ts).
 */
import type { KeyValueStore } from '../storage/keyValueStore';
import { openRunModel, type CheckpointChoice } from '../training/openCheckpoint';
import { imageSeed } from './imageSeeds';
import { renderSeeds, type SampleControls } from './renderSeeds';

export interface GeneratedSet {
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
  resolution: number;
  channels: 1 | 3;
  step: number;
}

export interface GenerateOptions extends SampleControls {
  checkpoint: CheckpointChoice;
  count: number;
  seed: number;
  atStep?: number;
  /** The class of each image (length count), for conditional models; by default classes take turns. */
  labels?: Uint8Array;
  /** Called after every batch with the images done so far; it may throw to stop (a cancel). */
  onBatch?: (done: number) => void | Promise<void>;
}

export async function generateFromRun(store: KeyValueStore, runId: string, options: GenerateOptions): Promise<GeneratedSet> {
  const { model, config, ema, step } = await openRunModel(store, runId, options.checkpoint, { atOrBefore: options.atStep });
  try {
    const { resolution, channels, numClasses } = config;
    if (options.labels && options.labels.length !== options.count) throw new Error(`generateFromRun: ${options.labels.length} labels for ${options.count} images`);
    const labels = Uint8Array.from({ length: options.count }, (_, i) => (numClasses === 0 ? 0 : options.labels ? options.labels[i] : i % numClasses));
    const seeds = Array.from({ length: options.count }, (_, i) => imageSeed(options.seed, i));
    const pixels = await renderSeeds(model, ema, seeds, numClasses > 0 ? Int32Array.from(labels) : null, options, options.onBatch);
    return { pixels, labels, count: options.count, resolution, channels, step };
  } finally {
    model.dispose();
  }
}
