/**
 * Synthetic images from a trained run: the chosen verified checkpoint is loaded into a fresh
 * model and sampled in small batches (bounded device memory), classes in turn for conditional
 * models. Used by evaluation and by the Generate stage's export.
 */
import * as tf from '@tensorflow/tfjs';
import { downloadBytes } from '../../models';
import type { KeyValueStore } from '../storage/keyValueStore';
import { openRunModel, type CheckpointChoice } from '../training/openCheckpoint';

export interface GeneratedSet {
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
  resolution: number;
  channels: 1 | 3;
  step: number;
}

/** Images per generate call. */
const BATCH = 32;

export interface GenerateOptions {
  checkpoint: CheckpointChoice;
  count: number;
  seed: number;
  atStep?: number;
  /**
   * The class of each image (length count), for conditional models; by default classes take
   * turns. Image i's latent is drawn from the seed and i's batch alone, so the same seed and the
   * same labels give the same images.
   */
  labels?: Uint8Array;
  /** Latents are multiplied by this (GAN truncation ψ, VAE temperature); default 1. */
  latentScale?: number;
  /** Called after every batch with the images done so far; it may throw to stop (a cancel). */
  onBatch?: (done: number) => void | Promise<void>;
}

export async function generateFromRun(
  store: KeyValueStore,
  runId: string,
  options: GenerateOptions,
): Promise<GeneratedSet> {
  const { model, config, ema, step } = await openRunModel(store, runId, options.checkpoint, { atOrBefore: options.atStep });
  try {
    const { resolution, channels, numClasses } = config;
    const perImage = resolution * resolution * channels;
    const pixels = new Uint8Array(options.count * perImage);
    const labels = new Uint8Array(options.count);
    if (options.labels && options.labels.length !== options.count) throw new Error(`generateFromRun: ${options.labels.length} labels for ${options.count} images`);
    const scale = options.latentScale ?? 1;
    for (let start = 0; start < options.count; start += BATCH) {
      const n = Math.min(BATCH, options.count - start);
      const labelValues = Int32Array.from({ length: n }, (_, i) => (numClasses === 0 ? 0 : options.labels ? options.labels[start + i] : (start + i) % numClasses));
      const bytes = await downloadBytes(() => {
        const drawn = model.sampleLatent(n, options.seed + start);
        const z = scale === 1 ? drawn : tf.mul(drawn, scale) as tf.Tensor2D;
        const y = numClasses > 0 ? tf.tensor1d(labelValues, 'int32') : null;
        return model.generate(z, y, { ema });
      });
      pixels.set(bytes, start * perImage);
      labels.set(labelValues, start);
      await options.onBatch?.(start + n);
    }
    return { pixels, labels, count: options.count, resolution, channels, step };
  } finally {
    model.dispose();
  }
}
