/**
 * Keeps one trained model loaded in the worker for interactive sampling (latent sliders redraw
 * on every move), and replaces it when another run or checkpoint is asked for.
 */
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../../models';
import type { GenerativeModel } from '../../models/types';
import type { KeyValueStore } from '../storage/keyValueStore';
import { loadLatestGoodCheckpoint, loadRun } from '../training/runStore';

export interface SamplerInfo {
  runId: string;
  step: number;
  latentDim: number;
  numClasses: number;
  classNames: string[];
  resolution: number;
  channels: 1 | 3;
  ema: boolean;
}

export class Sampler {
  private loaded: { key: string; model: GenerativeModel; info: SamplerInfo } | null = null;

  constructor(private readonly store: KeyValueStore) {}

  async open(runId: string, checkpoint: 'latest' | 'best'): Promise<SamplerInfo> {
    const record = await loadRun(this.store, runId);
    const source = checkpoint === 'best' && record.best ? { ...record, checkpoints: [record.best], best: null } : record;
    const found = await loadLatestGoodCheckpoint(this.store, source, () => undefined);
    if (!found) throw new Error(`Run "${record.settings.name}" has no readable checkpoint`);
    const key = `${runId}@${found.ref.step}`;
    if (this.loaded?.key === key) return this.loaded.info;
    this.close();
    const model = createModel(found.state.config);
    model.importState(found.state);
    const c = found.state.config;
    const info: SamplerInfo = {
      runId,
      step: found.ref.step,
      latentDim: c.latentDim,
      numClasses: c.numClasses,
      classNames: record.classNames,
      resolution: c.resolution,
      channels: c.channels,
      ema: c.kind !== 'vae' && 'emaDecay' in c && c.emaDecay !== null,
    };
    this.loaded = { key, model, info };
    return info;
  }

  /** Standard-normal latents from a seed, as the model draws them. */
  async latents(n: number, seed: number): Promise<Float32Array> {
    const model = this.require().model;
    const z = model.sampleLatent(n, seed);
    const data = (await z.data()) as Float32Array;
    z.dispose();
    return data;
  }

  /** Images (0..255) for explicit latents, n = latents.length / latentDim. */
  async render(latents: Float32Array, labels: Int32Array | null): Promise<Uint8Array> {
    const { model, info } = this.require();
    const n = latents.length / info.latentDim;
    if (!Number.isInteger(n) || n < 1) throw new Error(`Latents must be a multiple of ${info.latentDim} values`);
    const images = tf.tidy(() => {
      const z = tf.tensor2d(latents, [n, info.latentDim]);
      const y = info.numClasses > 0 ? tf.tensor1d(labels ?? new Int32Array(n), 'int32') : null;
      return model.generate(z, y, { ema: info.ema }).add(1).mul(127.5).clipByValue(0, 255).round().cast('int32');
    });
    const values = await images.data();
    images.dispose();
    return Uint8Array.from(values);
  }

  close(): void {
    this.loaded?.model.dispose();
    this.loaded = null;
  }

  private require() {
    if (!this.loaded) throw new Error('No model is open for sampling; choose a run first');
    return this.loaded;
  }
}
