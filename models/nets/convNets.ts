/**
 * The DCGAN-family networks (Radford et al. 2016) shared by DCGAN, WGAN-GP and the VAE decoder:
 * a generator that grows a small map by stride-2 transposed convolutions, and a discriminator /
 * critic of stride-2 convolutions with an optional projection head (Miyato & Koyama 2018).
 */
import * as tf from '@tensorflow/tfjs';
import type { Init, ParamStore, Weights } from '../core/params';
import { fusedBatchNormAct } from '../kernels/batchNormAct';
import {
  batchMoments,
  batchNormApply,
  BN_EPSILON,
  conv,
  convTransposeUp,
  dense,
  leakyRelu,
  leakyReluFirstOrder,
} from '../layers/basic';
import { addSelfAttentionParams, selfAttention, selfAttentionMatrices } from '../layers/selfAttention';
import { PYRAMID_RESOLUTIONS_HINT, pyramidOf } from './pyramid';

export type InitScheme = 'dcgan' | 'he';
const LABEL_EMBEDDING_DIM = 32;
const BN_MOMENTUM = 0.1;
const KERNEL = 4;

/** Spatial size of the first (generator) / last (discriminator) feature map and the number of 2× steps. */
export function pyramid(resolution: number): { start: number; steps: number } {
  const found = pyramidOf(resolution);
  if (!found) throw new Error(`models/nets/convNets.ts: resolution ${resolution} unsupported; ${PYRAMID_RESOLUTIONS_HINT}`);
  return found;
}

function initFor(scheme: InitScheme, fanIn: number): Init {
  return scheme === 'dcgan' ? { kind: 'normal', std: 0.02 } : { kind: 'he', fanIn };
}

function gammaInit(scheme: InitScheme): Init {
  return scheme === 'dcgan' ? { kind: 'normal', mean: 1, std: 0.02 } : { kind: 'ones' };
}

export interface GeneratorSpec {
  resolution: number;
  channels: number;
  latentDim: number;
  numClasses: number;
  width: number;
  attentionResolution: number | null;
  init: InitScheme;
}

/** How batch norm behaves in a forward pass. */
export type NormMode = 'train' | 'train-track' | 'eval';

export class Generator {
  private readonly start: number;
  private readonly levels: number;
  private readonly trainable: string[] = [];
  private readonly bnLayers: string[] = [];

  constructor(
    private readonly store: ParamStore,
    private readonly spec: GeneratorSpec,
    private readonly prefix = 'G',
  ) {
    const { start, steps } = pyramid(spec.resolution);
    this.start = start;
    this.levels = steps;
    if (spec.attentionResolution !== null && this.levelAt(spec.attentionResolution) < 0)
      throw new Error(`models/nets/convNets.ts: no generator feature map of side ${spec.attentionResolution} for attention`);
    const p = prefix;
    const inDim = spec.latentDim + (spec.numClasses > 0 ? LABEL_EMBEDDING_DIM : 0);
    if (spec.numClasses > 0) this.param(`${p}/embed`, [spec.numClasses, LABEL_EMBEDDING_DIM], { kind: 'normal', std: 1 });
    const c0 = this.channelsAt(0);
    this.param(`${p}/in/w`, [inDim, start * start * c0], initFor(spec.init, inDim));
    this.batchNormParams(`${p}/in/bn`, c0);
    for (let i = 1; i < this.levels; i++) {
      const cin = this.channelsAt(i - 1);
      this.param(`${p}/up${i}/w`, [KERNEL, KERNEL, this.channelsAt(i), cin], initFor(spec.init, 4 * cin));
      this.batchNormParams(`${p}/up${i}/bn`, this.channelsAt(i));
    }
    if (spec.attentionResolution !== null) {
      const c = this.channelsAt(this.levelAt(spec.attentionResolution));
      addSelfAttentionParams(store, `${p}/attn`, c, (fanIn) => initFor(spec.init, fanIn));
      this.trainable.push(...selfAttentionMatrices(`${p}/attn`), `${p}/attn/gamma`);
    }
    const cLast = this.channelsAt(this.levels - 1);
    this.param(`${p}/out/w`, [KERNEL, KERNEL, spec.channels, cLast], initFor(spec.init, 4 * cLast));
    this.param(`${p}/out/b`, [spec.channels], { kind: 'zeros' });
  }

  /** Trainable parameter names (BN running statistics excluded). */
  trainableNames(): string[] {
    return [...this.trainable];
  }

  /** z: [n, latentDim]; labels: one-hot [n, numClasses] or null. Returns tanh images. */
  forward(z: tf.Tensor2D, labels: tf.Tensor2D | null, w: Weights, mode: NormMode): tf.Tensor4D {
    const p = this.prefix;
    const n = z.shape[0];
    let input = z;
    if (this.spec.numClasses > 0) {
      if (!labels) throw new Error('models/nets/convNets.ts: conditional generator called without labels');
      input = tf.concat([z, tf.matMul(labels, w(`${p}/embed`) as tf.Tensor2D)], 1);
    }
    let h = dense(input, w(`${p}/in/w`)).reshape([n, this.start, this.start, this.channelsAt(0)]) as tf.Tensor4D;
    h = this.batchNormRelu(h, `${p}/in/bn`, w, mode);
    h = this.maybeAttend(h, 0, w);
    for (let i = 1; i < this.levels; i++) {
      h = convTransposeUp(h, w(`${p}/up${i}/w`));
      h = this.batchNormRelu(h, `${p}/up${i}/bn`, w, mode);
      h = this.maybeAttend(h, i, w);
    }
    return tf.tanh(convTransposeUp(h, w(`${p}/out/w`), w(`${p}/out/b`)));
  }

  private maybeAttend(h: tf.Tensor4D, level: number, w: Weights): tf.Tensor4D {
    return level === this.levelAt(this.spec.attentionResolution ?? -1) ? selfAttention(h, w, `${this.prefix}/attn`) : h;
  }

  /**
   * relu(batch norm(x)). In training modes through the fused kernel where the backend has one
   * (models/kernels/batchNormAct.ts: first-order gradient only, which is all a generator needs:
   * gradient penalties differentiate the critic twice, never the generator).
   */
  private batchNormRelu(x: tf.Tensor4D, name: string, w: Weights, mode: NormMode): tf.Tensor4D {
    if (mode !== 'eval') {
      const fused = fusedBatchNormAct(x, w(`${name}/gamma`), w(`${name}/beta`), { epsilon: BN_EPSILON, activation: 'relu' });
      if (fused !== null) {
        if (mode === 'train-track') this.trackStatistics(name, fused.mean, fused.variance);
        return fused.y as tf.Tensor4D;
      }
    }
    return tf.relu(this.batchNorm(x, name, w, mode));
  }

  private batchNorm(x: tf.Tensor4D, name: string, w: Weights, mode: NormMode): tf.Tensor4D {
    if (mode === 'eval') {
      return batchNormApply(x, this.store.get(`${name}/mean`), this.store.get(`${name}/var`), w(`${name}/gamma`), w(`${name}/beta`)) as tf.Tensor4D;
    }
    const { mean, variance } = batchMoments(x);
    if (mode === 'train-track') this.trackStatistics(name, mean, variance);
    return batchNormApply(x, mean, variance, w(`${name}/gamma`), w(`${name}/beta`)) as tf.Tensor4D;
  }

  /** Running statistics are for sampling only; they never enter a gradient. */
  private trackStatistics(name: string, mean: tf.Tensor, variance: tf.Tensor): void {
    const runningMean = this.store.get(`${name}/mean`);
    const runningVar = this.store.get(`${name}/var`);
    runningMean.assign(runningMean.mul(1 - BN_MOMENTUM).add(mean.mul(BN_MOMENTUM)));
    runningVar.assign(runningVar.mul(1 - BN_MOMENTUM).add(variance.mul(BN_MOMENTUM)));
  }

  private channelsAt(level: number): number {
    return this.spec.width * 2 ** (this.levels - 1 - level);
  }

  private levelAt(side: number): number {
    for (let i = 0; i < this.levels; i++) if (this.start * 2 ** i === side) return i;
    return -1;
  }

  private param(name: string, shape: number[], init: Init): void {
    this.store.add(name, shape, init);
    this.trainable.push(name);
  }

  private batchNormParams(name: string, channels: number): void {
    this.param(`${name}/gamma`, [channels], gammaInit(this.spec.init));
    this.param(`${name}/beta`, [channels], { kind: 'zeros' });
    this.store.add(`${name}/mean`, [channels], { kind: 'zeros' }, false);
    this.store.add(`${name}/var`, [channels], { kind: 'ones' }, false);
  }
}

export interface DiscriminatorSpec {
  resolution: number;
  channels: number;
  numClasses: number;
  width: number;
  /** Batch norm on every conv but the first (batch statistics; not for gradient-penalised critics). */
  batchNorm: boolean;
  attentionResolution: number | null;
  init: InitScheme;
  /**
   * A gradient penalty differentiates the critic twice (WGAN-GP; DCGAN's R1): then every op must
   * have a differentiable gradient. Otherwise the cheaper first-order leaky ReLU and fused batch-norm
   * kernels are used.
   */
  differentiatedTwice: boolean;
}

export class Discriminator {
  private readonly start: number;
  private readonly levels: number;
  private readonly trainable: string[] = [];
  private readonly matrices: string[] = [];
  private readonly featureDim: number;

  constructor(
    store: ParamStore,
    private readonly spec: DiscriminatorSpec,
    private readonly prefix = 'D',
  ) {
    const { start, steps } = pyramid(spec.resolution);
    this.start = start;
    this.levels = steps;
    const p = prefix;
    if (spec.attentionResolution !== null && this.levelAt(spec.attentionResolution) < 0)
      throw new Error(`models/nets/convNets.ts: no discriminator feature map of side ${spec.attentionResolution} for attention`);
    const add = (name: string, shape: number[], init: Init, matrix: boolean) => {
      store.add(name, shape, init);
      this.trainable.push(name);
      if (matrix) this.matrices.push(name);
    };
    for (let j = 0; j < this.levels; j++) {
      const cin = j === 0 ? spec.channels : this.channelsAt(j - 1);
      const cout = this.channelsAt(j);
      add(`${p}/down${j}/w`, [KERNEL, KERNEL, cin, cout], initFor(spec.init, KERNEL * KERNEL * cin), true);
      if (this.hasBatchNorm(j)) {
        add(`${p}/down${j}/bn/gamma`, [cout], gammaInit(spec.init), false);
        add(`${p}/down${j}/bn/beta`, [cout], { kind: 'zeros' }, false);
      } else {
        add(`${p}/down${j}/b`, [cout], { kind: 'zeros' }, false);
      }
      if (j === this.levelAt(spec.attentionResolution ?? -1)) {
        addSelfAttentionParams(store, `${p}/attn`, cout, (fanIn) => initFor(spec.init, fanIn));
        this.trainable.push(...selfAttentionMatrices(`${p}/attn`), `${p}/attn/gamma`);
        this.matrices.push(...selfAttentionMatrices(`${p}/attn`));
      }
    }
    this.featureDim = start * start * this.channelsAt(this.levels - 1);
    add(`${p}/out/w`, [this.featureDim, 1], initFor(spec.init, this.featureDim), true);
    add(`${p}/out/b`, [1], { kind: 'zeros' }, false);
    if (spec.numClasses > 0) add(`${p}/embed`, [spec.numClasses, this.featureDim], initFor(spec.init, this.featureDim), true);
  }

  trainableNames(): string[] {
    return [...this.trainable];
  }

  /** Weight matrices and kernels (what spectral normalisation applies to). */
  matrixNames(): string[] {
    return [...this.matrices];
  }

  /** Raw logits / critic values, shape [n]. labels: one-hot or null. */
  forward(x: tf.Tensor4D, labels: tf.Tensor2D | null, w: Weights): tf.Tensor1D {
    const p = this.prefix;
    let h = x;
    for (let j = 0; j < this.levels; j++) {
      h = conv(h, w(`${p}/down${j}/w`), 2, this.hasBatchNorm(j) ? undefined : w(`${p}/down${j}/b`));
      if (this.hasBatchNorm(j)) h = this.batchNormLeakyRelu(h, `${p}/down${j}/bn`, w);
      else h = (this.spec.differentiatedTwice ? leakyRelu(h) : leakyReluFirstOrder(h)) as tf.Tensor4D;
      if (j === this.levelAt(this.spec.attentionResolution ?? -1)) h = selfAttention(h, w, `${p}/attn`);
    }
    const features = h.reshape([x.shape[0], this.featureDim]) as tf.Tensor2D;
    let out = dense(features, w(`${p}/out/w`), w(`${p}/out/b`)).reshape([x.shape[0]]);
    if (this.spec.numClasses > 0) {
      if (!labels) throw new Error('models/nets/convNets.ts: conditional discriminator called without labels');
      // Projection: ⟨embed(y), φ(x)⟩ added to the unconditional output.
      const projected = tf.matMul(labels, w(`${p}/embed`) as tf.Tensor2D).mul(features).sum(1);
      out = out.add(projected);
    }
    return out as tf.Tensor1D;
  }

  /**
   * leakyRelu(batch norm(x)) with batch statistics, fused where the backend has the kernel. The
   * fused gradient is first-order only, so a D that is differentiated twice (a DCGAN with the R1
   * penalty; WGAN-GP's critic has no batch norm) composes the ops, whose gradients are differentiable.
   */
  private batchNormLeakyRelu(x: tf.Tensor4D, name: string, w: Weights): tf.Tensor4D {
    const fused = this.spec.differentiatedTwice
      ? null
      : fusedBatchNormAct(x, w(`${name}/gamma`), w(`${name}/beta`), { epsilon: BN_EPSILON, activation: 'leakyRelu' });
    if (fused !== null) return fused.y as tf.Tensor4D;
    const { mean, variance } = batchMoments(x);
    return leakyRelu(batchNormApply(x, mean, variance, w(`${name}/gamma`), w(`${name}/beta`))) as tf.Tensor4D;
  }

  private hasBatchNorm(level: number): boolean {
    return this.spec.batchNorm && level > 0;
  }

  private channelsAt(level: number): number {
    return this.spec.width * 2 ** level;
  }

  /** Level whose output map has side `side`. */
  private levelAt(side: number): number {
    for (let j = 0; j < this.levels; j++) if ((this.start * 2 ** this.levels) / 2 ** (j + 1) === side) return j;
    return -1;
  }
}
