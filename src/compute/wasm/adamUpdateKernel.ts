/**
 * The fused Adam update of models/kernels/adamUpdate.ts on the wasm backend: its loop runs in JS
 * straight on the wasm heap (no copies), one call for all of an optimiser's parameters in place
 * of a dozen element-wise kernels (and the concat/split that batched them) per group.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ADAM_UPDATE, adamUpdateInto, type AdamUpdateAttrs } from '../../../models/kernels/adamUpdate';
import { requireInput, WASM_BACKEND } from './wasmKernelScope';

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
  const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  params.forEach((p, i) => {
    adamUpdateInto(
      view(p.w), view(p.m), view(p.v), view(p.g),
      view(outputs[3 * i]), view(outputs[3 * i + 1]), view(outputs[3 * i + 2]),
      beta1, beta2, stepSizes[i], epsilonHats[i],
    );
  });
  return outputs;
};

export const adamUpdateWasmConfig: KernelConfig = { kernelName: ADAM_UPDATE, backendName: WASM_BACKEND, kernelFunc: adamUpdate };
