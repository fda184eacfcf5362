/**
 * What a worker can honestly say about memory. tf.memory() counts tensors the engine tracks (not
 * the backend's pools or compiled shaders); the wasm heap and the GPU byte counters come from the
 * backends themselves. Whole-process figures come from the driver (bench/processMemory.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import type { WorkerMemory } from './types';

interface BackendMemoryInfo extends tf.MemoryInfo {
  numBytesInGPU?: number;
  numBytesAllocatedInGPU?: number;
}

/** The tfjs wasm backend keeps its Emscripten module on `wasm`; HEAPU8 spans the whole heap. */
interface WasmBackendLike {
  wasm?: { HEAPU8?: Uint8Array };
}

export function readWorkerMemory(tfjs: typeof tf): WorkerMemory {
  const info = tfjs.memory() as BackendMemoryInfo;
  const heap = (tfjs.backend() as unknown as WasmBackendLike).wasm?.HEAPU8?.byteLength;
  // Chromium-only, non-standard; absent in other browsers and possibly in workers.
  const jsHeap = (performance as Performance & { memory?: { usedJSHeapSize?: number } }).memory?.usedJSHeapSize;
  return {
    tfNumBytes: info.numBytes,
    tfBytesInGpu: info.numBytesInGPU ?? null,
    tfBytesAllocatedInGpu: info.numBytesAllocatedInGPU ?? null,
    wasmHeapBytes: heap ?? null,
    jsHeapUsedBytes: jsHeap ?? null,
  };
}

/** Field-wise maximum; null only where neither side knows. */
export function peakOf(a: WorkerMemory | undefined, b: WorkerMemory): WorkerMemory {
  if (!a) return { ...b };
  const max = (x: number | null, y: number | null) => (x === null ? y : y === null ? x : Math.max(x, y));
  return {
    tfNumBytes: max(a.tfNumBytes, b.tfNumBytes),
    tfBytesInGpu: max(a.tfBytesInGpu, b.tfBytesInGpu),
    tfBytesAllocatedInGpu: max(a.tfBytesAllocatedInGpu, b.tfBytesAllocatedInGpu),
    wasmHeapBytes: max(a.wasmHeapBytes, b.wasmHeapBytes),
    jsHeapUsedBytes: max(a.jsHeapUsedBytes, b.jsHeapUsedBytes),
  };
}
