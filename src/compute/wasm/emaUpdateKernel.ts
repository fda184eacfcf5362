/**
 * The fused EMA update of models/kernels/emaUpdate.ts on the wasm backend: its loop runs in JS
 * straight on the wasm heap (no copies), one call for all of a model's averaged weights in place
 * of three element-wise kernels per weight.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { EMA_UPDATE, emaUpdateInto, type EmaUpdateAttrs } from '../../../models/kernels/emaUpdate';
import { requireInput, WASM_BACKEND } from './wasmKernelScope';

const emaUpdate: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NamedAttrMap };
  const { decay, count } = attrs as unknown as EmaUpdateAttrs;
  const pairs = Array.from({ length: count }, (_, i) => ({ s: requireInput(inputs, `s${i}`, EMA_UPDATE), w: requireInput(inputs, `w${i}`, EMA_UPDATE) }));
  for (const [i, p] of pairs.entries()) {
    if (p.s.dtype !== 'float32' || p.w.dtype !== 'float32') throw new Error(`src/compute/wasm/emaUpdateKernel.ts: parameter ${i} is not float32`);
  }
  // Every output first: makeOutput may grow (and so detach) the wasm heap, so views come after.
  const outputs: TensorInfo[] = pairs.map((p) => backend.makeOutput([...p.s.shape], 'float32'));
  const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  pairs.forEach((p, i) => emaUpdateInto(view(p.s), view(p.w), view(outputs[i]), decay));
  return outputs;
};

export const emaUpdateWasmConfig: KernelConfig = { kernelName: EMA_UPDATE, backendName: WASM_BACKEND, kernelFunc: emaUpdate };
