/**
 * The training settings form, as data: each field with its label, bounds and the tooltip that
 * explains it. Which model kinds show a field is the run-config builder's own table
 * (models/runConfig.ts), so the form never offers a choice the builder would ignore.
 */
import { RUN_CHOICE_KINDS, type RunChoiceKey, type RunChoices } from '../../../models/runConfig';
import type { ModelKind } from '../../../models/types';
import type { RunSettings } from '../../training/runTypes';

type ChoiceOfType<T> = { [K in RunChoiceKey]: RunChoices[K] extends T ? K : never }[RunChoiceKey];

export interface NumberField {
  key: ChoiceOfType<number>;
  label: string;
  help: string;
  type: 'number';
  min: number;
  max?: number;
  step?: number;
}
export interface BooleanField {
  key: ChoiceOfType<boolean>;
  label: string;
  help: string;
  type: 'boolean';
}
export type Field = NumberField | BooleanField;

/** The run's own numbers (the model's are in RunChoices). */
export type RunNumbers = Pick<RunSettings, 'totalSteps' | 'readbackEvery' | 'sampleEvery' | 'checkpointEvery' | 'keepCheckpoints' | 'samplesPerClass' | 'seed'>;
export interface RunField {
  key: keyof RunNumbers;
  label: string;
  help: string;
  min: number;
  max: number;
}

export function offered(field: Field, kind: ModelKind): boolean {
  return RUN_CHOICE_KINDS[field.key].includes(kind);
}

export const MODEL_KINDS: { kind: ModelKind; title: string; help: string }[] = [
  { kind: 'dcgan', title: 'DCGAN', help: 'Radford et al. 2016: transposed-convolution generator, strided-convolution discriminator, BCE loss.' },
  { kind: 'wgan-gp', title: 'WGAN-GP', help: 'Gulrajani et al. 2017: Wasserstein critic with a gradient penalty; stable, with a loss that tracks quality. Conditional by default (projection critic).' },
  { kind: 'pggan', title: 'Progressive GAN', help: 'Karras et al. 2018: grows from 4 px, fading in each resolution; minibatch stddev, equalised LR, pixel norm.' },
  { kind: 'vae', title: 'VAE', help: 'Kingma & Welling 2014: an encoder–decoder trained on reconstruction plus a KL term; blurrier than GANs, never mode-collapses.' },
  { kind: 'ddpm', title: 'Diffusion (DDPM)', help: 'Ho et al. 2020: a small U-Net learns to remove noise; its sample grids use 50 deterministic DDIM steps, Generate 15 DPM-Solver++ passes. Slow to sample, stable to train.' },
];

export const MODEL_FIELDS: Field[] = [
  { key: 'conditional', label: 'Conditional on class', type: 'boolean', help: 'The model is given the class: G(z, y) with a label embedding (diffusion: added to the time embedding); the critic uses projection conditioning. The sample grid shows one row per class.' },
  { key: 'diffAugment', label: 'DiffAugment', type: 'boolean', help: 'Zhao et al. 2020: differentiable colour, translation and cutout on real and fake images for D. On by default under 2,000 training images.' },
  { key: 'batchSize', label: 'Batch size', type: 'number', min: 1, max: 256, help: 'Images per step. Larger is smoother and uses more memory.' },
  { key: 'latentDim', label: 'Latent size', type: 'number', min: 2, max: 512, help: 'Length of the noise vector z the generator (or decoder) starts from.' },
  { key: 'width', label: 'Width', type: 'number', min: 4, max: 512, help: 'Feature maps of the widest layer at the finest level; doubles per level down. Narrower is faster.' },
  { key: 'learningRate', label: 'Learning rate', type: 'number', min: 1e-6, max: 1, step: 1e-5, help: 'Adam step size. DCGAN 2e-4, WGAN-GP 1e-4, VAE 1e-3 by default. Halved automatically after a divergence.' },
  { key: 'beta1', label: 'Adam β1', type: 'number', min: 0, max: 0.999, step: 0.05, help: 'Momentum. GANs use 0.5 (or 0) because high momentum destabilises the two-player game.' },
  { key: 'beta2', label: 'Adam β2', type: 'number', min: 0, max: 0.9999, step: 0.001, help: 'Second-moment decay. WGAN-GP uses 0.9.' },
  { key: 'labelSmoothing', label: 'Label smoothing', type: 'number', min: 0, max: 0.5, step: 0.05, help: 'One-sided: real targets become 1 − s. 0.1 often calms an overconfident discriminator.' },
  { key: 'r1Gamma', label: 'R1 penalty γ', type: 'number', min: 0, max: 100, step: 1, help: 'Mescheder et al. 2018: penalises the discriminator’s gradient on real images (γ/2·‖∇D‖²), so it cannot win outright; against mode collapse on small or uniform data (the built-in DCGAN uses 10). 0 is off; on, a step takes about 2–3× as long.' },
  { key: 'nCritic', label: 'Critic steps (n_critic)', type: 'number', min: 1, max: 20, help: 'Critic updates per generator update. The WGAN-GP paper uses 5.' },
  { key: 'gpWeight', label: 'Gradient penalty λ', type: 'number', min: 0, max: 100, step: 1, help: 'Weight of the penalty pushing the critic’s input-gradient norm to 1 on interpolates. 10 in the paper.' },
  { key: 'fadeSteps', label: 'Fade-in steps', type: 'number', min: 1, max: 100000, help: 'Steps over which a new resolution fades in (α from 0 to 1).' },
  { key: 'stableSteps', label: 'Stable steps', type: 'number', min: 1, max: 100000, help: 'Steps trained at each resolution after its fade-in.' },
  { key: 'beta', label: 'β (KL weight)', type: 'number', min: 0, max: 100, step: 0.1, help: 'β-VAE: weight of the KL term. 1 is the plain VAE; larger gives smoother latents, blurrier images.' },
  { key: 'spectralNorm', label: 'Spectral normalisation', type: 'boolean', help: 'Miyato et al. 2018: scales each discriminator weight to spectral norm 1, a Lipschitz constraint that steadies training.' },
  { key: 'samplingSteps', label: 'Sampling steps (DDIM)', type: 'number', min: 1, max: 1000, help: 'Denoising steps when sampling. Fewer is faster and a little rougher; training always uses the full schedule.' },
  { key: 'ema', label: 'EMA of weights', type: 'boolean', help: 'Keep an exponential moving average (0.999) of the generator’s weights and sample from it: usually cleaner images.' },
  { key: 'seed', label: 'Model seed', type: 'number', min: 0, max: 2 ** 31, help: 'Seeds the weights and every random draw: the same seed, data and backend give the same losses.' },
];

export const RUN_FIELDS: RunField[] = [
  { key: 'totalSteps', label: 'Total steps', min: 1, max: 10_000_000, help: 'Training stops after this many steps. You can pause and resume at any time.' },
  { key: 'readbackEvery', label: 'Read losses every', min: 1, max: 1000, help: 'Losses stay on the GPU and are read back in one batch every N steps; reading every step would stall the GPU.' },
  { key: 'sampleEvery', label: 'Sample grid every', min: 1, max: 100000, help: 'A grid from fixed noise every N steps; scrub back through them on the timeline.' },
  { key: 'checkpointEvery', label: 'Checkpoint every', min: 1, max: 100000, help: 'Weights and optimiser state are saved every N steps and on pause, so nothing is lost to a crash or reload.' },
  { key: 'keepCheckpoints', label: 'Keep last', min: 1, max: 50, help: 'How many recent checkpoints to keep, besides the best one.' },
  { key: 'samplesPerClass', label: 'Samples per class', min: 1, max: 32, help: 'Images per class in the sample grid (or in all, for unconditional models).' },
  { key: 'seed', label: 'Data seed', min: 0, max: 2 ** 31, help: 'Seeds the batch order and the fixed noise of the sample grid.' },
];
