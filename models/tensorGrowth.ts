/**
 * Long-run memory check for every model kind (tests and bench only): trains a tiny model with
 * the periodic work the studio's Trainer (src/training/trainer.ts) does around trainStep, and
 * compares tfjs's live tensors and bytes after a warm-up with those after the run. A leak of one
 * tensor per step, or one per readback, sample or checkpoint, shows up as a difference.
 */
import * as tf from '@tensorflow/tfjs';
import { FULL_DIFF_AUGMENT, samplesFromEma } from './config';
import { downloadBytes } from './core/pixels';
import type { PhantomBatches } from './testUtils';
import type { GenerativeModel, ModelConfigInput } from './types';

/** Tiny configs at 8 px with every stateful option of each kind on (EMA, spectral norm, attention, labels). */
export const GROWTH_CONFIGS = {
  dcgan: {
    kind: 'dcgan',
    resolution: 8,
    width: 2,
    batchSize: 2,
    latentDim: 3,
    spectralNorm: true,
    diffAugment: FULL_DIFF_AUGMENT,
    emaDecay: 0.9,
    seed: 31,
  },
  'cwgan-gp': {
    kind: 'wgan-gp',
    resolution: 8,
    width: 2,
    batchSize: 2,
    latentDim: 3,
    numClasses: 2,
    nCritic: 5,
    spectralNorm: true,
    attentionResolution: 4,
    emaDecay: 0.9,
    seed: 32,
  },
  // stableSteps/fadeSteps are set per run so the 4 → 8 px switch falls inside the measured steps.
  pggan: { kind: 'pggan', resolution: 8, startResolution: 4, fmapBase: 16, fmapMax: 2, batchSize: 4, latentDim: 3, numClasses: 2, emaDecay: 0.9, seed: 33 },
  vae: { kind: 'vae', resolution: 8, width: 2, batchSize: 2, latentDim: 3, numClasses: 2, seed: 34 },
  ddpm: { kind: 'ddpm', resolution: 8, width: 2, channelMultipliers: [1, 2], batchSize: 2, timesteps: 100, samplingSteps: 5, emaDecay: 0.9, seed: 35 },
} as const satisfies Record<string, ModelConfigInput>;

export type GrowthModelName = keyof typeof GROWTH_CONFIGS;

/** The Trainer's periodic work, in steps; RunSettings of the same names. */
export interface TrainerCadence {
  /** Metrics stay on the device and are stacked and downloaded together every N steps. */
  readbackEvery: number;
  /** Fixed-noise grid (EMA weights where the model keeps them) rendered and downloaded every N steps. */
  sampleEvery: number;
  /** Full state (weights, Adam slots, EMA) exported every N steps. */
  checkpointEvery: number;
  samplesPerClass: number;
}

export interface MemorySnapshot {
  numTensors: number;
  numBytes: number;
  /** wasm backend only: the wasm heap, which grows but never shrinks; null on other backends. */
  wasmHeapBytes: number | null;
}

export interface GrowthResult {
  steps: number;
  /** After the warm-up: each periodic path has run once and nothing is pending. */
  start: MemorySnapshot;
  /** After `steps` more steps and a final readback, again with nothing pending. */
  end: MemorySnapshot;
  /** Wall time of the measured steps, periodic work included. */
  msPerStep: number;
  /** PG-GAN only (else null): resolutions trained in the measured steps, in order, and how many of them faded (α < 1). */
  growth: { resolutions: number[]; fadingSteps: number } | null;
}

/** A config from GROWTH_CONFIGS; for PG-GAN, a schedule whose 4 → 8 px fade lies in steps [switchAt, 2·switchAt). */
export function growthConfig(name: GrowthModelName, switchAt: number): ModelConfigInput {
  const config = GROWTH_CONFIGS[name];
  return config.kind === 'pggan' ? { ...config, stableSteps: switchAt, fadeSteps: switchAt } : structuredClone(config);
}

export function memorySnapshot(): MemorySnapshot {
  const { numTensors, numBytes } = tf.memory();
  const heap = tf.getBackend() === 'wasm' ? (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.byteLength : undefined;
  return { numTensors, numBytes, wasmHeapBytes: heap ?? null };
}

/**
 * Runs `warmupSteps` steps plus one of each periodic path, snapshots memory, runs `steps` more
 * with the periodic paths at the given cadence (counted from the snapshot), flushes what is
 * pending, and snapshots again. The caller owns `model` and `data`.
 */
export async function measureTensorGrowth(
  model: GenerativeModel,
  data: PhantomBatches,
  warmupSteps: number,
  steps: number,
  cadence: TrainerCadence,
): Promise<GrowthResult> {
  const loop = new TrainerLikeLoop(model, data, cadence);
  for (let s = 0; s < warmupSteps; s++) loop.step();
  await loop.readback();
  await loop.sample();
  await model.exportState();
  const start = memorySnapshot();
  const resolutionIndex = model.metricNames.indexOf('resolution');
  const alphaIndex = model.metricNames.indexOf('alpha');
  const growth = resolutionIndex >= 0 && alphaIndex >= 0 ? { resolutions: [] as number[], fadingSteps: 0 } : null;
  const track = (rows: number[][]) => {
    if (!growth) return;
    for (const row of rows) {
      if (growth.resolutions.at(-1) !== row[resolutionIndex]) growth.resolutions.push(row[resolutionIndex]);
      if (row[alphaIndex] < 1) growth.fadingSteps++;
    }
  };
  const t0 = performance.now();
  for (let s = 1; s <= steps; s++) {
    loop.step();
    const due = (every: number) => s % every === 0;
    if (due(cadence.readbackEvery) || due(cadence.sampleEvery) || due(cadence.checkpointEvery)) track(await loop.readback());
    if (due(cadence.sampleEvery)) await loop.sample();
    if (due(cadence.checkpointEvery)) await model.exportState();
  }
  track(await loop.readback());
  const msPerStep = (performance.now() - t0) / steps;
  return { steps, start, end: memorySnapshot(), msPerStep, growth };
}

/** trainStep plus the Trainer's deferred metric readback and fixed-noise sampling. */
class TrainerLikeLoop {
  private pending: tf.Tensor1D[] = [];
  private readonly conditional: boolean;

  constructor(
    private readonly model: GenerativeModel,
    private readonly data: PhantomBatches,
    private readonly cadence: TrainerCadence,
  ) {
    this.conditional = model.config.numClasses > 0;
  }

  step(): void {
    const { real, labels } = this.data.batch(this.model.step, this.model.config.batchSize);
    try {
      this.pending.push(this.model.trainStep(real, this.conditional ? labels : null).metrics);
    } finally {
      real.dispose();
      labels.dispose();
    }
  }

  /** One stacked download of every pending step's metrics, as the Trainer's flush does; rows in step order. */
  async readback(): Promise<number[][]> {
    if (this.pending.length === 0) return [];
    const stacked = tf.stack(this.pending) as tf.Tensor2D;
    this.pending.forEach((t) => t.dispose());
    this.pending = [];
    const rows = (await stacked.array()) as number[][];
    stacked.dispose();
    return rows;
  }

  /** The Trainer's fixed-noise grid: samplesPerClass per class from a fixed seed, as 0..255 pixels. */
  async sample(): Promise<void> {
    const { config } = this.model;
    const classes = Math.max(1, config.numClasses);
    const n = this.cadence.samplesPerClass * classes;
    await downloadBytes(() => {
      const z = this.model.sampleLatent(n, 9);
      const labels = config.numClasses > 0 ? tf.tensor1d(Int32Array.from({ length: n }, (_, i) => i % classes), 'int32') : null;
      return this.model.generate(z, labels, { ema: samplesFromEma(config) });
    });
  }
}
