/**
 * GroupNorm followed (optionally) by SiLU as one kernel, for diffusion sampling. Composed from
 * tfjs ops, the pair costs about ten kernel calls (moments, rsqrt, scale, shift, sigmoid, multiply)
 * with a full-size tensor written by most of them; on the wasm backend that element-wise work took
 * more of a U-Net pass than its convolutions. One pass over the data here computes each (image,
 * group)'s mean and variance, and a second writes the normalised, scaled, shifted and activated
 * value.
 *
 * models/ declares the kernel and holds its arithmetic (plain loops over Float32Arrays); a backend
 * that can run it registers it under GROUP_NORM_SILU (the wasm backend does, in
 * src/compute/wasm/groupNormSiluKernel.ts). Where no backend registered it, fusedGroupNormSilu
 * returns null and the caller composes the ops as before. It has no gradient: it is for sampling
 * (UNet.forward with fused: true); training uses ./groupNormSiluGrad.ts, which has a gradient.
 */
import * as tf from '@tensorflow/tfjs';

export const GROUP_NORM_SILU = 'PhantomGroupNormSiLU';

export interface GroupNormSiluAttrs {
  groups: number;
  epsilon: number;
  /** Apply x·sigmoid(x) after the affine. */
  silu: boolean;
}

/** 2^(j − 160) for j = 0 … 320, so that exp needs no Math.pow. */
const POW2 = Float64Array.from({ length: 321 }, (_, j) => 2 ** (j - 160));

/**
 * x / (1 + e^{−x}) with e^{−x} = 2^k · e^f (k = round(−x·log₂e), |f| ≤ ln2/2) and e^f from its
 * degree-6 Taylor series: absolute error below 1e-7 (float32's own round-off), and about four
 * times as fast as Math.exp, which took three times as long as the rest of the kernel. The
 * exponent is clamped, so e^{−x} neither overflows nor underflows (SiLU is then x or 0 to float32).
 */
function silu(x: number): number {
  let t = -x * Math.LOG2E;
  t = t > 126 ? 126 : t < -126 ? -126 : t;
  const j = (t + 160.5) | 0; // round(t) + 160, as an int: t + 160.5 > 0, so truncation is floor
  const f = (t - (j - 160)) * Math.LN2;
  const expF = 1 + f * (1 + f * (0.5 + f * (1 / 6 + f * (1 / 24 + f * (1 / 120 + f * (1 / 720))))));
  return x / (1 + POW2[j] * expF);
}

/**
 * out = act((x' − mean_g) / √(var_g + ε) · γ_c + β_c) for NHWC x of `images` × `pixels` × `channels`,
 * with x' = x + offset[n, c] (offset optional, [images, channels]: the U-Net's per-image time
 * embedding, added here instead of by a full-size broadcast Add) and the mean and (biased) variance
 * of x' per image and group of channels/groups consecutive channels.
 * Sums are taken in float64, so the result matches the composed float32 ops within their round-off.
 */
export function groupNormSiluInto(
  x: Float32Array, gamma: Float32Array, beta: Float32Array, out: Float32Array,
  images: number, pixels: number, channels: number, { groups, epsilon, silu: activate }: GroupNormSiluAttrs,
  offset: Float32Array | null = null,
): void {
  const perGroup = channels / groups;
  const count = pixels * perGroup;
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  const off = new Float64Array(channels);
  const sums = new Float64Array(groups);
  const squares = new Float64Array(groups);
  const size = pixels * channels;
  for (let n = 0; n < images; n++) {
    const base = n * size;
    if (offset !== null) for (let c = 0; c < channels; c++) off[c] = offset[n * channels + c];
    for (let g = 0; g < groups; g++) {
      let sum = 0;
      let square = 0;
      const g0 = g * perGroup;
      for (let p = base + g0; p < base + size; p += channels) {
        for (let k = 0; k < perGroup; k++) {
          const v = x[p + k] + off[g0 + k];
          sum += v;
          square += v * v;
        }
      }
      sums[g] = sum;
      squares[g] = square;
    }
    for (let g = 0; g < groups; g++) {
      const mean = sums[g] / count;
      const variance = Math.max(0, squares[g] / count - mean * mean);
      const inv = 1 / Math.sqrt(variance + epsilon);
      for (let k = 0; k < perGroup; k++) {
        const c = g * perGroup + k;
        scale[c] = inv * gamma[c];
        // (x + o − mean)·scale + β = x·scale + (β + (o − mean)·scale): the offset rides in the shift.
        shift[c] = beta[c] + (off[c] - mean) * scale[c];
      }
    }
    for (let i = base; i < base + size; i += channels) {
      for (let c = 0; c < channels; c++) {
        const v = x[i + c] * scale[c] + shift[c];
        out[i + c] = activate ? silu(v) : v;
      }
    }
  }
}

/**
 * The fused kernel on the active backend, or null where that backend has not registered it.
 * `offset` [images, channels], if given, is added to x first (per image and channel).
 */
export function fusedGroupNormSilu(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, attrs: GroupNormSiluAttrs, offset?: tf.Tensor2D): tf.Tensor4D | null {
  if (tf.getKernel(GROUP_NORM_SILU, tf.getBackend()) === undefined) return null;
  if (x.shape[3] % attrs.groups !== 0) throw new Error(`models/kernels/groupNormSilu.ts: ${x.shape[3]} channels do not split into ${attrs.groups} groups`);
  if (offset && (offset.shape[0] !== x.shape[0] || offset.shape[1] !== x.shape[3]))
    throw new Error(`models/kernels/groupNormSilu.ts: offset [${offset.shape}] does not match [${x.shape[0]}, ${x.shape[3]}]`);
  const inputs: tf.NamedTensorMap = offset ? { x, gamma, beta, offset } : { x, gamma, beta };
  return tf.engine().runKernel(GROUP_NORM_SILU, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
