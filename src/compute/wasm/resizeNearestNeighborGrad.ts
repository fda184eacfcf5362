/**
 * ResizeNearestNeighborGrad for the wasm backend. The stock wasm kernel (tfjs 4.22) is right for
 * integer upsampling but wrong when resizing down with half-pixel centres (e.g. 6×6 → 4×5):
 * its result there is not the gradient of its own forward pass. (The cpu backend's kernel is wrong too, for any batch > 1: it reuses batch 0's
 * offsets. The tests therefore check against the forward pass itself, not against cpu.)
 *
 * The gradient sends each dy pixel back to the source pixel the forward pass copied it from.
 * For the upsampling nets actually use (integer factors k, no alignCorners) every source pixel
 * owns an exact k_h×k_w block of dy, so the gradient is a block sum: one XNNPACK average pool
 * times k_h·k_w. Other size ratios fall back to a JS scatter over dy on the wasm heap (one pass,
 * no allocation, but scalar JS); it uses the cpu kernel's own index formula.
 */
import type { KernelBackend, KernelConfig, NamedTensorInfoMap, ResizeNearestNeighborGradAttrs, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireInput, WASM_BACKEND, withWasmScope } from './wasmKernelScope';

/** Source index of every output index along one axis, exactly as tfjs's forward kernels compute it. */
export function nearestSourceIndices(
  oldSize: number, newSize: number, alignCorners: boolean, halfPixelCenters: boolean,
): Int32Array {
  const effectiveIn = alignCorners && newSize > 1 ? oldSize - 1 : oldSize;
  const effectiveOut = alignCorners && newSize > 1 ? newSize - 1 : newSize;
  const ratio = effectiveIn / effectiveOut;
  const sources = new Int32Array(newSize);
  for (let i = 0; i < newSize; i++) {
    const fraction = halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
    let source = Math.min(oldSize - 1, alignCorners ? Math.round(fraction) : Math.floor(fraction));
    if (halfPixelCenters) source = Math.max(0, source);
    sources[i] = source;
  }
  return sources;
}

/** The block factor k when output i always reads source ⌊i/k⌋, else null. */
function blockFactor(sources: Int32Array, oldSize: number): number | null {
  if (sources.length % oldSize !== 0) return null;
  const k = sources.length / oldSize;
  return sources.every((s, i) => s === Math.floor(i / k)) ? k : null;
}

export function resizeNearestNeighborGradWasm(args: {
  inputs: NamedTensorInfoMap;
  backend: KernelBackend;
  attrs: ResizeNearestNeighborGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const images = requireInput(inputs, 'images', 'ResizeNearestNeighborGrad');
  const dy = requireInput(inputs, 'dy', 'ResizeNearestNeighborGrad');
  const { alignCorners, halfPixelCenters } = attrs;
  if (images.shape.length !== 4 || dy.shape.length !== 4 || dy.dtype !== 'float32') {
    throw new Error(`src/compute/wasm/resizeNearestNeighborGrad.ts: expected float32 NHWC tensors, got images ${images.shape}, dy ${dy.shape} ${dy.dtype}`);
  }
  const [batch, oldHeight, oldWidth, channels] = images.shape;
  const [, newHeight, newWidth] = dy.shape;
  const rowSources = nearestSourceIndices(oldHeight, newHeight, alignCorners, halfPixelCenters);
  const colSources = nearestSourceIndices(oldWidth, newWidth, alignCorners, halfPixelCenters);
  const kh = blockFactor(rowSources, oldHeight);
  const kw = blockFactor(colSources, oldWidth);

  if (kh !== null && kw !== null) {
    return withWasmScope(backend, (scope) => {
      const blockMean = scope.run('AvgPool', { x: dy }, {
        filterSize: [kh, kw], strides: [kh, kw], pad: 'valid', dimRoundingMode: undefined,
      } as unknown as Record<string, never>);
      const area = scope.run('Fill', {}, { shape: [], value: kh * kw, dtype: 'float32' });
      return scope.run('Multiply', { a: blockMean, b: area });
    });
  }

  const wasm = backend as BackendWasm;
  const out = wasm.makeOutput([batch, oldHeight, oldWidth, channels], 'float32');
  // Views after allocation: makeOutput may grow (and detach) the heap.
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  const grad = wasm.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);
  let source = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < newHeight; r++) {
      const rowBase = (b * oldHeight + rowSources[r]) * oldWidth;
      for (let c = 0; c < newWidth; c++) {
        const target = (rowBase + colSources[c]) * channels;
        for (let d = 0; d < channels; d++) dx[target + d] += grad[source++];
      }
    }
  }
  return out;
}

export const resizeNearestNeighborGradWasmConfig: KernelConfig = {
  kernelName: 'ResizeNearestNeighborGrad',
  backendName: WASM_BACKEND,
  kernelFunc: resizeNearestNeighborGradWasm as unknown as KernelConfig['kernelFunc'],
};
