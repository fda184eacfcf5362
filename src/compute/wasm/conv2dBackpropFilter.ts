/**
 * Conv2DBackpropFilter for the wasm backend, which ships without it (tfjs 4.22), so no conv net
 * can train there. Instead of a scalar loop it reuses wasm's XNNPACK Conv2D:
 *
 *   dW[kh,kw,ci,co] = Σ_{n,oh,ow} xPadded[n, oh·sh + kh, ow·sw + kw, ci] · dy[n,oh,ow,co]
 *
 * is itself a convolution once batch and channels swap roles: the input is x transposed to
 * [Ci, H, W, N] (Ci is the batch, N the channels), the filter is dy transposed to [OH, OW, N, Co]
 * applied with dilation = the forward stride, and the output [Ci, KH, KW, Co] is dW up to one
 * transpose. XNNPACK runs that as one GEMM of size (Ci·KH·KW) × (OH·OW·N) × Co.
 */
import { backend_util } from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs, KernelBackend, KernelConfig, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { requireInput, WASM_BACKEND, withWasmScope } from './wasmKernelScope';

type Shape4D = [number, number, number, number];

export function conv2dBackpropFilterWasm(args: {
  inputs: NamedTensorInfoMap;
  backend: KernelBackend;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = requireInput(inputs, 'x', 'Conv2DBackpropFilter');
  const dy = requireInput(inputs, 'dy', 'Conv2DBackpropFilter');
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  if (dataFormat === 'NCHW') {
    throw new Error('src/compute/wasm/conv2dBackpropFilter.ts: wasm convolutions support only NHWC data');
  }
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4D, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;

  return withWasmScope(backend, (scope) => {
    // Input rows the forward conv actually read, padding included; rows beyond are dropped by
    // slicing because XNNPACK takes only non-negative padding.
    const bottom = filterHeight + (outHeight - 1) * strideHeight - inHeight - padInfo.top;
    const right = filterWidth + (outWidth - 1) * strideWidth - inWidth - padInfo.left;
    let xUsed = x;
    if (bottom < 0 || right < 0) {
      xUsed = scope.run('Slice', { x }, {
        begin: [0, 0, 0, 0],
        size: [batchSize, inHeight + Math.min(bottom, 0), inWidth + Math.min(right, 0), inChannels],
      });
    }
    const xAsBatchOfChannels = scope.run('Transpose', { x: xUsed }, { perm: [3, 1, 2, 0] });
    const dyAsFilter = scope.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
    const dwChannelsFirst = scope.run('Conv2D', { x: xAsBatchOfChannels, filter: dyAsFilter }, {
      strides: 1,
      pad: [[0, 0], [padInfo.top, Math.max(bottom, 0)], [padInfo.left, Math.max(right, 0)], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [strideHeight, strideWidth],
    });
    const dw = scope.run('Transpose', { x: dwChannelsFirst }, { perm: [1, 2, 0, 3] });
    if (dw.shape.join() !== [filterHeight, filterWidth, inChannels, outChannels].join()) {
      throw new Error(`src/compute/wasm/conv2dBackpropFilter.ts: internal shape mismatch ${dw.shape} vs ${filterShape}`);
    }
    return dw;
  });
}

export const conv2dBackpropFilterWasmConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: WASM_BACKEND,
  kernelFunc: conv2dBackpropFilterWasm as unknown as KernelConfig['kernelFunc'],
};
