/**
 * The fused GroupNorm + SiLU of models/kernels/groupNormSilu.ts on the wasm backend, one call in
 * place of the ten composed kernels. With WebAssembly SIMD (./groupNormSiluSimd: every browser the
 * studio supports) and channels a multiple of 4, its two passes run as SIMD loops on the wasm heap;
 * otherwise the JS loops of models/ run there (no copies either way). The SIMD path runs as shares
 * of images on this thread and the SIMD helper threads (./groupNormSiluShares.ts, ./imageShareRunner.ts).
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { GROUP_NORM_SILU, groupNormSiluInto, type GroupNormSiluAttrs } from '../../../models/kernels/groupNormSilu';
import { simdFor, type GroupNormSiluSimd } from './groupNormSiluSimd';
import { TASK_GROUP_NORM_INFERENCE } from './convTasks';
import { inferenceScratchBytes, inferenceShareArgs } from './groupNormSiluShares';
import { runInShares } from './imageShareRunner';
import { requireInput, WASM_BACKEND } from './wasmKernelScope';
import { heapOffset } from './wasmHeap';

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
    // Split by images across the SIMD helper threads where they run (each share its own scratch):
    // sampling runs this kernel ~15 times per U-Net pass.
    const at = (t: TensorInfo) => heapOffset(backend, t);
    const pixels = height * width;
    runInShares(backend, heapMemory(backend.wasm)!, images, images * pixels * channels, inferenceScratchBytes(channels), (firstImage, count, { acc, params }) => ({
      kind: TASK_GROUP_NORM_INFERENCE, relaxed: false,
      args: inferenceShareArgs({
        x: at(x), y: at(out), gamma: at(gamma), beta: at(beta), offset: offset ? at(offset) : 0, acc, params,
        firstImage, images: count, pixels, channels, groups: kernelAttrs.groups, epsilon: kernelAttrs.epsilon,
      }),
    }));
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
