/**
 * Keeps one trained model loaded in the worker for interactive sampling (latent sliders redraw
 * on every move), and replaces it when another run or checkpoint is asked for.
 */
import type { GenerativeModel } from '../../models/types';
import { imageSeed } from './imageSeeds';
import { renderLatents, renderSeeds, type SampleControls } from './renderSeeds';
import { guidanceUnavailable } from './syntheticExport';
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
  kind: GenerativeModel['kind'];
  /** DDPM: the run's DDIM steps and its number of noise levels (the most DDIM steps). */
  samplingSteps: number | null;
  timesteps: number | null;
  /** Why classifier-free guidance is not available for this run, or null when it is. */
  guidanceUnavailable: string | null;
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
      kind: c.kind,
      samplingSteps: c.kind === 'ddpm' ? c.samplingSteps : null,
      timesteps: c.kind === 'ddpm' ? c.timesteps : null,
      guidanceUnavailable: guidanceUnavailable(c),
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
  async render(latents: Float32Array, labels: Int32Array | null, controls: SampleControls = {}): Promise<Uint8Array> {
    const { model, info } = this.require();
    return renderLatents(model, info.ema, latents, labels, controls);
  }

  /** Images 0..n−1 of `seed`, each from its own seed imageSeed(seed, i): what an export with that seed makes. */
  async renderSeeded(seed: number, labels: Int32Array | null, n: number, controls: SampleControls = {}): Promise<Uint8Array> {
    const { model, info } = this.require();
    return renderSeeds(model, info.ema, Array.from({ length: n }, (_, i) => imageSeed(seed, i)), labels, controls);
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
