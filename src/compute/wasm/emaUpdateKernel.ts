/**
 * The fused EMA update of models/kernels/emaUpdate.ts on the wasm backend: one call for all of a
 * model's averaged weights in place of three element-wise kernels per weight, straight on the wasm
 * heap (no copies): by the SIMD loop of ./optimizerUpdatesSimd.ts where the engine has SIMD (the
 * last 0–3 floats of a tensor, and everything without SIMD, by the JS loop).
 */
import { util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { EMA_UPDATE, emaUpdateInto, type EmaUpdateAttrs } from '../../../models/kernels/emaUpdate';
import { optimizerUpdatesSimdEnabled } from './adamUpdateKernel';
import { heapMemory } from './groupNormSiluKernel';
import { optimizerUpdatesFor } from './optimizerUpdatesSimd';
import { requireInput, WASM_BACKEND } from './wasmKernelScope';
import { heapOffset } from './wasmHeap';

const emaUpdate: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NamedAttrMap };
  const { decay, count } = attrs as unknown as EmaUpdateAttrs;
  const pairs = Array.from({ length: count }, (_, i) => ({ s: requireInput(inputs, `s${i}`, EMA_UPDATE), w: requireInput(inputs, `w${i}`, EMA_UPDATE) }));
  for (const [i, p] of pairs.entries()) {
    if (p.s.dtype !== 'float32' || p.w.dtype !== 'float32') throw new Error(`src/compute/wasm/emaUpdateKernel.ts: parameter ${i} is not float32`);
  }
  // Every output first: makeOutput may grow (and so detach) the wasm heap, so views come after.
  const outputs: TensorInfo[] = pairs.map((p) => backend.makeOutput([...p.s.shape], 'float32'));
  const view = (t: TensorInfo, from: number) => (backend.typedArrayFromHeap(t) as Float32Array).subarray(from);
  const memory = heapMemory(backend.wasm);
  const loops = optimizerUpdatesSimdEnabled() && memory ? optimizerUpdatesFor(memory) : null;
  pairs.forEach((p, i) => {
    // Whole vectors of 4 floats by SIMD, the rest in JS.
    const vectors = loops ? Math.floor(util.sizeFromShape(p.s.shape) / 4) * 4 : 0;
    if (vectors > 0) loops!.ema(heapOffset(backend, p.s), heapOffset(backend, p.w), heapOffset(backend, outputs[i]), vectors * 4, decay, 1 - decay);
    emaUpdateInto(view(p.s, vectors), view(p.w, vectors), view(outputs[i], vectors), decay);
  });
  return outputs;
};

export const emaUpdateWasmConfig: KernelConfig = { kernelName: EMA_UPDATE, backendName: WASM_BACKEND, kernelFunc: emaUpdate };
