/**
 * Where tensors and scratch live on the tfjs wasm backend's heap, for the kernels written in JS and
 * hand-assembled wasm that work on it in place.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The heap's allocator (emscripten's malloc/free), for scratch buffers: `backend.wasm as unknown as WasmAllocator`. */
export interface WasmAllocator {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/** The byte offset of a tensor's data on the heap. */
export function heapOffset(backend: BackendWasm, t: TensorInfo): number {
  return (backend.dataIdMap.get(t.dataId) as unknown as { memoryOffset: number }).memoryOffset;
}
