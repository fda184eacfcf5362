/**
 * Sum and Mean of float32 x over one contiguous block of axes that is not the innermost, as
 * float64 SIMD column sums on the wasm heap (the `sums` loop of ./groupNormSiluSimd.ts). Viewed as
 * [outer, reduced, inner], out[o, i] = Σ_r x[o, r, i]. ./fastPaths.ts sends here what its XNNPACK
 * average pool (leading axes only) does not take: the time-embedding gradients of the DDPM U-Net
 * (axes 1, 2 of NHWC data: the gradient of an add of [N, 1, 1, C]), which stock wasm ran by
 * transposing the reduced axes innermost first (0.25 ms against 0.05 ms here on [16, 32, 32, 16],
 * one thread). Over leading axes the pool stays: a little faster on one thread (31 against 50 µs
 * on [16, 32, 32, 16]) and threaded in the threaded build. The sums are float64, like the cpu
 * backend's JS loop, so a sum over thousands of rows is the exact sum rounded once. Returns null
 * where it does not apply (inner not a multiple of 4, too few rows, other dtypes, no SIMD), so the
 * caller can delegate.
 */
import { backend_util, util } from '@tensorflow/tfjs';
import type { NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapMemory, simdEnabledFor } from './groupNormSiluKernel';
import { requireInput } from './wasmKernelScope';
import { heapOffset } from './wasmHeap';
import type { WasmAllocator } from './wasmHeap';

/**
 * Fewer reduced rows than this go elsewhere: each call of the loop has a fixed cost per four
 * columns, so summing pairs of long rows (the sub-pixel upsampling's gradient, [16,16,2,1024] over
 * axis 2) took 0.63 ms here against 0.36 ms for stock wasm's transpose-and-reduce.
 */
const MIN_REDUCED = 8;

/** Rows per call of the SIMD sums: a block stays in L1 while each group of four columns walks it. */
const ROW_BLOCK = 64;

export function sumContiguousAxes(
  args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NamedAttrMap }, mean: boolean,
): TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const x = requireInput(inputs, 'x', mean ? 'Mean' : 'Sum');
  if (x.dtype !== 'float32' || x.shape.length < 2) return null;
  const axes = util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((p, q) => p - q);
  const first = axes[0];
  const last = axes[axes.length - 1];
  if (axes.length === 0 || last - first + 1 !== axes.length || last === x.shape.length - 1) return null;
  const outer = util.sizeFromShape(x.shape.slice(0, first));
  const reduced = util.sizeFromShape(x.shape.slice(first, last + 1));
  const inner = util.sizeFromShape(x.shape.slice(last + 1));
  if (inner % 4 !== 0 || inner === 0 || reduced < MIN_REDUCED || outer === 0) return null;
  const simd = simdEnabledFor(backend);
  if (!simd) return null;
  const keptShape = x.shape.filter((_, axis) => axis < first || axis > last);
  const outShape = attrs.keepDims === true ? backend_util.expandShapeToKeepDim(keptShape, axes) : keptShape;
  const out = backend.makeOutput(outShape, 'float32');
  const module = backend.wasm as unknown as WasmAllocator;
  // The loop adds Σx then Σx² per column (the squares are GroupNorm's; unused here).
  const acc = module._malloc(inner * 16);
  try {
    // Views after the allocations (which may grow, and so detach, the heap).
    const heap = heapMemory(module)!.buffer;
    const sums = new Float64Array(heap, acc, 2 * inner);
    const target = new Float32Array(heap, heapOffset(backend, out), outer * inner);
    const xAt = heapOffset(backend, x);
    const rowBytes = inner * 4;
    const scale = mean ? 1 / reduced : 1;
    for (let o = 0; o < outer; o++) {
      sums.fill(0);
      const base = xAt + o * reduced * rowBytes;
      for (let r = 0; r < reduced; r += ROW_BLOCK) simd.sums(base + r * rowBytes, acc, Math.min(ROW_BLOCK, reduced - r), inner, 0);
      for (let i = 0; i < inner; i++) target[o * inner + i] = sums[i] * scale;
    }
  } finally {
    module._free(acc);
  }
  return out;
}
