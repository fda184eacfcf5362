/**
 * From a new run's choices and its dataset to a model config. The dataset decides the image side,
 * the channels and the class count (here, and nowhere else); the choices decide the rest. Free of
 * tfjs, so the settings form can build (and explain a rejected) config before it asks the worker.
 */
import { ConfigError, DEFAULT_CONFIGS, FULL_DIFF_AUGMENT, resolveConfig } from './config';
import type { AdamOptions, ModelConfig, ModelConfigInput, ModelKind } from './types';

/** What a model config needs to know about its dataset; a stored DatasetMeta has all of it. */
export interface DatasetFacts {
  name: string;
  width: number;
  height: number;
  channels: 1 | 3;
  classNames: readonly string[];
}

/** A new-run form's choices as one flat, typed record; each kind reads the fields listed for it in RUN_CHOICE_KINDS. */
export interface RunChoices {
  kind: ModelKind;
  /** Condition on the dataset's classes: labels in, one sample-grid row per class. */
  conditional: boolean;
  /** DiffAugment's full policy on every image the discriminator sees. */
  diffAugment: boolean;
  /** Keep an EMA of the generator's (U-Net's) weights, at decay EMA_DECAY, and sample from it. */
  ema: boolean;
  spectralNorm: boolean;
  batchSize: number;
  latentDim: number;
  width: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  labelSmoothing: number;
  /** DCGAN: γ of the R1 penalty on D (0: off). */
  r1Gamma: number;
  nCritic: number;
  gpWeight: number;
  fadeSteps: number;
  stableSteps: number;
  beta: number;
  samplingSteps: number;
  seed: number;
}

export type RunChoiceKey = Exclude<keyof RunChoices, 'kind'>;

const GANS = ['dcgan', 'wgan-gp', 'pggan'] as const;
/** Ho & Salimans' p_uncond: the share of training labels replaced by the null class in a conditional DDPM. */
export const DDPM_LABEL_DROPOUT = 0.1;

const ALL = ['dcgan', 'wgan-gp', 'pggan', 'vae', 'ddpm'] as const;

/**
 * The kinds each choice applies to; buildRunConfig ignores a choice for any other kind. The
 * models' VAE accepts labels, but runs from the form have always trained it unconditionally, so
 * `conditional` is not offered for it. PG-GAN takes no spectral norm (equalised learning rate
 * already sets its critic's scale), and a DDPM's latent is its noise image, never chosen.
 */
export const RUN_CHOICE_KINDS: Record<RunChoiceKey, readonly ModelKind[]> = {
  conditional: ['dcgan', 'wgan-gp', 'pggan', 'ddpm'],
  diffAugment: GANS,
  ema: [...GANS, 'ddpm'],
  spectralNorm: ['dcgan', 'wgan-gp'],
  batchSize: ALL,
  latentDim: ['dcgan', 'wgan-gp', 'pggan', 'vae'],
  width: ['dcgan', 'wgan-gp', 'vae', 'ddpm'],
  learningRate: ALL,
  beta1: ALL,
  beta2: ALL,
  labelSmoothing: ['dcgan'],
  r1Gamma: ['dcgan'],
  nCritic: ['wgan-gp'],
  gpWeight: ['wgan-gp', 'pggan'],
  fadeSteps: ['pggan'],
  stableSteps: ['pggan'],
  beta: ['vae'],
  samplingSteps: ['ddpm'],
  seed: ALL,
};

/** The EMA decay when EMA is switched on: PG-GAN's and the DDPM's default (0.9999 averages over more steps than a browser run takes). */
export const EMA_DECAY = 0.999;

/** The papers' defaults (models/config.ts) for `kind`, as form choices; fields the kind lacks hold their owner's default. */
export function defaultRunChoices(kind: ModelKind): RunChoices {
  const d = DEFAULT_CONFIGS[kind];
  const { dcgan, vae, pggan, ddpm } = DEFAULT_CONFIGS;
  const wgan = DEFAULT_CONFIGS['wgan-gp'];
  return {
    kind,
    conditional: RUN_CHOICE_KINDS.conditional.includes(kind),
    diffAugment: 'diffAugment' in d && d.diffAugment !== null,
    ema: 'emaDecay' in d && d.emaDecay !== null,
    spectralNorm: 'spectralNorm' in d && d.spectralNorm,
    batchSize: d.batchSize,
    latentDim: d.latentDim,
    width: 'width' in d ? d.width : dcgan.width,
    learningRate: d.adam.learningRate,
    beta1: d.adam.beta1,
    beta2: d.adam.beta2,
    labelSmoothing: dcgan.labelSmoothing,
    r1Gamma: dcgan.r1Gamma ?? 0,
    nCritic: wgan.nCritic,
    gpWeight: 'gpWeight' in d ? d.gpWeight : wgan.gpWeight,
    fadeSteps: pggan.fadeSteps,
    stableSteps: pggan.stableSteps,
    beta: vae.beta,
    samplingSteps: ddpm.samplingSteps,
    seed: d.seed,
  };
}

/**
 * The model config a new run trains: the choices that apply to their kind, on the dataset's image
 * size, channels and classes. Throws an Error that names the dataset when the model cannot take
 * it (not square, a side the network cannot build, conditioning on fewer than two classes).
 */
export function buildRunConfig(choices: RunChoices, dataset: DatasetFacts): ModelConfig {
  const conditional = choices.conditional && RUN_CHOICE_KINDS.conditional.includes(choices.kind);
  return configForDataset(choicesToInput(choices), conditional, dataset);
}

/**
 * Fits a (partial) model config to a dataset: resolution, channels and numClasses always come from
 * the dataset (whatever `input` says), numClasses being its class count when `conditional`. The
 * one place a run's config meets its data: the form (through buildRunConfig) and the trainer call it.
 */
export function configForDataset(input: ModelConfigInput, conditional: boolean, dataset: DatasetFacts): ModelConfig {
  const { name, width, height, channels, classNames } = dataset;
  const where = `${input.kind} on "${name}" (${width}×${height} px, ${classNames.length} ${classNames.length === 1 ? 'class' : 'classes'})`;
  if (width !== height) throw new Error(`${where}: the models train on square images; crop or resize the dataset on import`);
  if (conditional && classNames.length < 2) throw new Error(oneClassMessage(name, classNames.length));
  try {
    return resolveConfig({ ...input, resolution: width, channels, numClasses: conditional ? classNames.length : 0 } as ModelConfigInput);
  } catch (error) {
    if (error instanceof ConfigError) throw new Error(`${where}: ${error.reason}`);
    throw error;
  }
}

/** Why a conditional model cannot train on a dataset of fewer than two classes, in the form's words. */
export function oneClassMessage(datasetName: string, classCount: number): string {
  const has = classCount === 1 ? 'has one class' : 'has no classes';
  return `“${datasetName}” ${has}; a conditional model needs at least two. Untick “Conditional on class” or import another class.`;
}

/** The choices that apply to their kind, as a partial config (typed per kind, so a misplaced field does not compile). */
function choicesToInput(c: RunChoices): ModelConfigInput {
  const adam: AdamOptions = { ...DEFAULT_CONFIGS[c.kind].adam, learningRate: c.learningRate, beta1: c.beta1, beta2: c.beta2 };
  const common = { batchSize: c.batchSize, seed: c.seed, adam };
  const emaDecay = c.ema ? EMA_DECAY : null;
  const diffAugment = c.diffAugment ? FULL_DIFF_AUGMENT : null;
  switch (c.kind) {
    case 'dcgan':
      return { kind: c.kind, ...common, latentDim: c.latentDim, width: c.width, labelSmoothing: c.labelSmoothing, r1Gamma: c.r1Gamma, spectralNorm: c.spectralNorm, diffAugment, emaDecay };
    case 'wgan-gp':
      return { kind: c.kind, ...common, latentDim: c.latentDim, width: c.width, nCritic: c.nCritic, gpWeight: c.gpWeight, spectralNorm: c.spectralNorm, diffAugment, emaDecay };
    case 'pggan':
      return { kind: c.kind, ...common, latentDim: c.latentDim, gpWeight: c.gpWeight, fadeSteps: c.fadeSteps, stableSteps: c.stableSteps, diffAugment, emaDecay };
    case 'vae':
      return { kind: c.kind, ...common, latentDim: c.latentDim, width: c.width, beta: c.beta };
    case 'ddpm':
      // Label dropout so a class-conditional run supports classifier-free guidance (no effect without labels).
      return { kind: c.kind, ...common, width: c.width, samplingSteps: c.samplingSteps, emaDecay, labelDropout: DDPM_LABEL_DROPOUT };
  }
}
