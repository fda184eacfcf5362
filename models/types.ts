/**
 * The contract between the training orchestrator and every generative model in `models/`.
 * Models are functional tfjs code over explicit tf.Variables (no tf.layers) so that we control
 * second-order gradients, spectral norm and byte-exact state serialisation.
 */
import type * as tf from '@tensorflow/tfjs';
import type { DiffusionSampler } from './diffusionSamplers';

export type ModelKind = 'dcgan' | 'wgan-gp' | 'pggan' | 'vae' | 'ddpm';

/** Fields every model shares. Plain JSON: it is stored next to checkpoints. */
export interface CommonConfig {
  /** Output side in pixels. DCGAN/WGAN-GP/VAE: 28, 32, 64, 128 (or 256); PG-GAN: a power of two. */
  resolution: number;
  /** 1 (grey) or 3 (RGB). */
  channels: 1 | 3;
  /** 0 = unconditional; otherwise labels are ints in [0, numClasses). */
  numClasses: number;
  /** Length of a generate() input row. DDPM: always resolution² · channels (the flattened starting noise x_T). */
  latentDim: number;
  /** Images per training step; trainStep rejects other batch sizes. */
  batchSize: number;
  /** Seeds weight init and every per-step random draw; with the step count it fixes all randomness. */
  seed: number;
}

/** DiffAugment policy (Zhao et al. 2020): which differentiable augmentations D sees. */
export interface DiffAugmentPolicy {
  color: boolean;
  translation: boolean;
  cutout: boolean;
}

/** Options shared by the adversarial models. */
export interface GanOptions {
  /** null = off. Applied to real and fake images before D, in every D and G step. */
  diffAugment: DiffAugmentPolicy | null;
  /** Spectral normalisation of every D weight matrix (Miyato et al. 2018). */
  spectralNorm: boolean;
  /** Feature-map side at which a SAGAN self-attention block sits in G and D; null = none. */
  attentionResolution: number | null;
  /** Decay of the EMA copy of G used by generate({ ema: true }); null = no EMA. */
  emaDecay: number | null;
}

export interface AdamOptions {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export interface DcganConfig extends CommonConfig, GanOptions {
  kind: 'dcgan';
  /** Channels of G's last hidden layer and D's first layer; doubles per level. */
  width: number;
  /** One-sided label smoothing: real targets become 1 − labelSmoothing. */
  labelSmoothing: number;
  discriminatorBatchNorm: boolean;
  /**
   * D's learning rate as a multiple of adam.learningRate (G's): below 1 slows a discriminator that
   * wins too early. A multiple, so the trainer's rollback (which halves adam.learningRate) slows both.
   * Absent on configs stored before it existed: 1.
   */
  discriminatorLearningRateScale?: number;
  /**
   * γ of the R1 penalty (Mescheder et al. 2018): D's loss gains γ/2 · mean ‖∇ₓD(x)‖² over the real
   * batch, which keeps D from growing steep around the real images and so from winning outright.
   * D is then differentiated twice (no fused first-order kernels in D). Absent or 0: off.
   */
  r1Gamma?: number;
  adam: AdamOptions;
}

export interface WganGpConfig extends CommonConfig, GanOptions {
  kind: 'wgan-gp';
  width: number;
  /** Critic updates per generator update. */
  nCritic: number;
  /** λ of the gradient penalty. */
  gpWeight: number;
  adam: AdamOptions;
}

export interface PgganConfig extends CommonConfig, GanOptions {
  kind: 'pggan';
  /** First trained resolution (4 or 8); `resolution` is the last. */
  startResolution: 4 | 8;
  /** Steps of α ramp 0→1 when a resolution is faded in. */
  fadeSteps: number;
  /** Steps trained at each resolution once α = 1 (the last resolution trains on forever). */
  stableSteps: number;
  /** Feature maps at resolution r: min(fmapMax, fmapBase / r). */
  fmapBase: number;
  fmapMax: number;
  gpWeight: number;
  /** ε_drift · D(real)² keeps the critic output from drifting (Karras et al. 2018). */
  driftWeight: number;
  adam: AdamOptions;
}

export interface VaeConfig extends CommonConfig {
  kind: 'vae';
  width: number;
  /** β of β-VAE; 1 = the plain VAE evidence lower bound. */
  beta: number;
  adam: AdamOptions;
}

export type BetaSchedule = 'linear' | 'cosine';

export interface DdpmConfig extends CommonConfig {
  kind: 'ddpm';
  /** Channels of the U-Net's first level; level i has width · channelMultipliers[i]. */
  width: number;
  /** One entry per U-Net level; the image is halved between levels, so resolution must divide by 2^(levels − 1). */
  channelMultipliers: number[];
  /** T, the number of noise levels of the forward process. */
  timesteps: number;
  /** Linear (Ho et al. 2020) or cosine (Nichol & Dhariwal 2021) variance schedule. */
  betaSchedule: BetaSchedule;
  /** Denoising steps per generate() call: deterministic DDIM (η = 0, Song et al. 2021) over this many of the T levels. */
  samplingSteps: number;
  /** Decay of the EMA copy of the U-Net used by generate({ ema: true }); null = no EMA. */
  emaDecay: number | null;
  /**
   * Class-conditional only: the probability that a training image's label is replaced by the null
   * class (no class embedding), as in classifier-free guidance (Ho & Salimans 2022), so one U-Net
   * learns both the conditional and the unconditional noise estimate. Absent or 0 (runs stored
   * before it existed): no dropout, and generate refuses a guidance scale.
   */
  labelDropout?: number;
  adam: AdamOptions;
}

export type ModelConfig = DcganConfig | WganGpConfig | PgganConfig | VaeConfig | DdpmConfig;

/** What a caller passes to createModel: `kind` plus any fields it wants to override. */
export type ModelConfigInput =
  | ({ kind: 'dcgan' } & Partial<Omit<DcganConfig, 'kind'>>)
  | ({ kind: 'wgan-gp' } & Partial<Omit<WganGpConfig, 'kind'>>)
  | ({ kind: 'pggan' } & Partial<Omit<PgganConfig, 'kind'>>)
  | ({ kind: 'vae' } & Partial<Omit<VaeConfig, 'kind'>>)
  | ({ kind: 'ddpm' } & Partial<Omit<DdpmConfig, 'kind'>>);

/**
 * One training step's numbers, still on the device. `metrics[i]` is `metricNames[i]` of the
 * model; one tensor so a readback every N steps is a single async download. The caller owns
 * (and must dispose) `metrics`.
 */
export interface StepResult {
  /** Step index this result belongs to (0-based; the model's step is now step + 1). */
  step: number;
  metrics: tf.Tensor1D;
}

export interface StateTensor {
  name: string;
  shape: number[];
  dtype: 'float32';
  data: Float32Array;
}

/** Everything needed to resume training exactly: weights, optimiser slots, step (RNG derives from it). */
export interface ModelState {
  format: 'phantom-studio/model-state';
  version: 1;
  kind: ModelKind;
  config: ModelConfig;
  step: number;
  tensors: StateTensor[];
  /** Small JSON-only bookkeeping (e.g. Adam step counts per parameter). */
  extra: Record<string, number>;
}

/**
 * The Generate stage's DPM-Solver++ passes: on the mixture tests (models/diffusionSamplers.test.ts,
 * models/dpmSolverReference.test.ts) 15 passes land 2.5× nearer the exact sample than DDIM-50, in under
 * a third of its passes.
 */
export const DPM_SOLVER_DEFAULT_STEPS = 15;

export interface GenerateOptions {
  /** Use the EMA copy of G (if the model keeps one). */
  ema?: boolean;
  /** Diffusion models only: the sampler (default 'ddim'; 'dpm-solver++' passes DDIM-50's accuracy at 15 steps). */
  sampler?: DiffusionSampler;
  /** Diffusion models only: network passes per image (default: the config's samplingSteps). */
  samplingSteps?: number;
  /**
   * Class-conditional diffusion models trained with labelDropout > 0: the classifier-free guidance
   * scale w, ε̃ = (1 + w)·ε(x, c) − w·ε(x, ∅). 0 (default) is the conditional sample, −1 the
   * unconditional one, above 0 the guided one.
   */
  guidance?: number;
}

export interface GenerativeModel<C extends ModelConfig = ModelConfig> {
  readonly kind: C['kind'];
  readonly config: Readonly<C>;
  /** Names of the entries of StepResult.metrics, in order. */
  readonly metricNames: readonly string[];
  /** Number of completed training steps. */
  readonly step: number;
  /** real: NHWC in [-1, 1] of shape [batchSize, resolution, resolution, channels]; labels: int32 or null. */
  trainStep(real: tf.Tensor4D, labels: tf.Tensor1D | null): StepResult;
  /** Images in [-1, 1], [n, resolution, resolution, channels]. Caller disposes. */
  generate(z: tf.Tensor2D, labels: tf.Tensor1D | null, opts?: GenerateOptions): tf.Tensor4D;
  /** Standard normal latents, a pure function of (n, seed). */
  sampleLatent(n: number, seed: number): tf.Tensor2D;
  exportState(): Promise<ModelState>;
  /** Restores a state exported by a model of the same config; later steps match an uninterrupted run. */
  importState(state: ModelState): void;
  dispose(): void;
}
