/**
 * Training-mode batch norm followed by its activation, forward and backward, each as one kernel.
 * Composed from tfjs ops, the forward (moments, subtract, rsqrt, scale, shift, activation) costs
 * about ten kernel calls and its gradient about thirty (broadcast sums for γ, β, the mean and the
 * variance), most of them writing a full-size tensor; on the wasm backend this element-wise work
 * cost as much as a GAN layer's convolutions. Here the forward reads x twice (statistics, then
 * output) and the backward reads dy and x twice (sums, then dx).
 *
 * models/ declares the kernels and holds their arithmetic (plain loops over Float32Arrays); a
 * backend that can run them registers them under BATCH_NORM_ACT and BATCH_NORM_ACT_GRAD (the wasm
 * backend does, in src/compute/wasm/batchNormActKernel.ts). Where they are absent,
 * fusedBatchNormAct returns null and the caller composes the ops as before.
 *
 * The gradient is first-order only (tf.customGrad over a kernel with no gradient of its own): use
 * it where the network is differentiated once, never inside a gradient penalty.
 */
import * as tf from '@tensorflow/tfjs';

export const BATCH_NORM_ACT = 'PhantomBatchNormAct';
export const BATCH_NORM_ACT_GRAD = 'PhantomBatchNormActGrad';

/** 'leakyRelu' is slope 0.2 for x < 0, the value of models/layers/basic.ts's leakyRelu. */
export type NormActivation = 'none' | 'relu' | 'leakyRelu';

export interface BatchNormActAttrs {
  epsilon: number;
  activation: NormActivation;
}

const LEAKY_SLOPE = 0.2;

function negativeSlope(activation: NormActivation): number {
  return activation === 'none' ? 1 : activation === 'relu' ? 0 : LEAKY_SLOPE;
}

/**
 * y = act((x − mean_c)·(var_c + ε)^−½·γ_c + β_c) for x of `rows` × `channels` (channels innermost,
 * as NHWC), with the batch mean and biased variance per channel written to `mean` and `variance`.
 * Statistics are taken in float64, so the result matches the composed float32 ops (tf.moments,
 * then the affine) within their round-off. The activation is applied without a branch (a
 * multiply by a 0/1 from the comparison): with a branch, the unpredictable sign of normalised
 * data cost more than the rest of the loop.
 */
export function batchNormActForwardInto(
  x: Float32Array, gamma: Float32Array, beta: Float32Array,
  y: Float32Array, mean: Float32Array, variance: Float32Array,
  rows: number, channels: number, { epsilon, activation }: BatchNormActAttrs,
): void {
  const size = rows * channels;
  // One pass for both sums, of x − x[0, c] (each channel's first value): in float64 and about a
  // shifted origin, the variance as E[d²] − E[d]² keeps all the precision float32 statistics have.
  const sums = new Float64Array(channels);
  const squares = new Float64Array(channels);
  for (let i = 0; i < size; i += channels) {
    for (let c = 0; c < channels; c++) {
      const d = x[i + c] - x[c];
      sums[c] += d;
      squares[c] += d * d;
    }
  }
  const mu = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const shiftMean = sums[c] / rows;
    mu[c] = x[c] + shiftMean;
    squares[c] = Math.max(0, squares[c] / rows - shiftMean * shiftMean); // now the variance
  }
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const vc = squares[c];
    mean[c] = mu[c];
    variance[c] = vc;
    // From the float32 statistics, as the composed ops use them.
    scale[c] = gamma[c] / Math.sqrt(Math.fround(vc) + epsilon);
    shift[c] = beta[c] - Math.fround(mu[c]) * scale[c];
  }
  const slope = negativeSlope(activation);
  for (let i = 0; i < size; i += channels) {
    for (let c = 0; c < channels; c++) {
      const z = x[i + c] * scale[c] + shift[c];
      y[i + c] = z * (slope + (1 - slope) * +(z > 0));
    }
  }
}

/**
 * Gradients of the forward above with batch statistics: with x̂ = (x − mean)·s, s = (var + ε)^−½,
 * z = γ·x̂ + β and dz = dy·act'(z): dβ = Σ dz, dγ = Σ dz·x̂ and dx = γ·s·(dz − dβ/n − x̂·dγ/n),
 * the sums over the n rows (the mean's and the variance's own gradients folded in). dz is kept in
 * dx between the two passes.
 */
export function batchNormActBackwardInto(
  dy: Float32Array, x: Float32Array, gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array,
  dx: Float32Array, dGamma: Float32Array, dBeta: Float32Array,
  rows: number, channels: number, { epsilon, activation }: BatchNormActAttrs,
): void {
  const size = rows * channels;
  const inv = new Float64Array(channels);
  for (let c = 0; c < channels; c++) inv[c] = 1 / Math.sqrt(variance[c] + epsilon);
  const slope = negativeSlope(activation);
  const sumDz = new Float64Array(channels);
  const sumDzXhat = new Float64Array(channels);
  for (let i = 0; i < size; i += channels) {
    for (let c = 0; c < channels; c++) {
      const xHat = (x[i + c] - mean[c]) * inv[c];
      const z = gamma[c] * xHat + beta[c];
      const dz = dy[i + c] * (slope + (1 - slope) * +(z > 0));
      dx[i + c] = dz;
      sumDz[c] += dz;
      sumDzXhat[c] += dz * xHat;
    }
  }
  const k = new Float64Array(channels);
  const meanDz = new Float64Array(channels);
  const meanDzXhat = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    dBeta[c] = sumDz[c];
    dGamma[c] = sumDzXhat[c];
    k[c] = gamma[c] * inv[c];
    meanDz[c] = sumDz[c] / rows;
    meanDzXhat[c] = sumDzXhat[c] / rows;
  }
  for (let i = 0; i < size; i += channels) {
    for (let c = 0; c < channels; c++) {
      const xHat = (x[i + c] - mean[c]) * inv[c];
      dx[i + c] = k[c] * (dx[i + c] - meanDz[c] - xHat * meanDzXhat[c]);
    }
  }
}

/** y and the batch statistics (mean, variance: [channels], outside the gradient). */
export interface BatchNormActResult {
  y: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

function registered(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/**
 * Batch norm over every axis but the last (training mode), then `activation`, through the fused
 * kernels of the active backend with a first-order gradient for x, γ and β; null where that
 * backend has not registered both kernels.
 */
export function fusedBatchNormAct(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, attrs: BatchNormActAttrs): BatchNormActResult | null {
  if (!registered(BATCH_NORM_ACT) || !registered(BATCH_NORM_ACT_GRAD)) return null;
  const channels = x.shape[x.rank - 1];
  if (x.rank < 2 || gamma.size !== channels || beta.size !== channels)
    throw new Error(`models/kernels/batchNormAct.ts: x of shape [${x.shape}] needs γ and β of ${channels} elements, got ${gamma.size} and ${beta.size}`);
  const kernelAttrs = attrs as unknown as tf.NamedAttrMap;
  // customGrad runs its forward in a tidy and returns only `value`: the statistics leave it
  // kept, and are handed to the caller's scope below.
  let stats: [tf.Tensor1D, tf.Tensor1D] | null = null;
  // tfjs types customGrad's arguments as one list of tensors and the save function.
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, gammaIn, betaIn] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_ACT, { x: xIn, gamma: gammaIn, beta: betaIn }, kernelAttrs) as tf.Tensor[];
    save([xIn, gammaIn, betaIn, mean, variance]);
    stats = [tf.keep(mean as tf.Tensor1D), tf.keep(variance as tf.Tensor1D)];
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sGamma, sBeta, sMean, sVariance] = saved;
        return tf.engine().runKernel(BATCH_NORM_ACT_GRAD, {
          dy: dy as tf.Tensor, x: sx, gamma: sGamma, beta: sBeta, mean: sMean, variance: sVariance,
        }, kernelAttrs) as tf.Tensor[];
      },
    };
  });
  const y = op(x, gamma, beta);
  const [keptMean, keptVariance] = stats as unknown as [tf.Tensor1D, tf.Tensor1D];
  // Clones (aliases, no copy) tracked by the current scope; the kept originals are released.
  const mean = keptMean.clone();
  const variance = keptVariance.clone();
  tf.dispose([keptMean, keptVariance]);
  return { y, mean, variance };
}
