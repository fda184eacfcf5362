/**
 * Runs a kernel's work as one share per thread: this one and the ready SIMD helper threads
 * (./simdHelpers.ts), split by images, each share with its own scratch on the wasm heap. Used by the
 * GroupNorm + SiLU kernels (inference, training forward and gradient).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { runConvTask } from './convTasks';
import type { ConvTask } from './convTasks';
import { imageShares, readyHelpers, runShared } from './simdHelpers';
import type { WasmAllocator } from './wasmHeap';

/**
 * Below this many elements (~0.1 ms of both passes on one core) a call is not split across the
 * SIMD helper threads: a hand-off costs tens of microseconds.
 */
export const MIN_SHARED_ELEMENTS = 1 << 16;

/**
 * Runs one share per thread (this one and the ready SIMD helpers, split by images), each with its
 * own scratch from `scratchBytes`, and returns after all are done. `shareFor` builds a share's task
 * from its image range and its scratch pointers; `after` reads the scratch before it is freed.
 */
export function runInShares<S extends Record<string, number>>(
  backend: BackendWasm, memory: WebAssembly.Memory, images: number, elements: number, scratchBytes: S,
  shareFor: (first: number, count: number, scratch: S) => ConvTask, after: (scratches: S[]) => void = () => {},
): void {
  const module = backend.wasm as unknown as WasmAllocator;
  const team = elements >= MIN_SHARED_ELEMENTS ? readyHelpers(memory) : [];
  const ranges = imageShares(images, Math.min(team.length + 1, images));
  const pointers: number[] = [];
  try {
    const scratches = ranges.map(() => {
      const entries = Object.entries(scratchBytes).map(([key, bytes]) => {
        const pointer = module._malloc(bytes);
        pointers.push(pointer);
        return [key, pointer] as const;
      });
      return Object.fromEntries(entries) as S;
    });
    // Every malloc is done before any share builds a view of the heap.
    const tasks = ranges.map(([first, count], i) => shareFor(first, count, scratches[i]));
    if (tasks.length > 1) runShared(memory, team, tasks);
    else runConvTask(memory, tasks[0].kind, tasks[0].relaxed, tasks[0].args);
    after(scratches);
  } finally {
    for (const pointer of pointers) module._free(pointer);
  }
}

