/**
 * Progressive GAN (Karras et al. 2018): G and D grow from startResolution to resolution, each
 * new resolution faded in with α ramping 0→1 over fadeSteps, then trained stably for
 * stableSteps. Equalised learning rate (weights stored N(0,1), scaled by He's constant at run
 * time), pixel-wise feature normalisation in G, minibatch standard deviation in D, WGAN-GP loss
 * with ε_drift, one D and one G update per step (n_critic = 1 as in the paper).
 *
 * Every resolution's layers exist from the start (so state files have a fixed layout); layers
 * not yet grown receive no gradients and Adam keeps their moments at zero.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam, globalNorm } from './core/adam';
import { ModelBase, checkLabels, packMetrics } from './core/base';
import type { Weights } from './core/params';
import { SeedPurpose, stepSeed } from './core/seeds';
import { Kept } from './convGan';
import { conv, dense, downsample2x, leakyRelu, lerp, oneHot, upsample2x } from './layers/basic';
import { diffAugment } from './layers/diffAugment';
import { Ema } from './layers/ema';
import { gradientPenalty } from './layers/gradientPenalty';
import type { GenerateOptions, GenerativeModel, PgganConfig, StepResult } from './types';

export interface ProgressivePhase {
  /** 0 = startResolution. */
  level: number;
  resolution: number;
  /** Weight of the newest layers; 1 once faded in. */
  alpha: number;
}

/** Growth schedule as a pure function of the step: stable at start, then (fade, stable) per level. */
export function progressiveSchedule(
  config: Pick<PgganConfig, 'startResolution' | 'resolution' | 'fadeSteps' | 'stableSteps'>,
  step: number,
): ProgressivePhase {
  const maxLevel = Math.log2(config.resolution / config.startResolution);
  let s = step - config.stableSteps;
  if (s < 0 || maxLevel === 0) return { level: 0, resolution: config.startResolution, alpha: 1 };
  for (let level = 1; ; level++) {
    const resolution = config.startResolution * 2 ** level;
    if (s < config.fadeSteps) return { level, resolution, alpha: (s + 1) / config.fadeSteps };
    s -= config.fadeSteps;
    if (s < config.stableSteps || level === maxLevel) return { level, resolution, alpha: 1 };
    s -= config.stableSteps;
  }
}

const LABEL_EMBEDDING_DIM = 32;
const MBSTD_GROUP = 4;

/** Pixel-wise feature normalisation over channels (last axis). */
function pixelNorm(x: tf.Tensor): tf.Tensor {
  return x.mul(x.square().mean(x.rank - 1, true).add(1e-8).rsqrt());
}

/** Appends the mean over features of the per-group standard deviation as one extra channel. */
function minibatchStddev(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  let group = Math.min(MBSTD_GROUP, n);
  while (n % group !== 0) group--;
  const m = n / group;
  // Sample i = g·m + j belongs to group j, matching the reference's reshape.
  const grouped = x.reshape([group, m, h * w * c]);
  const centred = grouped.sub(grouped.mean(0, true));
  const std = centred.square().mean(0).add(1e-8).sqrt().mean(1); // [m]
  const feature = std.reshape([1, m]).tile([group, 1]).reshape([n, 1, 1, 1]).mul(tf.ones([1, h, w, 1]));
  return tf.concat([x, feature], 3) as tf.Tensor4D;
}

export class Progressive extends ModelBase<PgganConfig> implements GenerativeModel<PgganConfig> {
  readonly metricNames = [
    'lossD',
    'lossG',
    'gp',
    'wasserstein',
    'dReal',
    'dFake',
    'gradNormD',
    'gradNormG',
    'resolution',
    'alpha',
  ] as const;
  private readonly maxLevel: number;
  /** He constant per equalised weight. */
  private readonly scales = new Map<string, number>();
  private readonly gNames: string[] = [];
  private readonly dNames: string[] = [];
  private readonly gOpt: Adam;
  private readonly dOpt: Adam;
  private readonly ema: Ema | null;

  constructor(config: PgganConfig) {
    super(config);
    this.maxLevel = Math.log2(config.resolution / config.startResolution);
    this.buildGenerator();
    this.buildDiscriminator();
    this.gOpt = new Adam(this.store, 'adamG', this.gNames, config.adam);
    this.dOpt = new Adam(this.store, 'adamD', this.dNames, config.adam);
    this.optimisers.push(this.gOpt, this.dOpt);
    this.ema = config.emaDecay !== null ? new Ema(this.store, this.gNames, config.emaDecay) : null;
  }

  /** Phase of the most recent training step (what generate() renders). */
  get phase(): ProgressivePhase {
    return progressiveSchedule(this.config, Math.max(0, this.currentStep - 1));
  }

  trainStep(real: tf.Tensor4D, labels: tf.Tensor1D | null): StepResult {
    this.checkBatch(real, labels);
    const step = this.currentStep;
    const phase = progressiveSchedule(this.config, step);
    const { seed, batchSize, latentDim, gpWeight, driftWeight, numClasses } = this.config;
    const kept = new Kept();
    const metrics = tf.tidy(() => {
      const y = labels ? oneHot(labels, numClasses) : null;
      const w = this.equalised((n) => this.store.get(n));
      const latent = (purpose: number) =>
        tf.randomNormal([batchSize, latentDim], 0, 1, 'float32', stepSeed(seed, step, purpose)) as tf.Tensor2D;
      const augment = (x: tf.Tensor4D, purpose: number) =>
        this.config.diffAugment ? diffAugment(x, this.config.diffAugment, stepSeed(seed, step, purpose)) : x;
      const critic = (x: tf.Tensor4D) => this.discriminate(x, y, phase, w);
      const realSeen = augment(this.realAt(real, phase), SeedPurpose.augmentReal);
      const fakeSeen = augment(this.synthesise(latent(SeedPurpose.latent), y, phase, w), SeedPurpose.augmentFake);

      const reported: Record<string, tf.Tensor> = {};
      const d = tf.variableGrads(() => {
        const realScores = critic(realSeen);
        const dReal = realScores.mean();
        const dFake = critic(fakeSeen).mean();
        const { penalty } = gradientPenalty(critic, realSeen, fakeSeen, stepSeed(seed, step, SeedPurpose.interpolation));
        const wasserstein = dReal.sub(dFake);
        reported.dReal = kept.keep(dReal);
        reported.dFake = kept.keep(dFake);
        reported.gp = kept.keep(penalty);
        reported.wasserstein = kept.keep(wasserstein);
        const drift = realScores.square().mean().mul(driftWeight);
        return wasserstein.neg().add(penalty.mul(gpWeight)).add(drift) as tf.Scalar;
      }, this.dOpt.variables());
      this.dOpt.apply(d.grads);

      const g = tf.variableGrads(() => {
        const fresh = this.synthesise(latent(SeedPurpose.generatorLatent), y, phase, w);
        return critic(augment(fresh, SeedPurpose.augmentGenerator)).mean().neg() as tf.Scalar;
      }, this.gOpt.variables());
      this.gOpt.apply(g.grads);
      this.ema?.update(step);

      return packMetrics(this.metricNames, {
        ...reported,
        lossD: d.value,
        lossG: g.value,
        gradNormD: globalNorm(d.grads),
        gradNormG: globalNorm(g.grads),
        resolution: tf.scalar(phase.resolution),
        alpha: tf.scalar(phase.alpha),
      });
    });
    kept.release();
    this.currentStep = step + 1;
    return { step, metrics };
  }

  /** Renders at the current phase, nearest-upsampled to the final resolution and clipped to [-1, 1]. */
  generate(z: tf.Tensor2D, labels: tf.Tensor1D | null, opts: GenerateOptions = {}): tf.Tensor4D {
    this.assertLive();
    checkLabels('models/progressive.ts: generate', labels, z.shape[0], this.config.numClasses);
    if (opts.ema && !this.ema) throw new Error('models/progressive.ts: generate({ ema: true }) but emaDecay is null');
    return tf.tidy(() => {
      const base = (n: string) => this.store.get(n) as tf.Tensor;
      const w = this.equalised(opts.ema && this.ema ? this.ema.weights(base) : base);
      const y = labels ? oneHot(labels, this.config.numClasses) : null;
      let img = this.synthesise(z, y, this.phase, w);
      while (img.shape[1] < this.config.resolution) img = upsample2x(img);
      return img.clipByValue(-1, 1) as tf.Tensor4D;
    });
  }

  private fmaps(level: number): number {
    const r = this.config.startResolution * 2 ** level;
    return Math.max(1, Math.min(this.config.fmapMax, Math.floor(this.config.fmapBase / r)));
  }

  /** Adds an equalised weight (N(0,1) stored, gain/√fanIn applied at run time) and its bias. */
  private layer(owner: string[], name: string, shape: number[], fanIn: number, gain = Math.SQRT2, biasSize = shape[shape.length - 1]): void {
    this.store.add(`${name}/w`, shape, { kind: 'normal', std: 1 });
    this.store.add(`${name}/b`, [biasSize], { kind: 'zeros' });
    this.scales.set(`${name}/w`, gain / Math.sqrt(fanIn));
    owner.push(`${name}/w`, `${name}/b`);
  }

  private equalised(base: Weights): Weights {
    return (name) => {
      const scale = this.scales.get(name);
      return scale === undefined ? base(name) : base(name).mul(scale);
    };
  }

  private buildGenerator(): void {
    const { latentDim, numClasses, startResolution: s0, channels } = this.config;
    const inDim = latentDim + (numClasses > 0 ? LABEL_EMBEDDING_DIM : 0);
    if (numClasses > 0) {
      this.store.add('G/embed', [numClasses, LABEL_EMBEDDING_DIM], { kind: 'normal', std: 1 });
      this.gNames.push('G/embed');
    }
    const c0 = this.fmaps(0);
    // The base dense layer's bias is per feature map (added after the reshape), hence size c0.
    this.layer(this.gNames, 'G/base/dense', [inDim, s0 * s0 * c0], inDim, Math.SQRT2, c0);
    this.layer(this.gNames, 'G/base/conv', [3, 3, c0, c0], 9 * c0);
    for (let k = 0; k <= this.maxLevel; k++) {
      if (k > 0) {
        const cin = this.fmaps(k - 1);
        const c = this.fmaps(k);
        this.layer(this.gNames, `G/b${k}/conv0`, [3, 3, cin, c], 9 * cin);
        this.layer(this.gNames, `G/b${k}/conv1`, [3, 3, c, c], 9 * c);
      }
      this.layer(this.gNames, `G/rgb${k}`, [1, 1, this.fmaps(k), channels], this.fmaps(k), 1);
    }
  }

  private buildDiscriminator(): void {
    const { startResolution: s0, channels, numClasses } = this.config;
    for (let k = 0; k <= this.maxLevel; k++) {
      this.layer(this.dNames, `D/rgb${k}`, [1, 1, channels, this.fmaps(k)], channels);
      if (k > 0) {
        const c = this.fmaps(k);
        this.layer(this.dNames, `D/b${k}/conv0`, [3, 3, c, c], 9 * c);
        this.layer(this.dNames, `D/b${k}/conv1`, [3, 3, c, this.fmaps(k - 1)], 9 * c);
      }
    }
    const c0 = this.fmaps(0);
    this.layer(this.dNames, 'D/final/conv', [3, 3, c0 + 1, c0], 9 * (c0 + 1));
    this.layer(this.dNames, 'D/final/dense', [s0 * s0 * c0, c0], s0 * s0 * c0);
    this.layer(this.dNames, 'D/final/out', [c0, 1], c0, 1);
    if (numClasses > 0) {
      this.store.add('D/embed', [numClasses, c0], { kind: 'normal', std: 1 });
      this.scales.set('D/embed', 1 / Math.sqrt(c0));
      this.dNames.push('D/embed');
    }
  }

  private synthesise(z: tf.Tensor2D, y: tf.Tensor2D | null, phase: ProgressivePhase, w: Weights): tf.Tensor4D {
    const act = (x: tf.Tensor) => pixelNorm(tf.leakyRelu(x, 0.2));
    const { startResolution: s0 } = this.config;
    let input: tf.Tensor2D = z;
    if (y) input = tf.concat([z, tf.matMul(y, w('G/embed') as tf.Tensor2D)], 1);
    input = pixelNorm(input) as tf.Tensor2D;
    let h = dense(input, w('G/base/dense/w')).reshape([z.shape[0], s0, s0, this.fmaps(0)]).add(w('G/base/dense/b'));
    h = act(h);
    h = act(conv(h as tf.Tensor4D, w('G/base/conv/w'), 1, w('G/base/conv/b')));
    let previous = h as tf.Tensor4D;
    for (let k = 1; k <= phase.level; k++) {
      previous = h as tf.Tensor4D;
      h = act(conv(upsample2x(previous), w(`G/b${k}/conv0/w`), 1, w(`G/b${k}/conv0/b`)));
      h = act(conv(h as tf.Tensor4D, w(`G/b${k}/conv1/w`), 1, w(`G/b${k}/conv1/b`)));
    }
    const toRgb = (x: tf.Tensor4D, k: number) => conv(x, w(`G/rgb${k}/w`), 1, w(`G/rgb${k}/b`));
    const img = toRgb(h as tf.Tensor4D, phase.level);
    if (phase.level === 0 || phase.alpha >= 1) return img;
    return lerp(upsample2x(toRgb(previous, phase.level - 1)), img, phase.alpha) as tf.Tensor4D;
  }

  private discriminate(x: tf.Tensor4D, y: tf.Tensor2D | null, phase: ProgressivePhase, w: Weights): tf.Tensor1D {
    const fromRgb = (img: tf.Tensor4D, k: number) => leakyRelu(conv(img, w(`D/rgb${k}/w`), 1, w(`D/rgb${k}/b`))) as tf.Tensor4D;
    const block = (h: tf.Tensor4D, k: number) => {
      const a = leakyRelu(conv(h, w(`D/b${k}/conv0/w`), 1, w(`D/b${k}/conv0/b`))) as tf.Tensor4D;
      return downsample2x(leakyRelu(conv(a, w(`D/b${k}/conv1/w`), 1, w(`D/b${k}/conv1/b`))) as tf.Tensor4D);
    };
    let h = fromRgb(x, phase.level);
    if (phase.level > 0) {
      h = block(h, phase.level);
      if (phase.alpha < 1) h = lerp(fromRgb(downsample2x(x), phase.level - 1), h, phase.alpha) as tf.Tensor4D;
      for (let k = phase.level - 1; k >= 1; k--) h = block(h, k);
    }
    h = leakyRelu(conv(minibatchStddev(h), w('D/final/conv/w'), 1, w('D/final/conv/b'))) as tf.Tensor4D;
    const n = x.shape[0];
    const features = leakyRelu(dense(h.reshape([n, -1]) as tf.Tensor2D, w('D/final/dense/w'), w('D/final/dense/b'))) as tf.Tensor2D;
    let out = dense(features, w('D/final/out/w'), w('D/final/out/b')).reshape([n]);
    if (y) out = out.add(tf.matMul(y, w('D/embed') as tf.Tensor2D).mul(features).sum(1));
    return out as tf.Tensor1D;
  }

  /** Real images at the phase's resolution, blended like the generator's output during a fade. */
  private realAt(real: tf.Tensor4D, phase: ProgressivePhase): tf.Tensor4D {
    let x = real;
    while (x.shape[1] > phase.resolution) x = downsample2x(x);
    if (phase.level === 0 || phase.alpha >= 1) return x;
    return lerp(upsample2x(downsample2x(x)), x, phase.alpha) as tf.Tensor4D;
  }
}
