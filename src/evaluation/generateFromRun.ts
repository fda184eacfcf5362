/**
 * Synthetic images from a trained run: the chosen verified checkpoint is loaded into a fresh
 * model and sampled in small batches (bounded device memory), classes in turn for conditional
 * models. Used by evaluation now and by the Generate stage's export.
 */
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../../models';
import type { KeyValueStore } from '../storage/keyValueStore';
import { loadLatestGoodCheckpoint, loadRun } from '../training/runStore';

export interface GeneratedSet {
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
  resolution: number;
  channels: 1 | 3;
  step: number;
}

export async function generateFromRun(
  store: KeyValueStore,
  runId: string,
  options: { checkpoint: 'latest' | 'best'; count: number; seed: number; atStep?: number },
): Promise<GeneratedSet> {
  const record = await loadRun(store, runId);
  const source =
    options.checkpoint === 'best' && record.best
      ? { ...record, checkpoints: [record.best], best: null }
      : record;
  const found = await loadLatestGoodCheckpoint(store, source, () => undefined, options.atStep);
  if (!found) throw new Error(`Run "${record.settings.name}" has no readable checkpoint to sample from`);
  const model = createModel(found.state.config);
  try {
    model.importState(found.state);
    const { resolution, channels, numClasses } = found.state.config;
    const perImage = resolution * resolution * channels;
    const pixels = new Uint8Array(options.count * perImage);
    const labels = new Uint8Array(options.count);
    const batch = 32;
    for (let start = 0; start < options.count; start += batch) {
      const n = Math.min(batch, options.count - start);
      const labelValues = Int32Array.from({ length: n }, (_, i) => (numClasses > 0 ? (start + i) % numClasses : 0));
      const images = tf.tidy(() => {
        const z = model.sampleLatent(n, options.seed + start);
        const y = numClasses > 0 ? tf.tensor1d(labelValues, 'int32') : null;
        const ema = found.state.config.kind !== 'vae' && 'emaDecay' in found.state.config && found.state.config.emaDecay !== null;
        return model.generate(z, y, { ema }).add(1).mul(127.5).clipByValue(0, 255).round().cast('int32');
      });
      const values = await images.data();
      images.dispose();
      pixels.set(Uint8Array.from(values), start * perImage);
      labels.set(labelValues, start);
    }
    return { pixels, labels, count: options.count, resolution, channels, step: found.ref.step };
  } finally {
    model.dispose();
  }
}
