/**
 * UnsortedSegmentSum for the wasm backend (missing in tfjs 4.22). It is the gradient of
 * gather, so without it an embedding lookup cannot train on wasm.
 *
 * Computed as oneHot(segmentIds)ᵀ · x on wasm's own OneHot and BatchMatMul kernels: the
 * segment count of a training graph (an embedding table's rows) is small, so the dense matMul
 * is cheap and avoids a JS scatter loop. Ids outside [0, numSegments) contribute nothing, as in
 * TensorFlow.
 */
import { util } from '@tensorflow/tfjs';
import type { KernelBackend, KernelConfig, NamedTensorInfoMap, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs';
import { requireInput, WASM_BACKEND, withWasmScope } from './wasmKernelScope';

export function unsortedSegmentSumWasm(args: {
  inputs: NamedTensorInfoMap;
  backend: KernelBackend;
  attrs: UnsortedSegmentSumAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = requireInput(inputs, 'x', 'UnsortedSegmentSum');
  const segmentIds = requireInput(inputs, 'segmentIds', 'UnsortedSegmentSum');
  const { numSegments } = attrs;
  const idsRank = segmentIds.shape.length;
  if (x.shape.slice(0, idsRank).join() !== segmentIds.shape.join()) {
    throw new Error(
      `src/compute/wasm/unsortedSegmentSum.ts: segmentIds shape ${segmentIds.shape} must be a prefix of x shape ${x.shape}`,
    );
  }
  if (x.dtype !== 'float32') {
    throw new Error(`src/compute/wasm/unsortedSegmentSum.ts: only float32 data is supported, got ${x.dtype}`);
  }
  const segmentCount = util.sizeFromShape(segmentIds.shape);
  const rowShape = x.shape.slice(idsRank);
  const rowSize = util.sizeFromShape(rowShape);

  return withWasmScope(backend, (scope) => {
    const ids = segmentIds.dtype === 'int32' ? segmentIds : scope.run('Cast', { x: segmentIds }, { dtype: 'int32' });
    const flatIds = scope.reshape(ids, [segmentCount]);
    // Built as int32 and cast: stock wasm OneHot ignores a float32 dtype (see ./oneHotFloat).
    const membershipInt = scope.run('OneHot', { indices: flatIds }, {
      dtype: 'int32', depth: numSegments, onValue: 1, offValue: 0,
    });
    const membership = scope.run('Cast', { x: membershipInt }, { dtype: 'float32' });
    const rows = scope.reshape(x, [segmentCount, rowSize]);
    const sums = scope.run('BatchMatMul', { a: membership, b: rows }, { transposeA: true, transposeB: false });
    return scope.reshape(sums, [numSegments, ...rowShape]);
  });
}

export const unsortedSegmentSumWasmConfig: KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: WASM_BACKEND,
  kernelFunc: unsortedSegmentSumWasm as unknown as KernelConfig['kernelFunc'],
};
