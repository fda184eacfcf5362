/**
 * The fused Adam update of models/kernels/adamUpdate.ts on the wasm backend: one call for all of an
 * optimiser's parameters in place of a dozen element-wise kernels (and the concat/split that
 * batched them) per group, straight on the wasm heap (no copies): by the SIMD loop of
 * ./optimizerUpdatesSimd.ts where the engine has SIMD (the last 0–3 floats of a tensor, and
 * everything without SIMD, by the JS loop).
 */
import { util } from '@tensorflow/tfjs';
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ADAM_UPDATE, adamUpdateInto, type AdamUpdateAttrs } from '../../../models/kernels/adamUpdate';
import { heapMemory } from './groupNormSiluKernel';
import { optimizerUpdatesFor } from './optimizerUpdatesSimd';
import { requireInput, WASM_BACKEND } from './wasmKernelScope';
import { heapOffset } from './wasmHeap';

let simdEnabled = true;
/** For tests and A/B benches: false runs the Adam and EMA updates by their JS loops only. */
export function setOptimizerUpdatesSimd(on: boolean): void {
  simdEnabled = on;
}
export function optimizerUpdatesSimdEnabled(): boolean {
  return simdEnabled;
}

const adamUpdate: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NamedAttrMap };
  const { beta1, beta2, stepSizes, epsilonHats } = attrs as unknown as AdamUpdateAttrs;
  const params = stepSizes.map((_, i) => ({
    w: requireInput(inputs, `w${i}`, ADAM_UPDATE),
    m: requireInput(inputs, `m${i}`, ADAM_UPDATE),
    v: requireInput(inputs, `v${i}`, ADAM_UPDATE),
    g: requireInput(inputs, `g${i}`, ADAM_UPDATE),
  }));
  for (const [i, p] of params.entries()) {
    if ([p.w, p.m, p.v, p.g].some((t) => t.dtype !== 'float32'))
      throw new Error(`src/compute/wasm/adamUpdateKernel.ts: parameter ${i} is not float32`);
  }
  // Every output first: makeOutput may grow (and so detach) the wasm heap, so views come after.
  const outputs: TensorInfo[] = params.flatMap((p) => [p.w, p.m, p.v].map((t) => backend.makeOutput([...t.shape], 'float32')));
  const view = (t: TensorInfo, from: number) => (backend.typedArrayFromHeap(t) as Float32Array).subarray(from);
  const memory = heapMemory(backend.wasm);
  const loops = simdEnabled && memory ? optimizerUpdatesFor(memory) : null;
  params.forEach((p, i) => {
    const [wOut, mOut, vOut] = outputs.slice(3 * i, 3 * i + 3);
    // Whole vectors of 4 floats by SIMD, the rest in JS.
    const vectors = loops ? Math.floor(util.sizeFromShape(p.w.shape) / 4) * 4 : 0;
    if (vectors > 0) {
      const at = (t: TensorInfo) => heapOffset(backend, t);
      loops!.adam(at(p.w), at(p.m), at(p.v), at(p.g), at(wOut), at(mOut), at(vOut), vectors * 4,
        beta1, 1 - beta1, beta2, 1 - beta2, stepSizes[i], epsilonHats[i]);
    }
    adamUpdateInto(
      view(p.w, vectors), view(p.m, vectors), view(p.v, vectors), view(p.g, vectors),
      view(wOut, vectors), view(mOut, vectors), view(vOut, vectors),
      beta1, beta2, stepSizes[i], epsilonHats[i],
    );
  });
  return outputs;
};

export const adamUpdateWasmConfig: KernelConfig = { kernelName: ADAM_UPDATE, backendName: WASM_BACKEND, kernelFunc: adamUpdate };
