/**
 * The training GroupNorm + SiLU of models/kernels/groupNormSiluGrad.ts on the wasm backend,
 * forward (with its statistics) and gradient, one call each in place of about 15 (forward) and 40
 * (gradient) composed kernels. With WebAssembly SIMD and channels a multiple of 4 (and SiLU on),
 * their full-size passes run as the SIMD loops of ./groupNormSiluSimd on the wasm heap (in JS they
 * were ~35 ms forward and ~77 ms backward of a ~260 ms DDPM-32 step); otherwise the JS loops of
 * models/ run there. No copies either way; the per-(image, group) arithmetic stays here in float64.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  GROUP_NORM_SILU_GRAD, GROUP_NORM_SILU_TRAIN, groupNormSiluBackwardInto, groupNormSiluForwardInto, type GroupNormSiluTrainAttrs,
} from '../../../models/kernels/groupNormSiluGrad';
import { heapMemory, simdEnabledFor } from './groupNormSiluKernel';
import type { GroupNormSiluSimd } from './groupNormSiluSimd';
import { requireInput, WASM_BACKEND } from './wasmKernelScope';

interface WasmModule {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

interface Args { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NamedAttrMap }

/** [images, pixels, channels] of float32 NHWC x. */
function layout(x: TensorInfo, kernelName: string): [number, number, number] {
  if (x.dtype !== 'float32' || x.shape.length !== 4) throw new Error(`src/compute/wasm/groupNormSiluGradKernel.ts: ${kernelName} needs float32 NHWC x, got ${x.dtype} [${x.shape}]`);
  const [images, height, width, channels] = x.shape;
  return [images, height * width, channels];
}

function offsetOf(backend: BackendWasm, t: TensorInfo): number {
  return (backend.dataIdMap.get(t.dataId) as unknown as { memoryOffset: number }).memoryOffset;
}

/** The SIMD loops where they apply to this call, else null (the JS loops run). */
function simdFor(backend: BackendWasm, images: number, channels: number, attrs: GroupNormSiluTrainAttrs): GroupNormSiluSimd | null {
  return attrs.silu && channels % 4 === 0 && images > 0 && channels % attrs.groups === 0 ? simdEnabledFor(backend) : null;
}

/** Copies of small inputs: the mallocs below may grow (and so detach) the heap. */
const copyOf = (backend: BackendWasm, t: TensorInfo) => Float32Array.from(backend.typedArrayFromHeap(t) as Float32Array);

/** Pixels per call of the SIMD sums (as in ./groupNormSiluKernel.ts: the block stays in L1). */
const SUM_BLOCK = 64;

/** Forward with SIMD: per image, channel sums in wasm, the group statistics here (float64), the output in wasm. */
function trainForwardSimd(
  simd: GroupNormSiluSimd, backend: BackendWasm, x: TensorInfo, gamma: Float32Array, beta: Float32Array,
  y: TensorInfo, meanOut: TensorInfo, invStdOut: TensorInfo, images: number, pixels: number, channels: number, { groups, epsilon }: GroupNormSiluTrainAttrs,
): void {
  const module = backend.wasm as unknown as WasmModule;
  const perGroup = channels / groups;
  const count = pixels * perGroup;
  const imageBytes = pixels * channels * 4;
  const acc = module._malloc(channels * 16);
  const params = module._malloc(channels * 12);
  try {
    // Views after the mallocs; nothing below allocates.
    const memory = heapMemory(module)!.buffer;
    const sums = new Float64Array(memory, acc, 2 * channels);
    const coefficients = new Float32Array(memory, params, 3 * channels);
    const mean = new Float32Array(memory, offsetOf(backend, meanOut), images * groups);
    const invStd = new Float32Array(memory, offsetOf(backend, invStdOut), images * groups);
    const xAt = offsetOf(backend, x);
    const yAt = offsetOf(backend, y);
    for (let n = 0; n < images; n++) {
      sums.fill(0);
      for (let p = 0; p < pixels; p += SUM_BLOCK) simd.sums(xAt + n * imageBytes + p * channels * 4, acc, Math.min(SUM_BLOCK, pixels - p), channels, 0);
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
      simd.trainApply(xAt + n * imageBytes, yAt + n * imageBytes, params, pixels, channels);
    }
  } finally {
    module._free(acc);
    module._free(params);
  }
}

/**
 * Gradient with SIMD: per image, dz and its per-channel sums Σdz, Σdz·(x − m) in wasm, the group
 * coefficients here (as groupNormSiluBackwardInto, centred on the mean), then dx in wasm in place.
 */
function backwardSimd(
  simd: GroupNormSiluSimd, backend: BackendWasm, dyT: TensorInfo, x: TensorInfo, gamma: Float32Array, beta: Float32Array,
  mean: Float32Array, invStd: Float32Array, dxT: TensorInfo, dGammaT: TensorInfo, dBetaT: TensorInfo,
  images: number, pixels: number, channels: number, { groups }: GroupNormSiluTrainAttrs,
): void {
  const module = backend.wasm as unknown as WasmModule;
  const perGroup = channels / groups;
  const count = pixels * perGroup;
  const imageBytes = pixels * channels * 4;
  const totalDz = new Float64Array(channels);
  const totalDzXhat = new Float64Array(channels);
  const acc = module._malloc(channels * 16);
  const params = module._malloc(channels * 16);
  try {
    const memory = heapMemory(module)!.buffer;
    const sums = new Float64Array(memory, acc, 2 * channels);
    const coefficients = new Float32Array(memory, params, 4 * channels);
    const xAt = offsetOf(backend, x);
    const dyAt = offsetOf(backend, dyT);
    const dxAt = offsetOf(backend, dxT);
    for (let n = 0; n < images; n++) {
      sums.fill(0);
      for (let c = 0; c < channels; c++) {
        const g = n * groups + Math.floor(c / perGroup);
        coefficients[c] = mean[g];
        coefficients[channels + c] = invStd[g] * gamma[c];
        coefficients[2 * channels + c] = beta[c];
      }
      const at = n * imageBytes;
      simd.gradDz(dyAt + at, xAt + at, dxAt + at, params, acc, pixels, channels);
      for (let g = 0; g < groups; g++) {
        const m = mean[n * groups + g];
        const inv = invStd[n * groups + g];
        let sumA = 0;
        let sumB = 0;
        for (let c = g * perGroup; c < (g + 1) * perGroup; c++) {
          const dzXhat = inv * sums[channels + c];
          totalDz[c] += sums[c];
          totalDzXhat[c] += dzXhat;
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
      simd.gradDx(xAt + at, dxAt + at, params, pixels, channels);
    }
    const dGamma = new Float32Array(memory, offsetOf(backend, dGammaT), channels);
    const dBeta = new Float32Array(memory, offsetOf(backend, dBetaT), channels);
    dGamma.set(totalDzXhat);
    dBeta.set(totalDz);
  } finally {
    module._free(acc);
    module._free(params);
  }
}

const groupNormSiluTrain: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as Args;
  const x = requireInput(inputs, 'x', GROUP_NORM_SILU_TRAIN);
  const gamma = requireInput(inputs, 'gamma', GROUP_NORM_SILU_TRAIN);
  const beta = requireInput(inputs, 'beta', GROUP_NORM_SILU_TRAIN);
  const [images, pixels, channels] = layout(x, GROUP_NORM_SILU_TRAIN);
  const { groups } = attrs as unknown as GroupNormSiluTrainAttrs;
  const y = backend.makeOutput([...x.shape], 'float32');
  const mean = backend.makeOutput([images, groups], 'float32');
  const invStd = backend.makeOutput([images, groups], 'float32');
  const kernelAttrs = attrs as unknown as GroupNormSiluTrainAttrs;
  const simd = simdFor(backend, images, channels, kernelAttrs);
  if (simd) {
    trainForwardSimd(simd, backend, x, copyOf(backend, gamma), copyOf(backend, beta), y, mean, invStd, images, pixels, channels, kernelAttrs);
    return [y, mean, invStd];
  }
  // Views are taken after allocating: makeOutput may grow (and so detach) the wasm heap.
  const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  groupNormSiluForwardInto(view(x), view(gamma), view(beta), view(y), view(mean), view(invStd),
    images, pixels, channels, attrs as unknown as GroupNormSiluTrainAttrs);
  return [y, mean, invStd];
};

const groupNormSiluGrad: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as Args;
  const [dy, x, gamma, beta, mean, invStd] = ['dy', 'x', 'gamma', 'beta', 'mean', 'invStd']
    .map((name) => requireInput(inputs, name, GROUP_NORM_SILU_GRAD));
  const [images, pixels, channels] = layout(x, GROUP_NORM_SILU_GRAD);
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dGamma = backend.makeOutput([...gamma.shape], 'float32');
  const dBeta = backend.makeOutput([...beta.shape], 'float32');
  const kernelAttrs = attrs as unknown as GroupNormSiluTrainAttrs;
  const simd = simdFor(backend, images, channels, kernelAttrs);
  if (simd) {
    const copy = (t: TensorInfo) => copyOf(backend, t);
    backwardSimd(simd, backend, dy, x, copy(gamma), copy(beta), copy(mean), copy(invStd), dx, dGamma, dBeta, images, pixels, channels, kernelAttrs);
    return [dx, dGamma, dBeta];
  }
  const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  groupNormSiluBackwardInto(view(dy), view(x), view(gamma), view(beta), view(mean), view(invStd),
    view(dx), view(dGamma), view(dBeta), images, pixels, channels, attrs as unknown as GroupNormSiluTrainAttrs);
  return [dx, dGamma, dBeta];
};

export const groupNormSiluTrainWasmConfig: KernelConfig = { kernelName: GROUP_NORM_SILU_TRAIN, backendName: WASM_BACKEND, kernelFunc: groupNormSiluTrain };
export const groupNormSiluGradWasmConfig: KernelConfig = { kernelName: GROUP_NORM_SILU_GRAD, backendName: WASM_BACKEND, kernelFunc: groupNormSiluGrad };
