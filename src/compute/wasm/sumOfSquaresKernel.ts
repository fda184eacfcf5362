/**
 * The fused Σ x² of models/kernels/sumOfSquares.ts on the wasm backend: its loop runs in JS
 * straight on the wasm heap (no copies), one call for all of a step's gradients in place of about
 * three kernels per gradient.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { SUM_OF_SQUARES, sumOfSquares, type SumOfSquaresAttrs } from '../../../models/kernels/sumOfSquares';
import { requireInput, WASM_BACKEND } from './wasmKernelScope';

const sumOfSquaresKernel: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NamedAttrMap };
  const { count } = attrs as unknown as SumOfSquaresAttrs;
  const tensors = Array.from({ length: count }, (_, i) => requireInput(inputs, `x${i}`, SUM_OF_SQUARES));
  for (const [i, t] of tensors.entries()) {
    if (t.dtype !== 'float32') throw new Error(`src/compute/wasm/sumOfSquaresKernel.ts: input ${i} is ${t.dtype}, not float32`);
  }
  const out = backend.makeOutput([], 'float32');
  let total = 0;
  for (const t of tensors) total += sumOfSquares(backend.typedArrayFromHeap(t) as Float32Array);
  (backend.typedArrayFromHeap(out) as Float32Array)[0] = total;
  return out;
};

export const sumOfSquaresWasmConfig: KernelConfig = { kernelName: SUM_OF_SQUARES, backendName: WASM_BACKEND, kernelFunc: sumOfSquaresKernel };
