/**
 * Concat and SplitV along an inner axis (the U-Net's skip connections, along channels) as one
 * SIMD row copy per input or piece (./copyRowsSimd.ts). Viewed as [outer, inner], each input of a
 * concatenation is `outer` rows of its own inner size, written at its column offset in the output;
 * a split is the reverse. Rows must be a multiple of 16 bytes (float32 inner sizes that are
 * multiples of 4); other cases, other dtypes and engines without SIMD go to the stock kernels.
 */
import { backend_util, util } from '@tensorflow/tfjs';
import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { copyRowsFor } from './copyRowsSimd';
import type { CopyRowsSimd } from './copyRowsSimd';
import type { WasmKernelOverride } from './fastPaths';
import { heapMemory } from './groupNormSiluKernel';
import { heapOffset } from './wasmHeap';

interface KernelArgs { inputs: NamedTensorInfoMap | TensorInfo[]; backend: BackendWasm; attrs: NamedAttrMap }

/** Off only in tests that check the stock path still runs. */
let rowCopyEnabled = true;
export function setRowCopyConcat(enabled: boolean): void {
  rowCopyEnabled = enabled;
}

function loopsFor(backend: BackendWasm): CopyRowsSimd | null {
  const memory = heapMemory(backend.wasm);
  return rowCopyEnabled && memory ? copyRowsFor(memory) : null;
}

/** Inner sizes of float32 rows the SIMD copy takes: positive multiples of 4 floats (16 bytes). */
const copyable = (inner: number): boolean => inner > 0 && inner % 4 === 0;

export const concatOverride: WasmKernelOverride = {
  kernelName: 'Concat',
  make: (stock: KernelFunc): KernelFunc => (args) => {
    const { inputs, backend, attrs } = args as unknown as KernelArgs;
    // The engine hands Concat its inputs as an array (stock wasm calls inputs.map).
    const tensors: TensorInfo[] = Array.isArray(inputs) ? inputs : Object.values(inputs).filter((t): t is TensorInfo => t !== undefined);
    if (tensors.length < 2 || tensors.some((t) => t.dtype !== 'float32')) return stock(args);
    const axis = util.parseAxisParam(attrs.axis as number, tensors[0].shape)[0];
    const inners = tensors.map((t) => util.sizeFromShape(t.shape.slice(axis)));
    // A whole-tensor copy per input (outer 1) is already one `set` in the stock kernel.
    const outer = util.sizeFromShape(tensors[0].shape.slice(0, axis));
    if (outer < 2 || !inners.every(copyable)) return stock(args);
    const loops = loopsFor(backend);
    if (!loops) return stock(args);
    backend_util.assertParamsConsistent(tensors.map((t) => t.shape), axis);
    const out = backend.makeOutput(backend_util.computeOutShape(tensors.map((t) => t.shape), axis), 'float32');
    const outRowBytes = 4 * inners.reduce((a, b) => a + b, 0);
    // Offsets are read after allocating; the loop addresses the heap itself, so growth is harmless.
    let column = heapOffset(backend, out);
    tensors.forEach((t, i) => {
      loops.copyRows(heapOffset(backend, t), column, outer, 4 * inners[i], 4 * inners[i], outRowBytes);
      column += 4 * inners[i];
    });
    return out;
  },
};

/**
 * The pieces of a float32 SplitV along an inner axis, or null when the row copy does not apply
 * (the caller delegates).
 */
export function splitRows(backend: BackendWasm, x: TensorInfo, axis: number, sizes: number[]): TensorInfo[] | null {
  if (x.dtype !== 'float32') return null;
  const outer = util.sizeFromShape(x.shape.slice(0, axis));
  const perSlice = util.sizeFromShape(x.shape.slice(axis + 1));
  if (outer < 2 || !sizes.every((size) => copyable(size * perSlice))) return null;
  const loops = loopsFor(backend);
  if (!loops) return null;
  const rowBytes = 4 * util.sizeFromShape(x.shape.slice(axis));
  let column = 0;
  return sizes.map((size) => {
    const shape = [...x.shape];
    shape[axis] = size;
    const piece = backend.makeOutput(shape, 'float32');
    const pieceRowBytes = 4 * size * perSlice;
    loops.copyRows(heapOffset(backend, x) + column, heapOffset(backend, piece), outer, pieceRowBytes, rowBytes, pieceRowBytes);
    column += pieceRowBytes;
    return piece;
  });
}
