/**
 * Default configurations and validation. Defaults follow each paper, scaled down where the
 * paper's width would not train in a browser (noted per field).
 */
import type {
  AdamOptions,
  CommonConfig,
  DcganConfig,
  DdpmConfig,
  DiffAugmentPolicy,
  GanOptions,
  ModelConfig,
  ModelConfigInput,
  PgganConfig,
  VaeConfig,
  WganGpConfig,
} from './types';
import { PYRAMID_RESOLUTIONS_HINT, pyramidOf } from './nets/pyramid';

/** DiffAugment's full policy (Zhao et al. 2020: "color,translation,cutout"), what "DiffAugment on" means. */
export const FULL_DIFF_AUGMENT: DiffAugmentPolicy = { color: true, translation: true, cutout: true };

/** A config that fails validation; `reason` is the bare explanation, for callers that add their own context. */
export class ConfigError extends Error {
  constructor(
    readonly kind: string,
    readonly reason: string,
  ) {
    super(`models/config.ts: invalid ${kind} config: ${reason}`);
    this.name = 'ConfigError';
  }
}

const COMMON: Omit<CommonConfig, 'batchSize' | 'latentDim'> = { resolution: 32, channels: 1, numClasses: 0, seed: 1 };
const GAN_OPTIONS: GanOptions = { diffAugment: null, spectralNorm: false, attentionResolution: null, emaDecay: null };

export const DEFAULT_CONFIGS = {
  dcgan: {
    kind: 'dcgan',
    ...COMMON,
    ...GAN_OPTIONS,
    latentDim: 100,
    batchSize: 64,
    width: 64,
    labelSmoothing: 0,
    discriminatorBatchNorm: true,
    discriminatorLearningRateScale: 1,
    r1Gamma: 0,
    adam: { learningRate: 2e-4, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 },
  } satisfies DcganConfig,
  'wgan-gp': {
    kind: 'wgan-gp',
    ...COMMON,
    ...GAN_OPTIONS,
    latentDim: 100,
    batchSize: 32,
    width: 64,
    nCritic: 5,
    gpWeight: 10,
    adam: { learningRate: 1e-4, beta1: 0.5, beta2: 0.9, epsilon: 1e-8 },
  } satisfies WganGpConfig,
  pggan: {
    kind: 'pggan',
    ...COMMON,
    ...GAN_OPTIONS,
    resolution: 128,
    // The paper uses 512 latents and up to 512 maps; 128 keeps 128 px trainable in a browser.
    latentDim: 128,
    batchSize: 16,
    startResolution: 4,
    fadeSteps: 2000,
    stableSteps: 2000,
    fmapBase: 2048,
    fmapMax: 128,
    gpWeight: 10,
    driftWeight: 0.001,
    emaDecay: 0.999,
    adam: { learningRate: 1e-3, beta1: 0, beta2: 0.99, epsilon: 1e-8 },
  } satisfies PgganConfig,
  vae: {
    kind: 'vae',
    ...COMMON,
    latentDim: 64,
    batchSize: 32,
    width: 32,
    beta: 1,
    adam: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  } satisfies VaeConfig,
  ddpm: {
    kind: 'ddpm',
    ...COMMON,
    // Derived, never chosen: resolveConfig sets resolution² · channels for the actual resolution.
    latentDim: 32 * 32,
    // The paper trains with 128; 16 keeps a step well under a second on wasm.
    batchSize: 16,
    // The paper's 32 px model has width 128, multipliers [1, 2, 2, 2], two residual blocks per level
    // and attention at 16 px; this one keeps one block per level and no attention (see
    // models/nets/unet.ts). Width 16 because a wasm step (batch 16, 32 px) measured ≈ 2.7× a
    // DCGAN-28 step at width 16 and ≈ 8.7× at width 32.
    width: 16,
    channelMultipliers: [1, 2, 2],
    timesteps: 1000,
    betaSchedule: 'cosine',
    samplingSteps: 50,
    // The paper's 0.9999 averages over ~10k steps, longer than most browser runs.
    emaDecay: 0.999,
    adam: { learningRate: 2e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  } satisfies DdpmConfig,
} as const;

/** Fills defaults for a partial config and validates the result. */
export function resolveConfig(input: ModelConfigInput): ModelConfig {
  const defaults = DEFAULT_CONFIGS[input.kind] as ModelConfig | undefined;
  if (!defaults) throw new Error(`models/config.ts: unknown model kind "${(input as { kind: unknown }).kind}"`);
  const config = { ...structuredClone(defaults), ...structuredClone(input) } as ModelConfig;
  if ('adam' in input && input.adam) (config as { adam: AdamOptions }).adam = { ...defaults.adam, ...input.adam };
  // A DDPM's "latent" is its starting noise image, so its size follows from the image's.
  if (config.kind === 'ddpm' && input.latentDim === undefined) config.latentDim = config.resolution ** 2 * config.channels;
  validateConfig(config);
  return config;
}

export function validateConfig(config: ModelConfig): void {
  const fail = (why: string): never => {
    throw new ConfigError(config.kind, why);
  };
  const positiveInt = (name: string, v: number) => (Number.isInteger(v) && v > 0) || fail(`${name} must be a positive integer, got ${v}`);
  if (config.channels !== 1 && config.channels !== 3) fail(`channels must be 1 or 3, got ${config.channels}`);
  positiveInt('resolution', config.resolution);
  positiveInt('latentDim', config.latentDim);
  positiveInt('batchSize', config.batchSize);
  if (config.batchSize < 2) fail('batchSize must be at least 2 (batch statistics)');
  if (!Number.isInteger(config.numClasses) || config.numClasses < 0 || config.numClasses === 1)
    fail(`numClasses must be 0 (unconditional) or ≥ 2, got ${config.numClasses}`);
  if (!Number.isInteger(config.seed)) fail(`seed must be an integer, got ${config.seed}`);
  const { learningRate, beta1, beta2, epsilon } = config.adam;
  if (!(learningRate > 0)) fail(`adam.learningRate must be > 0, got ${learningRate}`);
  if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) fail('adam betas must be in [0, 1)');
  if (!(epsilon > 0)) fail(`adam.epsilon must be > 0, got ${epsilon}`);
  if ('width' in config) positiveInt('width', config.width);
  if ('emaDecay' in config && config.emaDecay !== null && !(config.emaDecay > 0 && config.emaDecay < 1))
    fail(`emaDecay must be null or in (0, 1), got ${config.emaDecay}`);
  if ((config.kind === 'dcgan' || config.kind === 'wgan-gp' || config.kind === 'vae') && !pyramidOf(config.resolution))
    fail(`resolution ${config.resolution} is not one the convolution stack can build; ${PYRAMID_RESOLUTIONS_HINT}`);
  switch (config.kind) {
    case 'dcgan':
      if (!(config.labelSmoothing >= 0 && config.labelSmoothing < 0.5)) fail('labelSmoothing must be in [0, 0.5)');
      if (!((config.discriminatorLearningRateScale ?? 1) > 0 && (config.discriminatorLearningRateScale ?? 1) <= 100))
        fail(`discriminatorLearningRateScale must be in (0, 100], got ${config.discriminatorLearningRateScale}`);
      if (!((config.r1Gamma ?? 0) >= 0 && Number.isFinite(config.r1Gamma ?? 0))) fail(`r1Gamma must be a finite number ≥ 0, got ${config.r1Gamma}`);
      break;
    case 'wgan-gp':
      positiveInt('nCritic', config.nCritic);
      if (!(config.gpWeight >= 0)) fail('gpWeight must be ≥ 0');
      break;
    case 'pggan': {
      if (config.startResolution !== 4 && config.startResolution !== 8) fail('startResolution must be 4 or 8');
      const levels = Math.log2(config.resolution / config.startResolution);
      if (!Number.isInteger(levels) || levels < 0 || config.resolution > 256)
        fail(`resolution must be startResolution·2^k and ≤ 256, got ${config.resolution}`);
      positiveInt('fadeSteps', config.fadeSteps);
      positiveInt('stableSteps', config.stableSteps);
      positiveInt('fmapBase', config.fmapBase);
      positiveInt('fmapMax', config.fmapMax);
      if (!(config.gpWeight >= 0 && config.driftWeight >= 0)) fail('gpWeight and driftWeight must be ≥ 0');
      // Equalised learning rate already controls D's weight scale; attention has no place in the growing stacks.
      if (config.spectralNorm) fail('spectralNorm is not supported (PG-GAN uses equalised learning rate)');
      if (config.attentionResolution !== null) fail('attentionResolution is not supported for PG-GAN');
      break;
    }
    case 'vae':
      if (!(config.beta >= 0)) fail(`beta must be ≥ 0, got ${config.beta}`);
      break;
    case 'ddpm': {
      const { resolution, channels, channelMultipliers, timesteps, samplingSteps } = config;
      if (config.latentDim !== resolution ** 2 * channels)
        fail(`latentDim is the starting-noise size resolution² · channels = ${resolution ** 2 * channels}, got ${config.latentDim}; leave it out`);
      if (!Array.isArray(channelMultipliers) || channelMultipliers.length < 1 || channelMultipliers.length > 5)
        fail('channelMultipliers must list 1 to 5 levels');
      channelMultipliers.forEach((m, i) => positiveInt(`channelMultipliers[${i}]`, m));
      const bottom = resolution / 2 ** (channelMultipliers.length - 1);
      if (!Number.isInteger(bottom) || bottom < 4 || resolution > 256)
        fail(`resolution ${resolution} must be ≤ 256 and halve ${channelMultipliers.length - 1} times to an integer side ≥ 4`);
      positiveInt('timesteps', timesteps);
      positiveInt('samplingSteps', samplingSteps);
      if (samplingSteps > timesteps) fail(`samplingSteps (${samplingSteps}) must be ≤ timesteps (${timesteps})`);
      const dropout = config.labelDropout ?? 0;
      if (!(dropout >= 0 && dropout < 1)) fail(`labelDropout must be in [0, 1), got ${dropout}`);
      if (config.betaSchedule !== 'linear' && config.betaSchedule !== 'cosine')
        fail(`betaSchedule must be 'linear' or 'cosine', got ${String(config.betaSchedule)}`);
      break;
    }
  }
}

/** Whether a model samples from the EMA copy of its weights: the models that keep one (GANs, DDPM) with a decay set. */
export function samplesFromEma(config: ModelConfig): boolean {
  return 'emaDecay' in config && config.emaDecay !== null;
}
