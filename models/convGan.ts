/**
 * What DCGAN and WGAN-GP share: the DCGAN-family G and D, their optimisers, and the GAN options
 * (spectral norm, DiffAugment, EMA). Each subclass supplies its loss in trainStep.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from './core/adam';
import { ModelBase, checkLabels } from './core/base';
import { rawWeights, type Weights } from './core/params';
import { stepSeed } from './core/seeds';
import { oneHot } from './layers/basic';
import { diffAugment } from './layers/diffAugment';
import { Ema } from './layers/ema';
import { SpectralNorm } from './layers/spectralNorm';
import { Discriminator, Generator, type InitScheme } from './nets/convNets';
import type { DcganConfig, GenerateOptions, WganGpConfig } from './types';

export abstract class ConvGan<C extends DcganConfig | WganGpConfig> extends ModelBase<C> {
  readonly generator: Generator;
  readonly discriminator: Discriminator;
  protected readonly gOpt: Adam;
  protected readonly dOpt: Adam;
  readonly spectralNorm: SpectralNorm | null;
  protected readonly ema: Ema | null;

  protected constructor(config: C, init: InitScheme, discriminatorBatchNorm: boolean, gradientPenalty: boolean) {
    super(config);
    const { resolution, channels, numClasses, latentDim, width, attentionResolution } = config;
    this.generator = new Generator(this.store, { resolution, channels, latentDim, numClasses, width, attentionResolution, init });
    this.discriminator = new Discriminator(this.store, {
      resolution,
      channels,
      numClasses,
      width,
      batchNorm: discriminatorBatchNorm,
      differentiatedTwice: gradientPenalty,
      attentionResolution,
      init,
    });
    this.gOpt = new Adam(this.store, 'adamG', this.generator.trainableNames(), config.adam);
    this.dOpt = new Adam(this.store, 'adamD', this.discriminator.trainableNames(), { ...config.adam, learningRate: config.adam.learningRate * this.discriminatorRateScale(config) });
    this.optimisers.push(this.gOpt, this.dOpt);
    this.spectralNorm = config.spectralNorm ? new SpectralNorm(this.store, this.discriminator.matrixNames()) : null;
    this.ema = config.emaDecay !== null ? new Ema(this.store, this.generator.trainableNames(), config.emaDecay) : null;
  }

  /** D's learning rate over G's (DCGAN's discriminatorLearningRateScale; 1 for WGAN-GP). */
  private discriminatorRateScale(config: C): number {
    return config.kind === 'dcgan' ? (config.discriminatorLearningRateScale ?? 1) : 1;
  }

  generate(z: tf.Tensor2D, labels: tf.Tensor1D | null, opts: GenerateOptions = {}): tf.Tensor4D {
    this.assertLive();
    checkLabels(`models/${this.kind}: generate`, labels, z.shape[0], this.config.numClasses);
    if (opts.ema && !this.ema) throw new Error(`models/${this.kind}: generate({ ema: true }) but emaDecay is null`);
    return tf.tidy(() => {
      const base = rawWeights(this.store);
      const w = opts.ema && this.ema ? this.ema.weights(base) : base;
      return this.generator.forward(z, this.oneHot(labels), w, 'eval');
    });
  }

  protected oneHot(labels: tf.Tensor1D | null): tf.Tensor2D | null {
    return labels ? oneHot(labels, this.config.numClasses) : null;
  }

  /** D's weights for this step: spectral norm advances its power iteration once per call. */
  protected discriminatorWeights(): Weights {
    const base = rawWeights(this.store);
    return this.spectralNorm ? this.spectralNorm.iterate(base) : base;
  }

  protected augment(x: tf.Tensor4D, step: number, purpose: number): tf.Tensor4D {
    const policy = this.config.diffAugment;
    return policy ? diffAugment(x, policy, stepSeed(this.config.seed, step, purpose)) : x;
  }
}

/**
 * Keeps chosen tensors created inside a tf.variableGrads closure (which disposes everything it
 * does not return) so they can be reported; release() frees them after the step.
 */
export class Kept {
  private readonly tensors: tf.Tensor[] = [];

  keep<T extends tf.Tensor>(t: T): T {
    this.tensors.push(tf.keep(t));
    return t;
  }

  release(): void {
    for (const t of this.tensors) t.dispose();
    this.tensors.length = 0;
  }
}
