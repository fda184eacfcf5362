/**
 * Conv2DBackpropFilter for the wasm backend, which ships without it (tfjs 4.22), so no conv net
 * can train there. Instead of a scalar loop it reuses wasm's XNNPACK Conv2D:
 *
 *   dW[kh,kw,ci,co] = Σ_{n,oh,ow} xPadded[n, oh·sh + kh, ow·sw + kw, ci] · dy[n,oh,ow,co]
 *
 * is itself a convolution once batch and channels swap roles: the input is x transposed to
 * [Ci, H, W, N] (Ci is the batch, N the channels), the filter is dy transposed to [OH, OW, N, Co]
 * applied with dilation = the forward stride, and the output [Ci, KH, KW, Co] is dW up to one
 * transpose. XNNPACK runs that as one GEMM of size (Ci·KH·KW) × (OH·OW·N) × Co, but its inner
 * runs are only N values long: where WebAssembly SIMD is there, the direct loops of
 * ./convFilterGradSimd.ts run instead, straight on x and dy (on channel-padded copies where the
 * channels are not multiples of 4), and 3×3 stride-1 ones by Winograd's F(2×2, 3×3)
 * (./conv2dWinogradFilterGrad.ts).
 */
import { backend_util, util } from '@tensorflow/tfjs';
import type { Conv2DBackpropFilterAttrs, KernelBackend, KernelConfig, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireInput, WASM_BACKEND, withWasmScope } from './wasmKernelScope';
import { convFilterGradFor, filterGradRows } from './convFilterGradSimd';
import type { ConvFilterGradSimd, FilterGradRows } from './convFilterGradSimd';
import { filterGradTask } from './convTasks';
import { winogradFilterGrad, winogradFilterGradAt, winogradFilterGradReady } from './conv2dWinogradFilterGrad';
import { imageShares, MIN_SHARED_FLOPS, readyHelpers, runShared } from './simdHelpers';
import { heapMemory } from './groupNormSiluKernel';
import { heapOffset } from './wasmHeap';
import type { WasmAllocator } from './wasmHeap';

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

  const memory = heapMemory((backend as BackendWasm).wasm);
  const simd = memory && x.dtype === 'float32' && dy.dtype === 'float32' ? convFilterGradFor(memory) : null;
  if (simd) {
    if (inChannels % 4 !== 0 || outChannels % 4 !== 0) return filterGradWidened(simd, backend as BackendWasm, x, dy, info);
    return winogradFilterGrad(backend as BackendWasm, x, dy, info, simd.relaxed) ?? filterGradSimd(simd, backend as BackendWasm, x, dy, info);
  }

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

/**
 * dW by the SIMD loops (./convFilterGradSimd.ts's filterGradRows): zeroed, then every image's
 * contribution added. Where helper threads run (./simdHelpers.ts), each takes a share of the images
 * into a zeroed partial dW of its own, summed into dW at the end (dW is filter-sized: a few
 * thousand floats).
 */
function filterGradSimd(simd: ConvFilterGradSimd, backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const dw = backend.makeOutput([info.filterHeight, info.filterWidth, info.inChannels, info.outChannels], 'float32');
  filterGradAt(simd, backend, heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, dw), info);
  return dw;
}

/**
 * In- or out-channels not a multiple of 4 (the U-Net's 1-channel input and output convs, whose
 * XNNPACK route cost more than a 16-channel layer): x or dy copied with its channels zero-padded
 * to a multiple of 4 (a few hundred KB), the loops run on those, and dW's real channels copied
 * out of the padded result.
 */
function filterGradWidened(simd: ConvFilterGradSimd, backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { inChannels, outChannels, filterHeight, filterWidth } = info;
  const ci = Math.ceil(inChannels / 4) * 4;
  const co = Math.ceil(outChannels / 4) * 4;
  const dw = backend.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32');
  const module = backend.wasm as unknown as WasmAllocator;
  const xPixels = util.sizeFromShape(x.shape) / inChannels;
  const dyPixels = util.sizeFromShape(dy.shape) / outChannels;
  const taps = filterHeight * filterWidth;
  // Only the operand whose channels are not a multiple of 4 is copied: copying the other too (the
  // 16-channel x of the U-Net's output conv) took half of this kernel's time.
  const xCopy = ci !== inChannels ? module._malloc(xPixels * ci * 4) : 0;
  const dyCopy = co !== outChannels ? module._malloc(dyPixels * co * 4) : 0;
  const dwWide = module._malloc(taps * ci * co * 4);
  try {
    const heap = heapMemory(module)!.buffer;
    if (xCopy !== 0) widen(new Float32Array(heap, heapOffset(backend, x), xPixels * inChannels), new Float32Array(heap, xCopy, xPixels * ci), xPixels, inChannels, ci);
    if (dyCopy !== 0) widen(new Float32Array(heap, heapOffset(backend, dy), dyPixels * outChannels), new Float32Array(heap, dyCopy, dyPixels * co), dyPixels, outChannels, co);
    const xWide = xCopy || heapOffset(backend, x);
    const dyWide = dyCopy || heapOffset(backend, dy);
    const wideInfo = { ...info, inChannels: ci, outChannels: co };
    // F(2×2, 3×3) on a widened dy (the U-Net's 3×3 16 → 1 output conv): 0.50 against 0.56 ms on one
    // thread. On a widened x (its 1 → 16 input conv) it was no faster (0.36 against 0.34 ms).
    if (co !== outChannels && winogradFilterGradReady(backend, wideInfo, simd.relaxed)) {
      winogradFilterGradAt(backend, xWide, dyWide, dwWide, wideInfo, simd.relaxed);
    }
    else filterGradAt(simd, backend, xWide, dyWide, dwWide, wideInfo);
    // Views again: both routes allocate (a table, scratch), which may have grown the heap.
    const wide = new Float32Array(heapMemory(module)!.buffer, dwWide, taps * ci * co);
    const target = backend.typedArrayFromHeap(dw) as Float32Array;
    for (let t = 0; t < taps; t++) {
      for (let i = 0; i < inChannels; i++) {
        for (let o = 0; o < outChannels; o++) target[(t * inChannels + i) * outChannels + o] = wide[(t * ci + i) * co + o];
      }
    }
  } finally {
    for (const pointer of [xCopy, dyCopy, dwWide]) if (pointer !== 0) module._free(pointer);
  }
  return dw;
}

/** `pixels` rows of `channels` floats into rows of `wide` floats, zero-filled beyond. */
function widen(source: Float32Array, target: Float32Array, pixels: number, channels: number, wide: number): void {
  target.fill(0);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < channels; c++) target[p * wide + c] = source[p * channels + c];
  }
}

/** dW at `dwAt` (bytes) from x at `xAt` and dy at `dyAt`, all with `info`'s shapes (channels multiples of 4). */
function filterGradAt(simd: ConvFilterGradSimd, backend: BackendWasm, xAt: number, dyAt: number, dwAt: number, info: backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth, padInfo } = info;
  const module = backend.wasm as unknown as WasmAllocator;
  const memory = heapMemory(module)!;
  const flops = 2 * batchSize * outHeight * outWidth * filterHeight * filterWidth * inChannels * outChannels;
  const team = flops >= MIN_SHARED_FLOPS ? readyHelpers(memory) : [];
  const shares = imageShares(batchSize, Math.min(team.length + 1, batchSize));
  const dwFloats = filterHeight * filterWidth * inChannels * outChannels;
  const table = module._malloc(filterWidth * 12);
  const partials = shares.slice(1).map(() => module._malloc(dwFloats * 4));
  try {
    // Views after the allocations (which may grow, and so detach, the heap); nothing below allocates.
    new Float32Array(memory.buffer, dwAt, dwFloats).fill(0);
    for (const p of partials) new Float32Array(memory.buffer, p, dwFloats).fill(0);
    const entries = new Int32Array(memory.buffer, table, filterWidth * 3);
    for (let kw = 0; kw < filterWidth; kw++) {
      // Output columns ow whose input column ow·sw + kw − left lies in [0, inWidth).
      const first = Math.max(0, Math.ceil((padInfo.left - kw) / strideWidth));
      const last = Math.min(outWidth - 1, Math.floor((inWidth - 1 + padInfo.left - kw) / strideWidth));
      entries[3 * kw] = (first * strideWidth + kw - padInfo.left) * inChannels * 4;
      entries[3 * kw + 1] = first * outChannels * 4;
      entries[3 * kw + 2] = Math.max(0, last - first + 1);
    }
    const xRow = inWidth * inChannels * 4;
    const dyRow = outWidth * outChannels * 4;
    const rows = (dw: number, [first, count]: [number, number]): FilterGradRows => ({
      x: xAt + first * inHeight * xRow, dy: dyAt + first * outHeight * dyRow, dw, table,
      filterWidth, ciBytes: inChannels * 4, coBytes: outChannels * 4, images: count, xImage: inHeight * xRow, dyImage: outHeight * dyRow,
      xStep: strideWidth * inChannels * 4, outHeight, filterHeight, strideHeight, padTop: padInfo.top, inHeight, xRow, dyRow,
      tapRow: filterWidth * inChannels * outChannels * 4,
    });
    if (shares.length === 1) {
      filterGradRows(simd, rows(dwAt, shares[0]));
    } else {
      runShared(memory, team, shares.map((share, i) => filterGradTask(simd.relaxed, rows(i === 0 ? dwAt : partials[i - 1], share))));
      const sum = new Float32Array(memory.buffer, dwAt, dwFloats);
      for (const p of partials) {
        const part = new Float32Array(memory.buffer, p, dwFloats);
        for (let i = 0; i < dwFloats; i++) sum[i] += part[i];
      }
    }
  } finally {
    module._free(table);
    for (const p of partials) module._free(p);
  }
}

export const conv2dBackpropFilterWasmConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: WASM_BACKEND,
  kernelFunc: conv2dBackpropFilterWasm as unknown as KernelConfig['kernelFunc'],
};
