/**
 * The training GroupNorm + SiLU of models/kernels/groupNormSiluGrad.ts on the wasm backend,
 * forward (with its statistics) and gradient: their loops run in JS straight on the wasm heap (no
 * copies), one call each in place of about 15 (forward) and 40 (gradient) composed kernels.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  GROUP_NORM_SILU_GRAD, GROUP_NORM_SILU_TRAIN, groupNormSiluBackwardInto, groupNormSiluForwardInto, type GroupNormSiluTrainAttrs,
} from '../../../models/kernels/groupNormSiluGrad';
import { requireInput, WASM_BACKEND } from './wasmKernelScope';

interface Args { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NamedAttrMap }

/** [images, pixels, channels] of float32 NHWC x. */
function layout(x: TensorInfo, kernelName: string): [number, number, number] {
  if (x.dtype !== 'float32' || x.shape.length !== 4) throw new Error(`src/compute/wasm/groupNormSiluGradKernel.ts: ${kernelName} needs float32 NHWC x, got ${x.dtype} [${x.shape}]`);
  const [images, height, width, channels] = x.shape;
  return [images, height * width, channels];
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
  const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  groupNormSiluBackwardInto(view(dy), view(x), view(gamma), view(beta), view(mean), view(invStd),
    view(dx), view(dGamma), view(dBeta), images, pixels, channels, attrs as unknown as GroupNormSiluTrainAttrs);
  return [dx, dGamma, dBeta];
};

export const groupNormSiluTrainWasmConfig: KernelConfig = { kernelName: GROUP_NORM_SILU_TRAIN, backendName: WASM_BACKEND, kernelFunc: groupNormSiluTrain };
export const groupNormSiluGradWasmConfig: KernelConfig = { kernelName: GROUP_NORM_SILU_GRAD, backendName: WASM_BACKEND, kernelFunc: groupNormSiluGrad };
