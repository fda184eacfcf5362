/**
 * The training GroupNorm + SiLU (./groupNormSiluGradKernel.ts), forward and gradient, as work on a
 * range of images that any thread sharing the wasm heap can run: the kernel's own thread and the
 * SIMD helper threads (./simdHelpers.ts, ./convTasks.ts). Every pointer is a byte offset into the
 * heap; each share has its own scratch (acc, params, and for the gradient its partial Σdz and
 * Σdz·x̂), so shares never write the same bytes. Per image the work is what the single-thread
 * kernel did: channel sums in wasm, the (image, group) arithmetic here in float64, the full-size
 * pass in wasm.
 *
 * The shares' arguments travel as Int32 (a helper's control block); epsilon goes as the two halves
 * of its float64 bits, so every thread uses the kernel's exact value.
 */
import { simdFor } from './groupNormSiluSimd';
import type { GroupNormSiluSimd } from './groupNormSiluSimd';

/** Pixels per call of the SIMD sums: 64 pixels of up to 128 channels is 32 KB, in L1 across the channel blocks. */
const SUM_BLOCK = 64;

/** Bytes of scratch one forward share needs at `acc` (channels float64 sums and squares) and `params` (3 floats per channel). */
export const forwardScratchBytes = (channels: number) => ({ acc: channels * 16, params: channels * 12 });
/** Bytes of scratch one gradient share needs: acc, params (4 floats per channel), totals (2 float64 per channel). */
export const gradScratchBytes = (channels: number) => ({ acc: channels * 16, params: channels * 16, totals: channels * 16 });

export interface ForwardShare {
  /** sigmoid: where σ(z) goes (x's shape), for the gradient. */
  x: number; y: number; sigmoid: number; gamma: number; beta: number; mean: number; invStd: number; acc: number; params: number;
  firstImage: number; images: number; pixels: number; channels: number; groups: number; epsilon: number;
}

export interface GradShare {
  /** sigmoid: σ(z) as the forward stored it. */
  dy: number; x: number; sigmoid: number; dx: number; gamma: number; beta: number; mean: number; invStd: number; acc: number; params: number;
  /** Where this share leaves Σdz (channels float64) then Σdz·x̂ (channels float64) over its images. */
  totals: number;
  firstImage: number; images: number; pixels: number; channels: number; groups: number;
}

/** The inference kernel's share (./groupNormSiluKernel.ts): y only; `offset` ([images, channels], added to x before the norm) 0 when there is none. */
export interface InferenceShare {
  x: number; y: number; gamma: number; beta: number; offset: number; acc: number; params: number;
  firstImage: number; images: number; pixels: number; channels: number; groups: number; epsilon: number;
}

/** Bytes of scratch one inference share needs: acc (channels float64 sums and squares), params (2 floats per channel). */
export const inferenceScratchBytes = (channels: number) => ({ acc: channels * 16, params: channels * 8 });

const INFERENCE_KEYS = ['x', 'y', 'gamma', 'beta', 'offset', 'acc', 'params', 'firstImage', 'images', 'pixels', 'channels', 'groups'] as const;
const FORWARD_KEYS = ['x', 'y', 'sigmoid', 'gamma', 'beta', 'mean', 'invStd', 'acc', 'params', 'firstImage', 'images', 'pixels', 'channels', 'groups'] as const;
const GRAD_KEYS = ['dy', 'x', 'sigmoid', 'dx', 'gamma', 'beta', 'mean', 'invStd', 'acc', 'params', 'totals', 'firstImage', 'images', 'pixels', 'channels', 'groups'] as const;

const bits = new Float64Array(1);
const halves = new Int32Array(bits.buffer);

export function forwardShareArgs(share: ForwardShare): number[] {
  bits[0] = share.epsilon;
  return [...FORWARD_KEYS.map((k) => share[k]), halves[0], halves[1]];
}

export function inferenceShareArgs(share: InferenceShare): number[] {
  bits[0] = share.epsilon;
  return [...INFERENCE_KEYS.map((k) => share[k]), halves[0], halves[1]];
}

export function gradShareArgs(share: GradShare): number[] {
  return GRAD_KEYS.map((k) => share[k]);
}

function loopsOn(memory: WebAssembly.Memory): GroupNormSiluSimd {
  const simd = simdFor(memory);
  if (!simd) throw new Error('src/compute/wasm/groupNormSiluShares.ts: no WebAssembly SIMD on this engine');
  return simd;
}

/** A share's fields from its Int32 arguments (in `keys` order), and epsilon where the two halves of its bits follow them. */
function decode<S>(keys: readonly string[], args: ArrayLike<number>): { share: S; epsilon: number } {
  halves[0] = args[keys.length] ?? 0;
  halves[1] = args[keys.length + 1] ?? 0;
  return { share: Object.fromEntries(keys.map((k, i) => [k, args[i]])) as S, epsilon: bits[0] };
}

interface ShareCommon { gamma: number; beta: number; acc: number; params: number; firstImage: number; images: number; pixels: number; channels: number; groups: number }

/** What every share works with: the loops, its geometry, and views of its scratch and of γ, β. */
function shareViews(memory: WebAssembly.Memory, s: ShareCommon, paramsPerChannel: number) {
  const { channels, groups, pixels } = s;
  const heap = memory.buffer;
  return {
    simd: loopsOn(memory), heap, channels, groups, pixels,
    perGroup: channels / groups,
    count: pixels * (channels / groups),
    imageBytes: pixels * channels * 4,
    end: s.firstImage + s.images,
    sums: new Float64Array(heap, s.acc, 2 * channels),
    coefficients: new Float32Array(heap, s.params, paramsPerChannel * channels),
    gamma: new Float32Array(heap, s.gamma, channels),
    beta: new Float32Array(heap, s.beta, channels),
  };
}

/** Σx and Σx² per channel of one image into `sums` (zeroed first), a block of pixels per call. */
function imageChannelSums(simd: GroupNormSiluSimd, sums: Float64Array, acc: number, xAt: number, pixels: number, channels: number): void {
  sums.fill(0);
  // Small enough to stay in the L1 cache while each group of four channels walks it (a whole 64 px
  // image of 32 channels is 512 KB).
  for (let p = 0; p < pixels; p += SUM_BLOCK) simd.sums(xAt + p * channels * 4, acc, Math.min(SUM_BLOCK, pixels - p), channels, 0);
}

/**
 * Inference GroupNorm + SiLU of images [firstImage, firstImage + images): per image, channel sums in
 * wasm, the (image, group) statistics here in float64 (with the per-image offset folded in), then y in wasm.
 */
export function runInferenceShare(memory: WebAssembly.Memory, args: ArrayLike<number>): void {
  const { share: s, epsilon } = decode<InferenceShare>(INFERENCE_KEYS, args);
  const { simd, heap, channels, groups, pixels, perGroup, count, imageBytes, end, sums, coefficients, gamma, beta } = shareViews(memory, s, 2);
  const offset = s.offset === 0 ? null : new Float32Array(heap, s.offset, end * channels);
  for (let n = s.firstImage; n < end; n++) {
    const xAt = s.x + n * imageBytes;
    imageChannelSums(simd, sums, s.acc, xAt, pixels, channels);
    for (let g = 0; g < groups; g++) {
      let sum = 0;
      let square = 0;
      for (let c = g * perGroup; c < (g + 1) * perGroup; c++) {
        // Σ(x + o) = Σx + P·o and Σ(x + o)² = Σx² + 2o·Σx + P·o² for the per-image offset o.
        const o = offset ? offset[n * channels + c] : 0;
        sum += sums[c] + pixels * o;
        square += sums[channels + c] + 2 * o * sums[c] + pixels * o * o;
      }
      const mean = sum / count;
      const inv = 1 / Math.sqrt(Math.max(0, square / count - mean * mean) + epsilon);
      for (let c = g * perGroup; c < (g + 1) * perGroup; c++) {
        const o = offset ? offset[n * channels + c] : 0;
        coefficients[c] = inv * gamma[c];
        coefficients[channels + c] = beta[c] + (o - mean) * inv * gamma[c];
      }
    }
    simd.apply(xAt, s.y + n * imageBytes, s.params, pixels, channels);
  }
}

/** Forward of images [firstImage, firstImage + images): y, and the (image, group) mean and 1/σ. */
export function runForwardShare(memory: WebAssembly.Memory, args: ArrayLike<number>): void {
  const { share: s, epsilon } = decode<ForwardShare>(FORWARD_KEYS, args);
  const { simd, heap, channels, groups, pixels, perGroup, count, imageBytes, end, sums, coefficients, gamma, beta } = shareViews(memory, s, 3);
  const mean = new Float32Array(heap, s.mean, end * groups);
  const invStd = new Float32Array(heap, s.invStd, end * groups);
  for (let n = s.firstImage; n < end; n++) {
    const xAt = s.x + n * imageBytes;
    imageChannelSums(simd, sums, s.acc, xAt, pixels, channels);
    for (let g = 0; g < groups; g++) {
      let sum = 0;
      let square = 0;
      for (let c = g * perGroup; c < (g + 1) * perGroup; c++) {
        sum += sums[c];
        square += sums[channels + c];
      }
      // Float64 sums of float32 values and their (exact) squares: E[x²] − E[x]² keeps float32's
      // precision for means far from zero too.
      const groupMean = sum / count;
      const m = Math.fround(groupMean);
      const inv = Math.fround(1 / Math.sqrt(Math.fround(Math.max(0, square / count - groupMean * groupMean)) + epsilon));
      mean[n * groups + g] = m;
      invStd[n * groups + g] = inv;
      for (let c = g * perGroup; c < (g + 1) * perGroup; c++) {
        coefficients[c] = m;
        coefficients[channels + c] = inv * gamma[c];
        coefficients[2 * channels + c] = beta[c];
      }
    }
    simd.trainApply(xAt, s.y + n * imageBytes, s.params, pixels, channels, s.sigmoid + n * imageBytes);
  }
}

/**
 * Gradient of images [firstImage, firstImage + images): dz and its per-channel sums Σdz, Σdz·(x − m)
 * in wasm, the group coefficients here (centred on the mean), then dx in wasm in place; this share's
 * Σdz and Σdz·x̂ (for dβ and dγ) at `totals`, which the kernel adds up over the shares.
 */
export function runGradShare(memory: WebAssembly.Memory, args: ArrayLike<number>): void {
  const { share: s } = decode<GradShare>(GRAD_KEYS, args);
  const { simd, heap, channels, groups, pixels, perGroup, count, imageBytes, end, sums, coefficients, gamma, beta } = shareViews(memory, s, 4);
  const totals = new Float64Array(heap, s.totals, 2 * channels).fill(0);
  const mean = new Float32Array(heap, s.mean, end * groups);
  const invStd = new Float32Array(heap, s.invStd, end * groups);
  for (let n = s.firstImage; n < end; n++) {
    sums.fill(0);
    for (let c = 0; c < channels; c++) {
      const g = n * groups + Math.floor(c / perGroup);
      coefficients[c] = mean[g];
      coefficients[channels + c] = invStd[g] * gamma[c];
      coefficients[2 * channels + c] = beta[c];
    }
    const at = n * imageBytes;
    // A block of pixels per call: gradDz's float32 sums stay short, its rows in the L1 cache.
    for (let p = 0; p < pixels; p += SUM_BLOCK) {
      const from = at + p * channels * 4;
      simd.gradDz(s.dy + from, s.x + from, s.dx + from, s.params, s.acc, Math.min(SUM_BLOCK, pixels - p), channels, s.sigmoid + from);
    }
    for (let g = 0; g < groups; g++) {
      const m = mean[n * groups + g];
      const inv = invStd[n * groups + g];
      let sumA = 0;
      let sumB = 0;
      for (let c = g * perGroup; c < (g + 1) * perGroup; c++) {
        const dzXhat = inv * sums[channels + c];
        totals[c] += sums[c];
        totals[channels + c] += dzXhat;
        sumA += gamma[c] * sums[c];
        sumB += gamma[c] * dzXhat;
      }
      // dx = invStd·γ·dz − invStd·A/M − invStd²·(x − mean)·B/M.
      for (let c = g * perGroup; c < (g + 1) * perGroup; c++) {
        coefficients[c] = m;
        coefficients[channels + c] = inv * gamma[c];
        coefficients[2 * channels + c] = (-inv * inv * sumB) / count;
        coefficients[3 * channels + c] = (-inv * sumA) / count;
      }
    }
    simd.gradDx(s.x + at, s.dx + at, s.params, pixels, channels);
  }
}
