/**
 * The DCGAN-28 and DCGAN-64 benchmark networks, written with functional tfjs ops so that the
 * very same layer list can be mirrored in bench/pytorch_reference.py. Not the studio's models
 * (those live in models/): this file only fixes a workload for timing backends.
 *
 * Conventions shared with the PyTorch script: NHWC here / NCHW there, k4 s2 convolutions with
 * 'same' padding (= PyTorch padding 1 for even sizes), batch-norm with batch statistics and
 * eps 1e-5, leaky ReLU slope 0.2 written as 0.6x + 0.4|x| (tf.leakyRelu breaks second-order
 * gradients), sigmoid cross-entropy, Adam(2e-4, β1 0.5).
 */
import * as tf from '@tensorflow/tfjs';

export interface DcganSpec {
  name: 'dcgan28' | 'dcgan64';
  imageSize: number;
  latentSize: number;
  /** Side and channels of the generator's first feature map (after the dense layer). */
  seedSide: number;
  seedChannels: number;
  /** Output channels of the generator's hidden transposed convs (each doubles the side). */
  generatorChannels: number[];
  /** Output channels of the discriminator's strided convs (each halves the side). */
  discriminatorChannels: number[];
}

export const DCGAN28: DcganSpec = {
  name: 'dcgan28', imageSize: 28, latentSize: 100, seedSide: 7, seedChannels: 128,
  generatorChannels: [64], discriminatorChannels: [64, 128],
};

export const DCGAN64: DcganSpec = {
  name: 'dcgan64', imageSize: 64, latentSize: 100, seedSide: 4, seedChannels: 256,
  generatorChannels: [128, 64, 32], discriminatorChannels: [32, 64, 128, 256],
};

const KERNEL = 4;
const BN_EPSILON = 1e-5;

interface BatchNormParams { gamma: tf.Variable; beta: tf.Variable }

interface GeneratorParams {
  denseW: tf.Variable; denseB: tf.Variable; seedNorm: BatchNormParams;
  /** Transposed-conv filters [k, k, out, in] (tfjs conv2dTranspose layout), last one to 1 channel. */
  filters: tf.Variable[]; norms: BatchNormParams[]; outBias: tf.Variable;
}

interface DiscriminatorParams {
  /** Conv filters [k, k, in, out]; batch-norm after every conv but the first. */
  filters: tf.Variable[]; firstBias: tf.Variable; norms: BatchNormParams[];
  denseW: tf.Variable; denseB: tf.Variable;
}

function normal(shape: number[], seed: number): tf.Variable {
  return tf.variable(tf.randomNormal(shape, 0, 0.02, 'float32', seed));
}

function batchNormParams(channels: number): BatchNormParams {
  return { gamma: tf.variable(tf.ones([channels])), beta: tf.variable(tf.zeros([channels])) };
}

function batchNorm(x: tf.Tensor, p: BatchNormParams): tf.Tensor {
  const axes = x.rank === 4 ? [0, 1, 2] : [0];
  const { mean, variance } = tf.moments(x, axes);
  return x.sub(mean).mul(tf.rsqrt(variance.add(BN_EPSILON))).mul(p.gamma).add(p.beta);
}

function leaky(x: tf.Tensor): tf.Tensor {
  return x.mul(0.6).add(x.abs().mul(0.4));
}

export class DcganBenchModel {
  readonly g: GeneratorParams;
  readonly d: DiscriminatorParams;
  private readonly gOptimizer = tf.train.adam(2e-4, 0.5, 0.999);
  private readonly dOptimizer = tf.train.adam(2e-4, 0.5, 0.999);

  constructor(readonly spec: DcganSpec, seed = 1) {
    const { latentSize, seedSide, seedChannels, generatorChannels, discriminatorChannels, imageSize } = spec;
    const seedUnits = seedSide * seedSide * seedChannels;
    const gChannels = [seedChannels, ...generatorChannels, 1];
    this.g = {
      denseW: normal([latentSize, seedUnits], seed), denseB: tf.variable(tf.zeros([seedUnits])),
      seedNorm: batchNormParams(seedUnits),
      filters: gChannels.slice(1).map((out, i) => normal([KERNEL, KERNEL, out, gChannels[i]], seed + 1 + i)),
      norms: generatorChannels.map((c) => batchNormParams(c)),
      outBias: tf.variable(tf.zeros([1])),
    };
    const dChannels = [1, ...discriminatorChannels];
    const finalSide = imageSize / 2 ** discriminatorChannels.length;
    const flat = finalSide * finalSide * discriminatorChannels[discriminatorChannels.length - 1];
    this.d = {
      filters: dChannels.slice(1).map((out, i) => normal([KERNEL, KERNEL, dChannels[i], out], seed + 100 + i)),
      firstBias: tf.variable(tf.zeros([discriminatorChannels[0]])),
      norms: discriminatorChannels.slice(1).map((c) => batchNormParams(c)),
      denseW: normal([flat, 1], seed + 200), denseB: tf.variable(tf.zeros([1])),
    };
  }

  generate(z: tf.Tensor2D): tf.Tensor4D {
    const { g, spec } = this;
    let h: tf.Tensor = tf.relu(batchNorm(tf.matMul(z, g.denseW).add(g.denseB), g.seedNorm));
    let side = spec.seedSide;
    h = h.reshape([z.shape[0], side, side, spec.seedChannels]);
    g.filters.forEach((filter, i) => {
      side *= 2;
      const outShape: [number, number, number, number] = [z.shape[0], side, side, filter.shape[2] as number];
      const up = tf.conv2dTranspose(h as tf.Tensor4D, filter as tf.Tensor4D, outShape, 2, 'same');
      h = i < g.norms.length ? tf.relu(batchNorm(up, g.norms[i])) : tf.tanh(up.add(g.outBias));
    });
    return h as tf.Tensor4D;
  }

  /** Logits [batch, 1]. */
  discriminate(images: tf.Tensor4D): tf.Tensor2D {
    const { d } = this;
    let h: tf.Tensor = images;
    d.filters.forEach((filter, i) => {
      const conv = tf.conv2d(h as tf.Tensor4D, filter as tf.Tensor4D, 2, 'same');
      h = leaky(i === 0 ? conv.add(d.firstBias) : batchNorm(conv, d.norms[i - 1]));
    });
    return tf.matMul(h.reshape([images.shape[0], -1]), d.denseW).add(d.denseB) as tf.Tensor2D;
  }

  get generatorVariables(): tf.Variable[] {
    const g = this.g;
    return [g.denseW, g.denseB, g.seedNorm.gamma, g.seedNorm.beta, ...g.filters,
      ...g.norms.flatMap((n) => [n.gamma, n.beta]), g.outBias];
  }

  get discriminatorVariables(): tf.Variable[] {
    const d = this.d;
    return [...d.filters, d.firstBias, ...d.norms.flatMap((n) => [n.gamma, n.beta]), d.denseW, d.denseB];
  }

  /** One D update on real + fake, then one G update; returns [dLoss, gLoss]. */
  trainStep(real: tf.Tensor4D, z: tf.Tensor2D): [number, number] {
    const batch = real.shape[0];
    const ones = tf.ones([batch, 1]);
    const zeros = tf.zeros([batch, 1]);
    const dLoss = this.dOptimizer.minimize(() => {
      const fake = this.generate(z);
      return tf.losses.sigmoidCrossEntropy(ones, this.discriminate(real))
        .add(tf.losses.sigmoidCrossEntropy(zeros, this.discriminate(fake))) as tf.Scalar;
    }, true, this.discriminatorVariables);
    const gLoss = this.gOptimizer.minimize(
      () => tf.losses.sigmoidCrossEntropy(ones, this.discriminate(this.generate(z))) as tf.Scalar,
      true, this.generatorVariables,
    );
    const losses: [number, number] = [dLoss!.dataSync()[0], gLoss!.dataSync()[0]];
    tf.dispose([ones, zeros, dLoss!, gLoss!]);
    return losses;
  }
}
