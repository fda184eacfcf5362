/**
 * Slice and SplitV for the wasm backend without copying the whole input per call.
 *
 * Stock wasm's Slice starts with `backend.readSync(x)`, which copies the entire input out of the
 * wasm heap (an ArrayBuffer.slice) before cutting the piece it wants, and its SplitV calls that
 * Slice once per piece. Adam's batched update (models/core/adam.ts) splits one flat vector of
 * every small parameter back into ~100 pieces, three times a step: on DDPM-32 that was ~300 whole
 * copies and the largest item of a training step's profile (SplitV 774 ms of 972). Here a
 * contiguous piece is copied straight from a view of the heap; a split along an inner axis (the
 * gradient of the U-Net's channel concatenations) by ./concatSplitRows's SIMD row copy; any other
 * case goes to the stock kernel unchanged.
 */
import { backend_util, slice_util, util } from '@tensorflow/tfjs';
import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { WasmKernelOverride } from './fastPaths';
import { requireInput } from './wasmKernelScope';
import { splitRows } from './concatSplitRows';

interface KernelArgs { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NamedAttrMap }

/** Copies elements [offset, offset + size of `shape`) of x into a new tensor of `shape`. */
function copyRange(backend: BackendWasm, x: TensorInfo, offset: number, shape: number[]): TensorInfo {
  const out = backend.makeOutput(shape, x.dtype);
  const length = util.sizeFromShape(shape);
  if (length === 0) return out;
  // Views are taken after allocating: makeOutput may grow (and so detach) the wasm heap.
  const source = backend.typedArrayFromHeap(x);
  backend.typedArrayFromHeap(out).set(source.subarray(offset, offset + length));
  return out;
}

export const sliceOverride: WasmKernelOverride = {
  kernelName: 'Slice',
  make: (stock: KernelFunc): KernelFunc => (args) => {
    const { inputs, backend, attrs } = args as unknown as KernelArgs;
    const x = requireInput(inputs, 'x', 'Slice');
    if (x.dtype === 'string') return stock(args);
    const [begin, size] = slice_util.parseSliceParams(x, attrs.begin as number | number[], attrs.size as number | number[]);
    if (!slice_util.isSliceContinous(x.shape, begin, size)) return stock(args);
    const offset = slice_util.computeFlatOffset(begin, util.computeStrides(x.shape));
    return copyRange(backend, x, offset, size);
  },
};

export const splitVOverride: WasmKernelOverride = {
  kernelName: 'SplitV',
  make: (stock: KernelFunc): KernelFunc => (args) => {
    const { inputs, backend, attrs } = args as unknown as KernelArgs;
    const x = requireInput(inputs, 'x', 'SplitV');
    const axis = util.parseAxisParam(attrs.axis as number, x.shape)[0];
    if (x.dtype === 'string') return stock(args);
    const sizes = backend_util.prepareSplitSize(x as unknown as Parameters<typeof backend_util.prepareSplitSize>[0], attrs.numOrSizeSplits as number | number[], axis);
    // Pieces are contiguous runs of memory only when every axis before the split axis has size 1;
    // otherwise each is a set of strided rows (./concatSplitRows.ts, or the stock kernel).
    if (x.shape.slice(0, axis).some((d) => d !== 1)) return splitRows(backend, x, axis, sizes) ?? stock(args);
    const inner = util.sizeFromShape(x.shape.slice(axis + 1));
    let offset = 0;
    return sizes.map((pieceSize) => {
      const shape = [...x.shape];
      shape[axis] = pieceSize;
      const piece = copyRange(backend, x, offset, shape);
      offset += pieceSize * inner;
      return piece;
    });
  },
};
