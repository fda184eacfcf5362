/**
 * The fused GroupNorm + SiLU of models/kernels/groupNormSilu.ts on the wasm backend: its loops run
 * in JS straight on the wasm heap (no copies), one call in place of the ten composed kernels.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { GROUP_NORM_SILU, groupNormSiluInto, type GroupNormSiluAttrs } from '../../../models/kernels/groupNormSilu';
import { requireInput, WASM_BACKEND } from './wasmKernelScope';

const groupNormSilu: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NamedAttrMap };
  const x = requireInput(inputs, 'x', GROUP_NORM_SILU);
  const gamma = requireInput(inputs, 'gamma', GROUP_NORM_SILU);
  const beta = requireInput(inputs, 'beta', GROUP_NORM_SILU);
  const [images, height, width, channels] = x.shape;
  const out = backend.makeOutput([...x.shape], 'float32');
  // Views are taken after allocating: makeOutput may grow (and so detach) the wasm heap.
  groupNormSiluInto(
    backend.typedArrayFromHeap(x) as Float32Array,
    backend.typedArrayFromHeap(gamma) as Float32Array,
    backend.typedArrayFromHeap(beta) as Float32Array,
    backend.typedArrayFromHeap(out) as Float32Array,
    images, height * width, channels, attrs as unknown as GroupNormSiluAttrs,
  );
  return out;
};

export const groupNormSiluWasmConfig: KernelConfig = { kernelName: GROUP_NORM_SILU, backendName: WASM_BACKEND, kernelFunc: groupNormSilu };
