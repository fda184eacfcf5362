/**
 * Denoising diffusion probabilistic model (Ho et al. 2020) in the spirit of lucidrains'
 * denoising-diffusion-pytorch: a U-Net (nets/unet.ts) learns to predict the noise ε in
 * x_t = √ᾱ_t · x_0 + √(1 − ᾱ_t) · ε for t uniform in [0, T), with the simple MSE loss.
 *
 * Sampling is deterministic DDIM (Song et al. 2021, η = 0) over `samplingSteps` of the T levels
 * (50 by default, not the paper's 1000 ancestral steps), or DPM-Solver++(2M) in 10–20
 * (diffusionSamplers.ts), so the same starting noise gives the same image at every checkpoint,
 * which keeps a run's sample timeline comparable.
 *
 * The "latent" of generate() is the starting noise x_T itself, flattened: latentDim is
 * resolution² · channels and sampleLatent is a standard-normal draw of that length with each image's
 * spatial mean (per channel) removed: see centredNoise.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from './core/random';
import { Adam, globalNorm } from './core/adam';
import { ModelBase, checkLabels, packMetrics } from './core/base';
import { rawWeights, type Weights } from './core/params';
import { SeedPurpose, stepSeed } from './core/seeds';
import { oneHot } from './layers/basic';
import { Ema } from './layers/ema';
import { DerivedWeights, UNet, timeFeatureDim, timestepFeatures } from './nets/unet';
import { dpmSolverTimesteps, sampleDiffusion } from './diffusionSamplers';
import type { BetaSchedule, DdpmConfig, GenerateOptions, GenerativeModel, StepResult } from './types';

export const DDPM_METRICS = ['loss', 'gradNorm'] as const;

/** Largest β, as in Nichol & Dhariwal: larger values make the last steps singular. */
const MAX_BETA = 0.999;
/** Offset s of the cosine schedule, so β_0 is not vanishingly small (Nichol & Dhariwal, §3.2). */
const COSINE_OFFSET = 0.008;

/** ᾱ_t = ∏_{s ≤ t} (1 − β_s) for t = 0 … T−1, in float64. */
export function alphaBars(schedule: BetaSchedule, timesteps: number): Float64Array {
  const betas = new Float64Array(timesteps);
  if (schedule === 'linear') {
    // Ho et al.'s 1e-4 … 0.02 for T = 1000, rescaled for other T as in lucidrains' code.
    const scale = 1000 / timesteps;
    for (let t = 0; t < timesteps; t++) {
      const fraction = timesteps === 1 ? 0 : t / (timesteps - 1);
      betas[t] = Math.min(MAX_BETA, scale * (1e-4 + fraction * (0.02 - 1e-4)));
    }
  } else {
    const f = (t: number) => Math.cos((((t / timesteps) + COSINE_OFFSET) / (1 + COSINE_OFFSET)) * (Math.PI / 2)) ** 2;
    for (let t = 0; t < timesteps; t++) betas[t] = Math.min(MAX_BETA, 1 - f(t + 1) / f(t));
  }
  const out = new Float64Array(timesteps);
  let product = 1;
  for (let t = 0; t < timesteps; t++) {
    product *= 1 - betas[t];
    out[t] = product;
  }
  return out;
}

/**
 * The DDIM timestep sequence, from T−1 down, `steps` entries evenly spaced over [−1, T−1] as in
 * lucidrains' ddim_sample; each step denoises from entry i to entry i+1 and −1 means "x_0".
 */
export function ddimTimesteps(timesteps: number, steps: number): number[] {
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= timesteps))
    throw new Error(`models/ddpm.ts: DDIM needs 1 ≤ steps ≤ T, got ${steps} of ${timesteps}`);
  const out: number[] = [];
  for (let i = steps; i >= 0; i--) out.push(Math.round(-1 + (i * timesteps) / steps));
  return out;
}

/**
 * x_T without its spatial mean, image by image and channel by channel (one of the r² directions of
 * each channel's noise, so its distribution barely changes); sampleLatent draws the starting noise so.
 * Why: at the first pass, t = T − 1, ᾱ ≈ 2e-9 under the cosine schedule, and x̂_0 = (x − √(1 − ᾱ)·ε̂)/√ᾱ
 * multiplies whatever of x_T the U-Net does not predict by ~20,000; the part it evidently does not
 * predict is the noise's mean (its GroupNorms remove means), so the clip to [−1, 1] turned x̂_0 into a white frame
 * whenever that mean was above ~+0.005, and DDIM and DPM-Solver++ then drew a frame-filling bright
 * texture instead of a dark-background image. Measured on the 64 px head-CT phantom DDPMs (3- and
 * 4-level U-Nets): by quintile of the noise's mean, 0, 0, 0, 63 and 100 % of 300 samples were
 * frame-filling; with the mean removed, 0 of 64 (16 of the same 64 seeds without). It is done where
 * the noise is drawn, not in generate(): generate's first pass is that sensitive to its input, so the
 * PyTorch mirror, given the same z, must not re-centre it with its own float rounding.
 */
export function centredNoise(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => x.sub(x.mean([1, 2], true)) as tf.Tensor4D);
}

export class Ddpm extends ModelBase<DdpmConfig> implements GenerativeModel<DdpmConfig> {
  readonly metricNames = DDPM_METRICS;
  readonly unet: UNet;
  private readonly opt: Adam;
  private readonly ema: Ema | null;
  private readonly alphaBar: Float64Array;

  constructor(config: DdpmConfig) {
    super(config);
    const { resolution, channels, width, channelMultipliers, numClasses } = config;
    this.unet = new UNet(this.store, { resolution, channels, width, channelMultipliers, numClasses });
    this.opt = new Adam(this.store, 'adam', this.unet.trainableNames(), config.adam);
    this.optimisers.push(this.opt);
    this.ema = config.emaDecay !== null ? new Ema(this.store, this.unet.trainableNames(), config.emaDecay) : null;
    this.alphaBar = alphaBars(config.betaSchedule, config.timesteps);
  }

  trainStep(real: tf.Tensor4D, labels: tf.Tensor1D | null): StepResult {
    this.checkBatch(real, labels);
    const step = this.currentStep;
    const { seed, batchSize, timesteps, numClasses, width } = this.config;
    // Timesteps are drawn in JS: the ᾱ_t factors and time features then need no gather and no readback.
    const rng = new Random(stepSeed(seed, step, SeedPurpose.diffusionTimestep));
    const t = Array.from({ length: batchSize }, () => rng.int(timesteps));
    const metrics = tf.tidy(() => {
      const noise = tf.randomNormal(real.shape, 0, 1, 'float32', stepSeed(seed, step, SeedPurpose.diffusionNoise));
      const noisy = real.mul(this.perImage(t, (a) => Math.sqrt(a))).add(noise.mul(this.perImage(t, (a) => Math.sqrt(1 - a)))) as tf.Tensor4D;
      const features = timestepFeatures(t, timeFeatureDim(width));
      const classes = labels ? this.dropLabels(oneHot(labels, numClasses), step) : null;
      const w = rawWeights(this.store);
      const { value, grads } = tf.variableGrads(
        () => this.unet.forward(noisy, features, classes, w).sub(noise).square().mean() as tf.Scalar,
        this.opt.variables(),
      );
      this.opt.apply(grads);
      this.ema?.update(step);
      return packMetrics(this.metricNames, { loss: value, gradNorm: globalNorm(grads) });
    });
    this.currentStep = step + 1;
    return { step, metrics };
  }

  /** The standard-normal starting noise with each image's mean removed per channel (centredNoise), flattened. */
  override sampleLatent(n: number, seed: number): tf.Tensor2D {
    const { resolution, channels, latentDim } = this.config;
    return tf.tidy(() => centredNoise(super.sampleLatent(n, seed).reshape([n, resolution, resolution, channels])).reshape([n, latentDim]));
  }

  /**
   * z: starting noise [n, resolution² · channels] (see sampleLatent). Deterministic DDIM (or
   * DPM-Solver++ with opts.sampler) over opts.samplingSteps passes (default: the config's); images in [-1, 1].
   */
  generate(z: tf.Tensor2D, labels: tf.Tensor1D | null, opts: GenerateOptions = {}): tf.Tensor4D {
    this.assertLive();
    const { resolution, channels, latentDim, numClasses, timesteps, samplingSteps, width } = this.config;
    const n = z.shape[0];
    if (z.shape[1] !== latentDim)
      throw new Error(`models/ddpm.ts: generate needs z of shape [n, ${latentDim}] (resolution² · channels), got [${z.shape}]`);
    checkLabels('models/ddpm.ts: generate', labels, n, numClasses);
    if (opts.ema && !this.ema) throw new Error('models/ddpm.ts: generate({ ema: true }) but emaDecay is null');
    const sampler = opts.sampler ?? 'ddim';
    const steps = opts.samplingSteps ?? samplingSteps;
    const path = sampler === 'dpm-solver++' ? dpmSolverTimesteps(this.alphaBar, steps) : ddimTimesteps(timesteps, steps);
    const base = rawWeights(this.store);
    const w = opts.ema && this.ema ? this.ema.weights(base) : base;
    const guidance = opts.guidance ?? 0;
    if (guidance !== 0) {
      if (!labels) throw new Error('models/ddpm.ts: a guidance scale needs class labels (a class-conditional model)');
      if (!((this.config.labelDropout ?? 0) > 0)) throw new Error('models/ddpm.ts: this model was trained without label dropout, so it has no unconditional estimate to guide with');
      if (!(guidance >= -1 && Number.isFinite(guidance))) throw new Error(`models/ddpm.ts: the guidance scale must be ≥ −1, got ${guidance}`);
    }
    const classes = labels ? tf.tidy(() => oneHot(labels, numClasses)) : null;
    // The null class: no class embedding (an all-zero one-hot row), what label dropout trains.
    const none = classes && guidance !== 0 ? tf.zerosLike(classes) : null;
    // Weights derived for sampling (sub-pixel filters), made once for all the passes below.
    const derived = new DerivedWeights();
    const fast = { fused: true, derived };
    // Classifier-free guidance: ε̃ = (1 + w)·ε(x, c) − w·ε(x, ∅); w = −1 is the unconditional estimate alone.
    const noiseEstimate = (x: tf.Tensor4D, features: tf.Tensor2D): tf.Tensor4D => {
      if (guidance === 0) return this.unet.forward(x, features, classes, w, fast);
      if (guidance === -1) return this.unet.forward(x, features, none, w, fast);
      const conditional = this.unet.forward(x, features, classes, w, fast);
      const unconditional = this.unet.forward(x, features, none, w, fast);
      return conditional.mul(1 + guidance).sub(unconditional.mul(guidance)) as tf.Tensor4D;
    };
    // x̂_0 from x_t: the U-Net's noise estimate turned into an image, clipped to [-1, 1] as lucidrains does.
    const denoise = (x: tf.Tensor4D, t: number): tf.Tensor4D => {
      const predicted = noiseEstimate(x, timestepFeatures(new Array<number>(n).fill(t), timeFeatureDim(width)));
      const a = this.alphaBar[t];
      return x.sub(predicted.mul(Math.sqrt(1 - a))).div(Math.sqrt(a)).clipByValue(-1, 1) as tf.Tensor4D;
    };
    const start = z.reshape([n, resolution, resolution, channels]) as tf.Tensor4D;
    try {
      return sampleDiffusion(sampler, start, path, this.alphaBar, denoise);
    } finally {
      start.dispose();
      classes?.dispose();
      none?.dispose();
      derived.dispose();
    }
  }

  /**
   * Label dropout (classifier-free guidance training): each image's one-hot row is zeroed (the null
   * class) with probability labelDropout, drawn in JS from (seed, step) so a resumed run matches.
   */
  private dropLabels(classes: tf.Tensor2D, step: number): tf.Tensor2D {
    const p = this.config.labelDropout ?? 0;
    if (p === 0) return classes;
    const rng = new Random(stepSeed(this.config.seed, step, SeedPurpose.labelDropout));
    const keep = Float32Array.from({ length: classes.shape[0] }, () => (rng.next() < p ? 0 : 1));
    return classes.mul(tf.tensor2d(keep, [keep.length, 1]));
  }

  /**
   * The reverse process frame by frame, for teaching: deterministic DDIM from the starting noise z
   * over `steps` passes, returning x_t at every level visited (the first frame is the noise at
   * t = T − 1, the last the finished image at t = −1, equal to generate(z, null, { samplingSteps:
   * steps })) and the network's guess of the clean image x̂_0 at each level. Images in [-1, 1]
   * (x_t may stray beyond); the caller disposes every tensor.
   */
  trajectory(z: tf.Tensor2D, steps: number): { t: number; x: tf.Tensor4D; x0: tf.Tensor4D }[] {
    this.assertLive();
    const { resolution, channels, latentDim, numClasses, timesteps, width } = this.config;
    if (numClasses > 0) throw new Error('models/ddpm.ts: trajectory is for unconditional models');
    if (z.shape[1] !== latentDim) throw new Error(`models/ddpm.ts: trajectory needs z of shape [n, ${latentDim}], got [${z.shape}]`);
    const n = z.shape[0];
    const path = ddimTimesteps(timesteps, steps);
    const w = rawWeights(this.store);
    const frames: { t: number; x: tf.Tensor4D; x0: tf.Tensor4D }[] = [];
    const derived = new DerivedWeights();
    let x = z.reshape([n, resolution, resolution, channels]) as tf.Tensor4D;
    for (let i = 0; i + 1 < path.length; i++) {
      const s = path[i];
      const t = path[i + 1];
      const [x0, next] = tf.tidy(() => {
        const predicted = this.unet.forward(x, timestepFeatures(new Array<number>(n).fill(s), timeFeatureDim(width)), null, w, { fused: true, derived });
        const a = this.alphaBar[s];
        const estimate = x.sub(predicted.mul(Math.sqrt(1 - a))).div(Math.sqrt(a)).clipByValue(-1, 1) as tf.Tensor4D;
        if (t < 0) return [estimate, estimate.clone()];
        // DDIM (η = 0): x_t = √ᾱ_t·x̂_0 + √(1 − ᾱ_t)·ε̂, with ε̂ recomputed from the clipped x̂_0 (as sampleDiffusion does).
        const eps = x.sub(estimate.mul(Math.sqrt(a))).div(Math.sqrt(1 - a));
        return [estimate, estimate.mul(Math.sqrt(this.alphaBar[t])).add(eps.mul(Math.sqrt(1 - this.alphaBar[t]))) as tf.Tensor4D];
      });
      frames.push({ t: s, x, x0 });
      x = next;
    }
    frames.push({ t: -1, x, x0: x.clone() });
    derived.dispose();
    return frames;
  }

  /** A [n, 1, 1, 1] tensor of f(ᾱ_t) per image, to scale a batch image by image. */
  private perImage(t: readonly number[], f: (alphaBar: number) => number): tf.Tensor4D {
    return tf.tensor4d(Float32Array.from(t, (ti) => f(this.alphaBar[ti])), [t.length, 1, 1, 1]);
  }
}
