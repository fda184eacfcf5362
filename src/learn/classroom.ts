/**
 * The classroom: a small GAN and a small VAE trained side by side on the same images, in lockstep,
 * so a class can watch both learn step by step from the same fixed noise. No checkpoints: this is
 * a demonstration, restarted at will.
 */
import * as tf from '@tensorflow/tfjs';
import { createModel, downloadBytes, readMetrics } from '../../models';
import type { GenerativeModel } from '../../models/types';
import type { KeyValueStore } from '../storage/keyValueStore';
import { TrainingData } from '../training/trainingData';

export interface ClassroomUpdate {
  step: number;
  gan: Record<string, number>;
  vae: Record<string, number>;
  /** 16 samples each, from fixed noise, 0..255. */
  ganGrid: Uint8Array;
  vaeGrid: Uint8Array;
  /** 16 real training images, for comparison. */
  realGrid: Uint8Array;
  resolution: number;
  msPerStep: number;
}

const GRID = 16;
const SEED = 7;

export class Classroom {
  private gan: GenerativeModel | null = null;
  private vae: GenerativeModel | null = null;
  private data: TrainingData | null = null;
  private playing = false;
  private realGrid: Uint8Array = new Uint8Array(0);

  constructor(private readonly store: KeyValueStore) {}

  async start(datasetId: string): Promise<ClassroomUpdate> {
    this.stop();
    this.data = await TrainingData.load(this.store, datasetId);
    const { width, channels, name } = this.data.meta;
    if (channels !== 1) throw new Error(`The classroom uses grey images; "${name}" is RGB`);
    if (width > 64) throw new Error(`The classroom trains at 64 px at most, for speed; "${name}" is ${width} px`);
    // Small enough to take a step in well under a second on a laptop CPU, big enough to learn shapes.
    const common = { resolution: width, channels: 1 as const, numClasses: 0, batchSize: 16, seed: SEED };
    this.gan = createModel({ kind: 'dcgan', ...common, width: 16, latentDim: 32 });
    this.vae = createModel({ kind: 'vae', ...common, width: 16, latentDim: 16 });
    const data = this.data;
    this.realGrid = await downloadBytes(() => data.batch(0, GRID, SEED + 1, false).images);
    return this.snapshot(0);
  }

  async step(steps: number): Promise<ClassroomUpdate> {
    const { gan, vae, data } = this.require();
    const t0 = performance.now();
    let ganMetrics: tf.Tensor1D | null = null;
    let vaeMetrics: tf.Tensor1D | null = null;
    for (let i = 0; i < steps; i++) {
      ganMetrics?.dispose();
      vaeMetrics?.dispose();
      for (const [model, set] of [[gan, 'gan'], [vae, 'vae']] as const) {
        const batch = data.batch(model.step, model.config.batchSize, SEED, false);
        const result = model.trainStep(batch.images, null);
        batch.images.dispose();
        if (set === 'gan') ganMetrics = result.metrics;
        else vaeMetrics = result.metrics;
      }
    }
    const update = await this.snapshot((performance.now() - t0) / Math.max(1, steps), ganMetrics, vaeMetrics);
    ganMetrics?.dispose();
    vaeMetrics?.dispose();
    return update;
  }

  /** Steps until paused, reporting after every `every` steps. */
  async play(every: number, onUpdate: (update: ClassroomUpdate) => void): Promise<void> {
    this.playing = true;
    while (this.playing && this.gan) {
      onUpdate(await this.step(every));
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  pause(): void {
    this.playing = false;
  }

  stop(): void {
    this.playing = false;
    this.gan?.dispose();
    this.vae?.dispose();
    this.gan = this.vae = null;
    this.data = null;
  }

  private async snapshot(msPerStep: number, ganMetrics: tf.Tensor1D | null = null, vaeMetrics: tf.Tensor1D | null = null): Promise<ClassroomUpdate> {
    const { gan, vae, data } = this.require();
    const grid = (model: GenerativeModel) => downloadBytes(() => model.generate(model.sampleLatent(GRID, SEED), null));
    return {
      step: gan.step,
      gan: ganMetrics ? await readMetrics(gan.metricNames, ganMetrics) : {},
      vae: vaeMetrics ? await readMetrics(vae.metricNames, vaeMetrics) : {},
      ganGrid: await grid(gan),
      vaeGrid: await grid(vae),
      realGrid: this.realGrid,
      resolution: data.meta.width,
      msPerStep,
    };
  }

  private require() {
    if (!this.gan || !this.vae || !this.data) throw new Error('The classroom has not been started');
    return { gan: this.gan, vae: this.vae, data: this.data };
  }
}
