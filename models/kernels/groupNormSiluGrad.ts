/**
 * GroupNorm + SiLU for TRAINING: a forward kernel that also hands out each (image, group)'s
 * statistics, and its gradient as one kernel (dx, dγ, dβ), tied together with tf.customGrad.
 * Composed from tfjs ops (models/nets/unet.ts: reshape, moments, rsqrt, scale, shift, sigmoid,
 * multiply) the pair costs about 15 kernel calls forward and about 40 in its gradient, most of them
 * writing a full-size tensor; a DDPM-32 step has 13 of them. Here the forward reads x twice
 * (statistics, then output) and writes y and σ(z); the backward reads dy, x and σ(z) once (no exp
 * again) and x and dz once more.
 *
 * models/ declares the kernels and holds their arithmetic (plain loops over Float32Arrays); a
 * backend that can run them registers them under GROUP_NORM_SILU_TRAIN and GROUP_NORM_SILU_GRAD
 * (the wasm backend does, in src/compute/wasm/groupNormSiluGradKernel.ts). Where they are absent,
 * fusedGroupNormSiluTrainable returns null and the caller composes the ops as before.
 *
 * The gradient is first-order only (tf.customGrad over a kernel with no gradient of its own): use
 * it where the network is differentiated once (the DDPM's loss), never inside a gradient penalty.
 */
import * as tf from '@tensorflow/tfjs';

export const GROUP_NORM_SILU_TRAIN = 'PhantomGroupNormSiLUTrain';
export const GROUP_NORM_SILU_GRAD = 'PhantomGroupNormSiLUGrad';

/** Shape of the forward's σ(z) output: x's where the activation is SiLU, else empty. */
export function sigmoidShape(xShape: readonly number[], { silu }: GroupNormSiluTrainAttrs): number[] {
  return silu ? [...xShape] : [0];
}

export interface GroupNormSiluTrainAttrs {
  groups: number;
  epsilon: number;
  /** Apply x·sigmoid(x) after the affine. */
  silu: boolean;
}

/** 2^(j − 160) for j = 0 … 320, so that exp needs no Math.pow. */
const POW2 = Float64Array.from({ length: 321 }, (_, j) => 2 ** (j - 160));

/**
 * 1 / (1 + e^{−z}) with e^{−z} = 2^k · e^f (k = round(−z·log₂e), |f| ≤ ln2/2) and e^f from its
 * degree-6 Taylor series: relative error of e^f below 1e-7 (float32's own round-off) and several
 * times as fast as Math.exp in these loops. The exponent is clamped, so e^{−z} neither overflows
 * nor underflows (the sigmoid is then 0 or 1 to float32).
 */
function sigmoidOf(z: number): number {
  let t = -z * Math.LOG2E;
  t = t > 126 ? 126 : t < -126 ? -126 : t;
  const j = (t + 160.5) | 0; // round(t) + 160, as an int: t + 160.5 > 0, so truncation is floor
  const f = (t - (j - 160)) * Math.LN2;
  const expF = 1 + f * (1 + f * (0.5 + f * (1 / 6 + f * (1 / 24 + f * (1 / 120 + f * (1 / 720))))));
  return 1 / (1 + POW2[j] * expF);
}

function checkShape(images: number, pixels: number, channels: number, groups: number): void {
  if (!(Number.isInteger(groups) && groups >= 1 && channels % groups === 0))
    throw new Error(`models/kernels/groupNormSiluGrad.ts: ${channels} channels do not split into ${groups} groups`);
  if (images < 0 || pixels < 1) throw new Error(`models/kernels/groupNormSiluGrad.ts: empty input (${images} images of ${pixels} pixels)`);
}

/**
 * y = act((x − mean_g)·invStd_g·γ_c + β_c) for NHWC x of `images` × `pixels` × `channels`, and for
 * SiLU σ(z) of each z = (x − mean_g)·invStd_g·γ_c + β_c in `sigmoid` (the gradient reads it instead of
 * computing exp again, the most expensive part of its first pass), with the
 * mean and 1/√(var + ε) (biased variance) of each image and group of channels/groups consecutive
 * channels written to `mean` and `invStd` ([images · groups], as float32). Sums are taken per
 * channel in float64 (one pass over x) and then per group, so the statistics match the composed
 * float32 ops (tf.moments) within their round-off; the affine uses the float32 statistics, as the
 * backward does.
 */
export function groupNormSiluForwardInto(
  x: Float32Array, gamma: Float32Array, beta: Float32Array,
  y: Float32Array, mean: Float32Array, invStd: Float32Array, sigmoid: Float32Array,
  images: number, pixels: number, channels: number, { groups, epsilon, silu }: GroupNormSiluTrainAttrs,
): void {
  checkShape(images, pixels, channels, groups);
  const perGroup = channels / groups;
  const count = pixels * perGroup;
  const size = pixels * channels;
  const sums = new Float64Array(channels);
  const squares = new Float64Array(channels);
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let n = 0; n < images; n++) {
    const base = n * size;
    const end = base + size;
    sums.fill(0);
    squares.fill(0);
    // About each channel's first value, so E[d²] − E[d]² keeps float32's precision even when the
    // mean is large against the spread.
    for (let i = base; i < end; i += channels) {
      for (let c = 0; c < channels; c++) {
        const d = x[i + c] - x[base + c];
        sums[c] += d;
        squares[c] += d * d;
      }
    }
    for (let g = 0; g < groups; g++) {
      // Per group, about the group's first channel's origin: Σ(x − o) = Σ(d_c) + pixels·(x0_c − o).
      const origin = x[base + g * perGroup];
      let sum = 0;
      let square = 0;
      for (let k = 0; k < perGroup; k++) {
        const c = g * perGroup + k;
        const offset = x[base + c] - origin;
        sum += sums[c] + pixels * offset;
        square += squares[c] + 2 * offset * sums[c] + pixels * offset * offset;
      }
      const shiftedMean = sum / count;
      const variance = Math.max(0, square / count - shiftedMean * shiftedMean);
      const m = Math.fround(origin + shiftedMean);
      const inv = Math.fround(1 / Math.sqrt(Math.fround(variance) + epsilon));
      mean[n * groups + g] = m;
      invStd[n * groups + g] = inv;
      for (let k = 0; k < perGroup; k++) {
        const c = g * perGroup + k;
        scale[c] = inv * gamma[c];
        shift[c] = beta[c] - m * scale[c];
      }
    }
    for (let i = base; i < end; i += channels) {
      for (let c = 0; c < channels; c++) {
        const z = x[i + c] * scale[c] + shift[c];
        if (silu) {
          // Rounded to float32 as stored, so y and the gradient use the same σ (as the SIMD loops do).
          const s = Math.fround(sigmoidOf(z));
          sigmoid[i + c] = s;
          y[i + c] = z * s;
        } else {
          y[i + c] = z;
        }
      }
    }
  }
}

/**
 * Gradients of the forward above. With x̂ = (x − mean)·invStd, z = γ·x̂ + β, dz = dy·act'(z)
 * (SiLU' = s·(1 + z·(1 − s)), s = σ(z) as the forward stored it in `sigmoid`) and, per image and group of M = pixels·perGroup
 * elements, A = Σ γ·dz and B = Σ γ·dz·x̂: dβ_c = Σ dz, dγ_c = Σ dz·x̂ (over images and pixels) and
 * dx = invStd·(γ·dz − A/M − x̂·B/M) (the mean's and the variance's own gradients folded in). The
 * first pass keeps dz in dx and sums dz and dz·x per (image, channel); the second writes dx.
 */
export function groupNormSiluBackwardInto(
  dy: Float32Array, x: Float32Array, gamma: Float32Array, beta: Float32Array, mean: Float32Array, invStd: Float32Array,
  sigmoid: Float32Array, dx: Float32Array, dGamma: Float32Array, dBeta: Float32Array,
  images: number, pixels: number, channels: number, { groups, silu }: GroupNormSiluTrainAttrs,
): void {
  checkShape(images, pixels, channels, groups);
  const perGroup = channels / groups;
  const count = pixels * perGroup;
  const size = pixels * channels;
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  const sumDz = new Float64Array(channels);
  const sumDzX = new Float64Array(channels);
  const totalDz = new Float64Array(channels);
  const totalDzXhat = new Float64Array(channels);
  const a = new Float64Array(channels);
  const b = new Float64Array(channels);
  const c0 = new Float64Array(channels);
  for (let n = 0; n < images; n++) {
    const base = n * size;
    const end = base + size;
    for (let c = 0; c < channels; c++) {
      const g = n * groups + Math.floor(c / perGroup);
      scale[c] = invStd[g] * gamma[c];
      shift[c] = beta[c] - mean[g] * scale[c];
    }
    sumDz.fill(0);
    sumDzX.fill(0);
    for (let i = base; i < end; i += channels) {
      for (let c = 0; c < channels; c++) {
        const v = x[i + c];
        let dz = dy[i + c];
        if (silu) {
          const z = v * scale[c] + shift[c];
          const s = sigmoid[i + c];
          dz *= s * (1 + z * (1 - s));
        }
        dx[i + c] = dz;
        sumDz[c] += dz;
        sumDzX[c] += dz * v;
      }
    }
    for (let g = 0; g < groups; g++) {
      const m = mean[n * groups + g];
      const inv = invStd[n * groups + g];
      let sumA = 0;
      let sumB = 0;
      for (let k = 0; k < perGroup; k++) {
        const c = g * perGroup + k;
        // Σ dz·x̂ = invStd·(Σ dz·x − mean·Σ dz), in float64.
        const dzXhat = inv * (sumDzX[c] - m * sumDz[c]);
        totalDz[c] += sumDz[c];
        totalDzXhat[c] += dzXhat;
        sumA += gamma[c] * sumDz[c];
        sumB += gamma[c] * dzXhat;
      }
      // dx = invStd·γ·dz − invStd·A/M − invStd²·(x − mean)·B/M = a·dz + b·x + c0.
      const bg = (-inv * inv * sumB) / count;
      const cg = (-inv * sumA) / count - bg * m;
      for (let k = 0; k < perGroup; k++) {
        const c = g * perGroup + k;
        a[c] = inv * gamma[c];
        b[c] = bg;
        c0[c] = cg;
      }
    }
    for (let i = base; i < end; i += channels) {
      for (let c = 0; c < channels; c++) dx[i + c] = a[c] * dx[i + c] + b[c] * x[i + c] + c0[c];
    }
  }
  for (let c = 0; c < channels; c++) {
    dGamma[c] = totalDzXhat[c];
    dBeta[c] = totalDz[c];
  }
}

function registered(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/**
 * act(GroupNorm(x)) for NHWC x through the fused kernels of the active backend, with a
 * first-order gradient for x, γ and β; null where that backend has not registered both kernels.
 */
export function fusedGroupNormSiluTrainable(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, attrs: GroupNormSiluTrainAttrs): tf.Tensor4D | null {
  if (!registered(GROUP_NORM_SILU_TRAIN) || !registered(GROUP_NORM_SILU_GRAD)) return null;
  const channels = x.shape[3];
  if (channels % attrs.groups !== 0) throw new Error(`models/kernels/groupNormSiluGrad.ts: ${channels} channels do not split into ${attrs.groups} groups`);
  if (gamma.size !== channels || beta.size !== channels)
    throw new Error(`models/kernels/groupNormSiluGrad.ts: x of shape [${x.shape}] needs γ and β of ${channels} elements, got ${gamma.size} and ${beta.size}`);
  const kernelAttrs = attrs as unknown as tf.NamedAttrMap;
  // tfjs types customGrad's arguments as one list of tensors and the save function.
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, gammaIn, betaIn] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [y, mean, invStd, sigmoid] = tf.engine().runKernel(GROUP_NORM_SILU_TRAIN, { x: xIn, gamma: gammaIn, beta: betaIn }, kernelAttrs) as tf.Tensor[];
    // Saved (kept by the engine while a gradient is being recorded); the statistics and σ(z) are
    // otherwise released with customGrad's own scope.
    save([xIn, gammaIn, betaIn, mean, invStd, sigmoid]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sx, sGamma, sBeta, sMean, sInvStd, sSigmoid] = saved;
        return tf.engine().runKernel(GROUP_NORM_SILU_GRAD, {
          dy: dy as tf.Tensor, x: sx, gamma: sGamma, beta: sBeta, mean: sMean, invStd: sInvStd, sigmoid: sSigmoid,
        }, kernelAttrs) as tf.Tensor[];
      },
    };
  });
  return op(x, gamma, beta) as tf.Tensor4D;
}
