/**
 * Runs a convolution through the direct SIMD loops of ./convForwardSimd.ts where they apply, for
 * the forward kernels (FusedConv2D and Conv2D, wrapped here; every other case goes to the stock
 * XNNPACK kernel) and for Conv2DBackpropInput's phases (./conv2dBackpropInput.ts). 3×3 stride-1
 * convolutions with even outputs go to Winograd's F(2×2, 3×3) first (./conv2dWinograd.ts).
 *
 * Where helper threads are running (./simdHelpers.ts) the images are split between them and the
 * calling thread.
 *
 * The loops read a padded input: each thread copies its own images into a buffer with the conv's
 * zero padding around them (or cropped, where a padding is negative), a memcpy per row
 * (./paddedImages.ts). Without padding or cropping x is read in place.
 */
import { backend_util } from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convForwardFor } from './convForwardSimd';
import { runConvTask, TASK_CONV } from './convTasks';
import { paddingArgs } from './paddedImages';
import type { ConvTask } from './convTasks';
import { imageShares, MIN_SHARED_FLOPS, readyHelpers, runShared } from './simdHelpers';
import { winogradConv2d, winogradConvAt, winogradFits, winogradRelaxed } from './conv2dWinograd';
import type { DirectConvGeometry } from './convGeometry';
import type { WasmKernelOverride } from './fastPaths';
import { heapMemory } from './groupNormSiluKernel';
import { requireInput } from './wasmKernelScope';
import { heapOffset } from './wasmHeap';
import type { WasmAllocator } from './wasmHeap';

type Shape4D = [number, number, number, number];

/** Whether the direct loops take this convolution (the caller then gets a result, not null, from directConv2d). */
function handles(x: TensorInfo, filter: TensorInfo, g: DirectConvGeometry): boolean {
  return x.dtype === 'float32' && filter.dtype === 'float32'
    && g.outWidth > 0 && g.outHeight > 0 && x.shape[3] === filter.shape[2];
}

/**
 * y = conv(x, filter) + bias by the direct loops, x [N, H, W, Ci] and filter [KH, KW, Ci, Co]
 * NHWC with dilation 1, or null where they do not apply (dtype, no SIMD).
 */
export function directConv2d(
  backend: BackendWasm, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, g: DirectConvGeometry,
): TensorInfo | null {
  if (!handles(x, filter, g)) return null;
  const winograd = winogradConv2d(backend, x, filter, bias, g);
  if (winograd !== null) return winograd;
  const [images, inHeight, inWidth, inChannels] = x.shape as Shape4D;
  const [filterHeight, filterWidth, , outChannels] = filter.shape as Shape4D;
  const memory = heapMemory(backend.wasm);
  const pixelBytes = g.strideWidth * inChannels * 4;
  const loops = memory ? convForwardFor(memory, pixelBytes) : null;
  if (!loops) return null;
  // The loops make 4 output pixels of a row at a time. Other widths (DCGAN-28's 7 and 14, a phase
  // of a transposed conv) run on a row widened to a multiple of 4, read from zero-padded input
  // columns, into a scratch output whose first columns are then copied out.
  const outWidth = Math.ceil(g.outWidth / 4) * 4;
  // Both widenings at once on a 1- or 2-channel output (a transposed conv's phases onto a
  // grayscale image, 14 px wide in DCGAN-28) waste 2.3–4.6× the work: XNNPACK was faster there
  // (1.3 against 1.7 ms, one thread). Declined before anything is allocated.
  if (outWidth !== g.outWidth && Math.ceil(outChannels / 4) * 4 > 2 * outChannels) return null;
  const paddedHeight = (g.outHeight - 1) * g.strideHeight + filterHeight;
  const paddedWidth = (outWidth - 1) * g.strideWidth + filterWidth;
  const inPlace = g.padTop === 0 && g.padLeft === 0 && paddedHeight === inHeight && paddedWidth === inWidth;
  const module = backend.wasm as unknown as WasmAllocator;
  const y = backend.makeOutput([images, g.outHeight, g.outWidth, outChannels], 'float32');
  // Out-channels not a multiple of 4 (the U-Net's 1-channel output conv, which XNNPACK ran ~10×
  // slower per FLOP): the loops run on a filter and bias zero-padded to a multiple of 4 channels,
  // into a scratch output whose first channels are then copied out.
  const co = Math.ceil(outChannels / 4) * 4;
  const widened = co !== outChannels || outWidth !== g.outWidth;
  // That zero-padded filter, where it is 3×3 at stride 1, goes to F(2×2, 3×3) (./conv2dWinograd.ts):
  // the U-Net's 16 → 1 output conv in 0.32 instead of 0.72 ms (one thread).
  const winogradRelaxedLoops = co !== outChannels && outWidth === g.outWidth
    && winogradFits([filterHeight, filterWidth, inChannels, co], g) ? winogradRelaxed(memory!, inChannels) : null;
  const pixels = images * g.outHeight * outWidth;
  const filterFloats = filterHeight * filterWidth * inChannels;
  const paddedFloats = images * paddedHeight * paddedWidth * inChannels;
  const padded = inPlace || winogradRelaxedLoops !== null ? 0 : module._malloc(paddedFloats * 4);
  const wideChannels = co !== outChannels;
  const ownBias = bias === null || wideChannels ? module._malloc(co * 4) : 0;
  const ownFilter = wideChannels ? module._malloc(filterFloats * co * 4) : 0;
  const scratch = widened ? module._malloc(pixels * co * 4) : 0;
  try {
    // Views after the allocations (which may grow, and so detach, the heap).
    const heap = heapMemory(module)!.buffer;
    if (ownBias !== 0) {
      const target = new Float32Array(heap, ownBias, co).fill(0);
      if (bias !== null) target.set(new Float32Array(heap, heapOffset(backend, bias), outChannels));
    }
    if (ownFilter !== 0) {
      const source = new Float32Array(heap, heapOffset(backend, filter), filterFloats * outChannels);
      const target = new Float32Array(heap, ownFilter, filterFloats * co).fill(0);
      for (let r = 0; r < filterFloats; r++) {
        for (let c = 0; c < outChannels; c++) target[r * co + c] = source[r * outChannels + c];
      }
    }
    const xRow = paddedWidth * inChannels * 4;
    const xImage = paddedHeight * xRow;
    const yImage = g.outHeight * outWidth * co * 4;
    const xAt = inPlace ? heapOffset(backend, x) : padded;
    const yAt = widened ? scratch : heapOffset(backend, y);
    const filterAt = wideChannels ? ownFilter : heapOffset(backend, filter);
    const biasAt = ownBias || heapOffset(backend, bias!);
    const rest = [g.outHeight, outWidth / 4, co * 4, g.strideHeight * xRow, xRow, filterHeight,
      filterWidth * inChannels * 4, filterWidth * inChannels * co * 4];
    const imageBytes = inHeight * inWidth * inChannels * 4;
    const padding = (first: number): number[] => (inPlace ? [] : paddingArgs({
      source: heapOffset(backend, x) + first * imageBytes, height: inHeight, width: inWidth, channels: inChannels,
      paddedHeight, paddedWidth, padTop: g.padTop, padLeft: g.padLeft,
    }));
    const share = ([first, count]: [number, number]): ConvTask => ({
      kind: TASK_CONV, relaxed: loops.relaxed,
      args: [pixelBytes, xAt + first * xImage, filterAt, biasAt, yAt + first * yImage, count, xImage, yImage, ...rest, ...padding(first)],
    });
    const flops = 2 * pixels * co * filterFloats;
    const team = flops >= MIN_SHARED_FLOPS ? readyHelpers(memory!) : [];
    const parts = Math.min(team.length + 1, images);
    if (winogradRelaxedLoops !== null) {
      winogradConvAt(backend, {
        x: heapOffset(backend, x), images, inHeight, inWidth, inChannels, filter: ownFilter, bias: biasAt, y: scratch, outChannels: co,
      }, g, winogradRelaxedLoops);
    } else if (parts > 1) {
      runShared(memory!, team, imageShares(images, parts).map(share));
    } else {
      runConvTask(memory!, TASK_CONV, loops.relaxed, share([0, images]).args);
    }
    if (widened) {
      // Views again: the Winograd route allocates, which may have grown the heap.
      const source = new Float32Array(heapMemory(module)!.buffer, scratch, pixels * co);
      const target = backend.typedArrayFromHeap(y) as Float32Array;
      const rows = images * g.outHeight;
      if (co === outChannels) {
        // Only the width was widened: each output row is one contiguous run of the scratch row.
        const run = g.outWidth * co;
        for (let r = 0; r < rows; r++) target.set(source.subarray(r * outWidth * co, r * outWidth * co + run), r * run);
      } else {
        for (let r = 0; r < rows; r++) {
          for (let p = 0; p < g.outWidth; p++) {
            const from = (r * outWidth + p) * co;
            const to = (r * g.outWidth + p) * outChannels;
            for (let c = 0; c < outChannels; c++) target[to + c] = source[from + c];
          }
        }
      }
    }
  } finally {
    for (const pointer of [padded, ownBias, ownFilter, scratch]) if (pointer !== 0) module._free(pointer);
  }
  return y;
}

interface KernelArgs { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }

/** The direct loops for a forward conv kernel's attributes, or null to hand the call to the stock kernel. */
function forwardConv(args: KernelArgs, kernelName: string, bias: TensorInfo | null): TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const x = requireInput(inputs, 'x', kernelName);
  const filter = requireInput(inputs, 'filter', kernelName);
  if (attrs.dataFormat === 'NCHW' || x.shape.length !== 4 || filter.shape.length !== 4) return null;
  const info = backend_util.computeConv2DInfo(x.shape as Shape4D, filter.shape as Shape4D,
    attrs.strides as number | [number, number], (attrs.dilations ?? 1) as number | [number, number],
    attrs.pad as backend_util.PadInfo['type'] & ('same' | 'valid'), attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined);
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  if (bias !== null && (bias.shape.length !== 1 || bias.shape[0] !== info.outChannels || bias.dtype !== 'float32')) return null;
  return directConv2d(backend as BackendWasm, x, filter, bias, {
    strideHeight: info.strideHeight, strideWidth: info.strideWidth, padTop: info.padInfo.top, padLeft: info.padInfo.left,
    outHeight: info.outHeight, outWidth: info.outWidth,
  });
}

/** FusedConv2D with a bias or none and no activation: the direct loops; anything else: stock (XNNPACK). */
export const fusedConv2dOverride: WasmKernelOverride = {
  kernelName: 'FusedConv2D',
  make: (stock: KernelFunc) => (args) => {
    const a = args as unknown as KernelArgs;
    const linear = a.attrs.activation === undefined || a.attrs.activation === 'linear';
    const direct = linear && a.inputs.preluActivationWeights == null ? forwardConv(a, 'FusedConv2D', a.inputs.bias ?? null) : null;
    return direct ?? stock(args);
  },
};

/** Conv2D: the direct loops where they apply, else stock (XNNPACK). */
export const conv2dOverride: WasmKernelOverride = {
  kernelName: 'Conv2D',
  make: (stock: KernelFunc) => (args) => forwardConv(args as unknown as KernelArgs, 'Conv2D', null) ?? stock(args),
};
