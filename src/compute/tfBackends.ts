/**
 * Registers every tfjs backend the studio can run on and knows how to activate one. Imported only
 * by the compute worker: the UI thread never loads tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendName } from './backendTypes';
import { registerWasmTrainingKernels } from './wasm/trainingKernels';
import { heapMemory } from './wasm/groupNormSiluKernel';
import { startSimdHelpers } from './wasm/simdHelpers';
import { errorMessage } from '../core/errorMessage';
import { defaultWasmThreads } from './wasmThreads';

// Served from our own origin (and precached by the service worker), never from a CDN.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
});
// Threads need SharedArrayBuffer, i.e. a cross-origin isolated page (COOP/COEP, see vite.config.ts).
// Where the host does not send those headers the single-threaded SIMD build runs instead.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', globalThis.crossOriginIsolated === true);
// The stock wasm backend lacks the convolution gradients; ours make it the fastest CPU path.
registerWasmTrainingKernels();

export { tf };

/** This machine's logical cores, read before setWasmThreads changes what the worker reports. */
export const LOGICAL_CORES = globalThis.navigator?.hardwareConcurrency ?? 1;

/**
 * Sets the wasm thread count before the backend's first activation (0: tfjs's single-threaded SIMD
 * build, as on a page without cross-origin isolation). tfjs's threaded build caps its XNNPACK pool at
 * navigator.hardwareConcurrency / 2 (its wasm module reads that when it starts), so the cap is lifted
 * by reporting twice the count to this worker; LOGICAL_CORES keeps the true figure.
 */
export function setWasmThreads(threads: number): void {
  if (threads === 0) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return;
  }
  setThreadsCount(threads);
  Object.defineProperty(globalThis.navigator, 'hardwareConcurrency', { value: threads * 2, configurable: true });
}

// The studio's thread count (./wasmThreads.ts): every logical core up to 4, not tfjs's half.
if (globalThis.crossOriginIsolated === true && globalThis.navigator) setWasmThreads(defaultWasmThreads(LOGICAL_CORES));

/** Threads the wasm backend runs with: 1 for the single-threaded build, or before it started. */
export function wasmThreadCount(): number {
  return tf.getBackend() === 'wasm' ? getThreadsCount() : 1;
}

/**
 * Makes `name` the active backend. Resolves false (never throws) when it cannot start, so callers
 * can fall back to the next candidate.
 */
export async function activateBackend(name: BackendName): Promise<{ ok: true } | { ok: false; error: string }> {
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return { ok: false, error: `${name} backend failed to initialise` };
    await tf.ready();
    if (name === 'wasm') {
      // Threads for the studio's own SIMD convolution loops (XNNPACK has tfjs's pool); none where
      // the heap is not shared (single-threaded build) or with one wasm thread.
      const memory = heapMemory((tf.backend() as unknown as { wasm: object }).wasm);
      if (memory) await startSimdHelpers(memory);
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
}

/**
 * A few-millisecond workload that exercises what training needs: a conv forward pass and both
 * convolution gradients. A backend that lacks a training kernel fails here rather than mid-run.
 */
export async function timeTrainingProbe(repeats = 3): Promise<number> {
  const x = tf.randomNormal([8, 16, 16, 4], 0, 1, 'float32', 1);
  const w = tf.randomNormal([3, 3, 4, 8], 0, 0.2, 'float32', 2);
  const step = () =>
    tf.tidy(() => {
      const lossOf = (input: tf.Tensor4D, filter: tf.Tensor4D) =>
        tf.conv2d(input, filter, 2, 'same').relu().square().mean() as tf.Scalar;
      const [gx, gw] = tf.grads(lossOf as (...args: tf.Tensor[]) => tf.Tensor)([x, w]);
      return tf.add(gx.sum(), gw.sum());
    });
  try {
    // The first run includes shader compilation / wasm warm-up, which a cached probe must not count.
    const warm = step();
    await warm.data();
    warm.dispose();
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      const out = step();
      await out.data();
      out.dispose();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  } finally {
    x.dispose();
    w.dispose();
  }
}
