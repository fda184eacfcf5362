/**
 * The fused GroupNorm + SiLU of models/kernels/groupNormSilu.ts on the wasm backend, one call in
 * place of the ten composed kernels. With WebAssembly SIMD (./groupNormSiluSimd: every browser the
 * studio supports) and channels a multiple of 4, its two passes run as SIMD loops on the wasm heap;
 * otherwise the JS loops of models/ run there (no copies either way).
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { GROUP_NORM_SILU, groupNormSiluInto, type GroupNormSiluAttrs } from '../../../models/kernels/groupNormSilu';
import { simdFor, type GroupNormSiluSimd } from './groupNormSiluSimd';
import { requireInput, WASM_BACKEND } from './wasmKernelScope';

/** The emscripten module behind the wasm backend: its heap and allocator. */
interface WasmModule {
  /** The single-threaded builds export their memory... */
  asm?: { memory?: WebAssembly.Memory };
  /** ...the threaded build (cross-origin isolated pages) creates it in JS, shared, and keeps it here. */
  wasmMemory?: WebAssembly.Memory;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/** Off only in tests and A/B benches that compare the SIMD loops with the JS ones (inference and training kernels). */
let simdEnabled = true;
export function setGroupNormSiluSimd(enabled: boolean): void {
  simdEnabled = enabled;
}

/** The wasm backend's heap, whichever tfjs build runs (undefined if neither place has it). */
export function heapMemory(module: object): WebAssembly.Memory | undefined {
  const m = module as WasmModule;
  return m.asm?.memory ?? m.wasmMemory;
}

/** The SIMD loops on this backend's heap, or null where switched off or missing (also used by ./groupNormSiluGradKernel.ts). */
export function simdEnabledFor(backend: BackendWasm): GroupNormSiluSimd | null {
  const memory = heapMemory(backend.wasm);
  return simdEnabled && memory ? simdFor(memory) : null;
}

function offsetOf(backend: BackendWasm, t: TensorInfo): number {
  return (backend.dataIdMap.get(t.dataId) as unknown as { memoryOffset: number }).memoryOffset;
}

/** Pixels per call of the SIMD sums: 64 pixels of up to 128 channels is 32 KB. */
const SUM_BLOCK = 64;

/** The SIMD passes: per image, channel sums in wasm, the (image, group) statistics here, then the output in wasm. */
function runSimd(
  simd: GroupNormSiluSimd, backend: BackendWasm, x: TensorInfo, gamma: Float32Array, beta: Float32Array,
  offset: Float32Array | null, out: TensorInfo, { groups, epsilon }: GroupNormSiluAttrs,
): void {
  const module = backend.wasm as unknown as WasmModule;
  const [images, height, width, channels] = x.shape;
  const pixels = height * width;
  const perGroup = channels / groups;
  const count = pixels * perGroup;
  const imageBytes = pixels * channels * 4;
  const acc = module._malloc(channels * 16);
  const params = module._malloc(channels * 8);
  try {
    // Views after the mallocs (which may grow the heap); nothing below allocates.
    const memory = heapMemory(module)!.buffer;
    const sums = new Float64Array(memory, acc, 2 * channels);
    const coefficients = new Float32Array(memory, params, 2 * channels);
    const xAt = offsetOf(backend, x);
    const outAt = offsetOf(backend, out);
    for (let n = 0; n < images; n++) {
      sums.fill(0);
      // A block of pixels at a time, small enough to stay in the L1 cache while each group of four
      // channels walks it (a whole 64 px image of 32 channels is 512 KB).
      for (let p = 0; p < pixels; p += SUM_BLOCK) simd.sums(xAt + n * imageBytes + p * channels * 4, acc, Math.min(SUM_BLOCK, pixels - p), channels, 0);
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
      simd.apply(xAt + n * imageBytes, outAt + n * imageBytes, params, pixels, channels);
    }
  } finally {
    module._free(acc);
    module._free(params);
  }
}

const groupNormSilu: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NamedAttrMap };
  const x = requireInput(inputs, 'x', GROUP_NORM_SILU);
  const gamma = requireInput(inputs, 'gamma', GROUP_NORM_SILU);
  const beta = requireInput(inputs, 'beta', GROUP_NORM_SILU);
  const offset = inputs.offset ?? null;
  const [images, height, width, channels] = x.shape;
  const kernelAttrs = attrs as unknown as GroupNormSiluAttrs;
  const out = backend.makeOutput([...x.shape], 'float32');
  const simd = kernelAttrs.silu && channels % 4 === 0 && images > 0 && height * width > 0 ? simdEnabledFor(backend) : null;
  if (simd) {
    // Copies of the small inputs: the mallocs in runSimd may grow (and so detach) the heap.
    const copy = (t: TensorInfo) => Float32Array.from(backend.typedArrayFromHeap(t) as Float32Array);
    runSimd(simd, backend, x, copy(gamma), copy(beta), offset ? copy(offset) : null, out, kernelAttrs);
    return out;
  }
  // Views are taken after allocating: makeOutput may grow (and so detach) the wasm heap.
  groupNormSiluInto(
    backend.typedArrayFromHeap(x) as Float32Array,
    backend.typedArrayFromHeap(gamma) as Float32Array,
    backend.typedArrayFromHeap(beta) as Float32Array,
    backend.typedArrayFromHeap(out) as Float32Array,
    images, height * width, channels, kernelAttrs,
    offset ? (backend.typedArrayFromHeap(offset) as Float32Array) : null,
  );
  return out;
};

export const groupNormSiluWasmConfig: KernelConfig = { kernelName: GROUP_NORM_SILU, backendName: WASM_BACKEND, kernelFunc: groupNormSilu };
