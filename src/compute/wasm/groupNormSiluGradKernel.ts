/**
 * The training GroupNorm + SiLU of models/kernels/groupNormSiluGrad.ts on the wasm backend,
 * forward (with its statistics) and gradient, one call each in place of about 15 (forward) and 40
 * (gradient) composed kernels. With WebAssembly SIMD and channels a multiple of 4 (and SiLU on),
 * their full-size passes run as the SIMD loops of ./groupNormSiluSimd on the wasm heap (in JS they
 * were ~35 ms forward and ~77 ms backward of a ~260 ms DDPM-32 step); otherwise the JS loops of
 * models/ run there. No copies either way; the per-(image, group) arithmetic stays in float64.
 * The SIMD path runs as shares of images (./groupNormSiluShares.ts) split between this thread and
 * the SIMD helper threads where they run (./simdHelpers.ts), as the convolutions are.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  GROUP_NORM_SILU_GRAD, GROUP_NORM_SILU_TRAIN, groupNormSiluBackwardInto, groupNormSiluForwardInto, sigmoidShape, type GroupNormSiluTrainAttrs,
} from '../../../models/kernels/groupNormSiluGrad';
import { heapMemory, simdEnabledFor } from './groupNormSiluKernel';
import type { GroupNormSiluSimd } from './groupNormSiluSimd';
import { forwardScratchBytes, forwardShareArgs, gradScratchBytes, gradShareArgs } from './groupNormSiluShares';
import { TASK_GROUP_NORM_FORWARD, TASK_GROUP_NORM_GRAD } from './convTasks';
import { runInShares } from './imageShareRunner';
import { requireInput, WASM_BACKEND } from './wasmKernelScope';
import { heapOffset } from './wasmHeap';

interface Args { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NamedAttrMap }

/** [images, pixels, channels] of float32 NHWC x. */
function layout(x: TensorInfo, kernelName: string): [number, number, number] {
  if (x.dtype !== 'float32' || x.shape.length !== 4) throw new Error(`src/compute/wasm/groupNormSiluGradKernel.ts: ${kernelName} needs float32 NHWC x, got ${x.dtype} [${x.shape}]`);
  const [images, height, width, channels] = x.shape;
  return [images, height * width, channels];
}

/** The SIMD loops where they apply to this call, else null (the JS loops run). */
function simdFor(backend: BackendWasm, images: number, channels: number, attrs: GroupNormSiluTrainAttrs): GroupNormSiluSimd | null {
  return attrs.silu && channels % 4 === 0 && images > 0 && channels % attrs.groups === 0 ? simdEnabledFor(backend) : null;
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
  const kernelAttrs = attrs as unknown as GroupNormSiluTrainAttrs;
  const sigmoid = backend.makeOutput(sigmoidShape(x.shape, kernelAttrs), 'float32');
  const simd = simdFor(backend, images, channels, kernelAttrs);
  if (simd) {
    const at = (t: TensorInfo) => heapOffset(backend, t);
    runInShares(backend, heapMemory(backend.wasm)!, images, images * pixels * channels, forwardScratchBytes(channels), (firstImage, count, { acc, params }) => ({
      kind: TASK_GROUP_NORM_FORWARD, relaxed: false,
      args: forwardShareArgs({
        x: at(x), y: at(y), sigmoid: at(sigmoid), gamma: at(gamma), beta: at(beta), mean: at(mean), invStd: at(invStd), acc, params,
        firstImage, images: count, pixels, channels, groups, epsilon: kernelAttrs.epsilon,
      }),
    }));
    return [y, mean, invStd, sigmoid];
  }
  // Views are taken after allocating: makeOutput may grow (and so detach) the wasm heap.
  const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  groupNormSiluForwardInto(view(x), view(gamma), view(beta), view(y), view(mean), view(invStd), view(sigmoid),
    images, pixels, channels, kernelAttrs);
  return [y, mean, invStd, sigmoid];
};

const groupNormSiluGrad: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args as unknown as Args;
  const [dy, x, gamma, beta, mean, invStd, sigmoid] = ['dy', 'x', 'gamma', 'beta', 'mean', 'invStd', 'sigmoid']
    .map((name) => requireInput(inputs, name, GROUP_NORM_SILU_GRAD));
  const [images, pixels, channels] = layout(x, GROUP_NORM_SILU_GRAD);
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dGamma = backend.makeOutput([...gamma.shape], 'float32');
  const dBeta = backend.makeOutput([...beta.shape], 'float32');
  const kernelAttrs = attrs as unknown as GroupNormSiluTrainAttrs;
  const simd = simdFor(backend, images, channels, kernelAttrs);
  if (simd) {
    const at = (t: TensorInfo) => heapOffset(backend, t);
    runInShares(backend, heapMemory(backend.wasm)!, images, images * pixels * channels, gradScratchBytes(channels), (firstImage, count, { acc, params, totals }) => ({
      kind: TASK_GROUP_NORM_GRAD, relaxed: false,
      args: gradShareArgs({
        dy: at(dy), x: at(x), sigmoid: at(sigmoid), dx: at(dx), gamma: at(gamma), beta: at(beta), mean: at(mean), invStd: at(invStd), acc, params, totals,
        firstImage, images: count, pixels, channels, groups: kernelAttrs.groups,
      }),
    }), (scratches) => {
      // dβ = Σdz and dγ = Σdz·x̂ over every image: the shares' float64 partial sums, in image order.
      const heap = heapMemory(backend.wasm)!.buffer;
      const dBetaView = new Float32Array(heap, heapOffset(backend, dBeta), channels);
      const dGammaView = new Float32Array(heap, heapOffset(backend, dGamma), channels);
      for (let c = 0; c < channels; c++) {
        let dzSum = 0;
        let dzXhatSum = 0;
        for (const { totals } of scratches) {
          const partial = new Float64Array(heap, totals, 2 * channels);
          dzSum += partial[c];
          dzXhatSum += partial[channels + c];
        }
        dBetaView[c] = dzSum;
        dGammaView[c] = dzXhatSum;
      }
    });
    return [dx, dGamma, dBeta];
  }
  const view = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  groupNormSiluBackwardInto(view(dy), view(x), view(gamma), view(beta), view(mean), view(invStd), view(sigmoid),
    view(dx), view(dGamma), view(dBeta), images, pixels, channels, attrs as unknown as GroupNormSiluTrainAttrs);
  return [dx, dGamma, dBeta];
};

export const groupNormSiluTrainWasmConfig: KernelConfig = { kernelName: GROUP_NORM_SILU_TRAIN, backendName: WASM_BACKEND, kernelFunc: groupNormSiluTrain };
export const groupNormSiluGradWasmConfig: KernelConfig = { kernelName: GROUP_NORM_SILU_GRAD, backendName: WASM_BACKEND, kernelFunc: groupNormSiluGrad };
