/**
 * Keeps one trained model loaded in the worker for interactive sampling (latent sliders redraw
 * on every move), and replaces it when another run or checkpoint is asked for.
 */
import * as tf from '@tensorflow/tfjs';
import { downloadBytes } from '../../models';
import type { GenerativeModel } from '../../models/types';
import type { KeyValueStore } from '../storage/keyValueStore';
import { openRunModel, type CheckpointChoice } from '../training/openCheckpoint';
import { currentClassNames } from '../training/runStore';

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

  async open(runId: string, checkpoint: CheckpointChoice): Promise<SamplerInfo> {
    const opened = await openRunModel(this.store, runId, checkpoint);
    const key = `${runId}@${opened.step}`;
    if (this.loaded?.key === key) {
      opened.model.dispose();
      return this.loaded.info;
    }
    // The old model goes only once the new one is ready, so a render between the two still has one.
    this.close();
    const c = opened.config;
    const info: SamplerInfo = {
      runId,
      step: opened.step,
      latentDim: c.latentDim,
      numClasses: c.numClasses,
      classNames: await currentClassNames(this.store, opened.record),
      resolution: c.resolution,
      channels: c.channels,
      ema: opened.ema,
    };
    this.loaded = { key, model: opened.model, info };
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
    return downloadBytes(() => {
      const z = tf.tensor2d(latents, [n, info.latentDim]);
      const y = info.numClasses > 0 ? tf.tensor1d(labels ?? new Int32Array(n), 'int32') : null;
      return model.generate(z, y, { ema: info.ema });
    });
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
