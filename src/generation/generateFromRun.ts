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

export async function generateFromRun(
  store: KeyValueStore,
  runId: string,
  options: { checkpoint: CheckpointChoice; count: number; seed: number; atStep?: number },
): Promise<GeneratedSet> {
  const { model, config, ema, step } = await openRunModel(store, runId, options.checkpoint, { atOrBefore: options.atStep });
  try {
    const { resolution, channels, numClasses } = config;
    const perImage = resolution * resolution * channels;
    const pixels = new Uint8Array(options.count * perImage);
    const labels = new Uint8Array(options.count);
    for (let start = 0; start < options.count; start += BATCH) {
      const n = Math.min(BATCH, options.count - start);
      const labelValues = Int32Array.from({ length: n }, (_, i) => (numClasses > 0 ? (start + i) % numClasses : 0));
      const bytes = await downloadBytes(() => {
        const z = model.sampleLatent(n, options.seed + start);
        const y = numClasses > 0 ? tf.tensor1d(labelValues, 'int32') : null;
        return model.generate(z, y, { ema });
      });
      pixels.set(bytes, start * perImage);
      labels.set(labelValues, start);
    }
    return { pixels, labels, count: options.count, resolution, channels, step };
  } finally {
    model.dispose();
  }
}
