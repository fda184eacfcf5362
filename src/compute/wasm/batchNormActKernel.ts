/**
 * The fused training batch norm + activation of models/kernels/batchNormAct.ts on the wasm
 * backend, forward and gradient: their loops run in JS straight on the wasm heap (no copies), one
 * call each in place of about ten (forward) and thirty (gradient) composed kernels.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  BATCH_NORM_ACT, BATCH_NORM_ACT_GRAD, batchNormActBackwardInto, batchNormActForwardInto, type BatchNormActAttrs,
} from '../../../models/kernels/batchNormAct';
import { requireInput, WASM_BACKEND } from './wasmKernelScope';

interface Args { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NamedAttrMap }

function rowsAndChannels(x: TensorInfo, kernelName: string): [number, number] {
  if (x.dtype !== 'float32' || x.shape.length < 2) throw new Error(`src/compute/wasm/batchNormActKernel.ts: ${kernelName} needs float32 x of rank ≥ 2, got ${x.dtype} [${x.shape}]`);
  const channels = x.shape[x.shape.length - 1];
  return [x.shape.reduce((a, b) => a * b, 1) / channels, channels];
}

const batchNormAct: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as Args;
  const x = requireInput(inputs, 'x', BATCH_NORM_ACT);
  const gamma = requireInput(inputs, 'gamma', BATCH_NORM_ACT);
  const beta = requireInput(inputs, 'beta', BATCH_NORM_ACT);
  const [rows, channels] = rowsAndChannels(x, BATCH_NORM_ACT);
  const y = backend.makeOutput([...x.shape], 'float32');
  const mean = backend.makeOutput([channels], 'float32');
  const variance = backend.makeOutput([channels], 'float32');
  // Views are taken after allocating: makeOutput may grow (and so detach) the wasm heap.
  const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  batchNormActForwardInto(view(x), view(gamma), view(beta), view(y), view(mean), view(variance),
    rows, channels, attrs as unknown as BatchNormActAttrs);
  return [y, mean, variance];
};

const batchNormActGrad: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as Args;
  const [dy, x, gamma, beta, mean, variance] = ['dy', 'x', 'gamma', 'beta', 'mean', 'variance']
    .map((name) => requireInput(inputs, name, BATCH_NORM_ACT_GRAD));
  const [rows, channels] = rowsAndChannels(x, BATCH_NORM_ACT_GRAD);
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dGamma = backend.makeOutput([...gamma.shape], 'float32');
  const dBeta = backend.makeOutput([...beta.shape], 'float32');
  const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  batchNormActBackwardInto(view(dy), view(x), view(gamma), view(beta), view(mean), view(variance),
    view(dx), view(dGamma), view(dBeta), rows, channels, attrs as unknown as BatchNormActAttrs);
  return [dx, dGamma, dBeta];
};

export const batchNormActWasmConfig: KernelConfig = { kernelName: BATCH_NORM_ACT, backendName: WASM_BACKEND, kernelFunc: batchNormAct };
export const batchNormActGradWasmConfig: KernelConfig = { kernelName: BATCH_NORM_ACT_GRAD, backendName: WASM_BACKEND, kernelFunc: batchNormActGrad };
