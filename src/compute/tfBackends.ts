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
import { simdHelperCount, startSimdHelpers } from './wasm/simdHelpers';
import { errorMessage } from '../core/errorMessage';
import { defaultWasmThreadPlan, poolWithHelpers } from './wasmThreads';
import type { WasmThreadPlan } from './wasmThreads';

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

/** The threads planned for the wasm backend (./wasmThreads.ts); helpers start when it activates. */
let threadPlan: WasmThreadPlan = { poolThreads: 1, simdHelpers: 0 };

/**
 * Sets the wasm threads before the backend's first activation: a plan, or a plain count N (the
 * bench's rows: N pool threads and N − 1 helpers; 0: tfjs's single-threaded SIMD build, as on a
 * page without cross-origin isolation). tfjs's threaded build caps its XNNPACK pool at
 * navigator.hardwareConcurrency / 2 (its wasm module reads that when it starts), so the cap is
 * lifted by reporting twice the pool size to this worker; LOGICAL_CORES keeps the true figure.
 */
export function setWasmThreads(threads: number | WasmThreadPlan): void {
  if (threads === 0) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    threadPlan = { poolThreads: 1, simdHelpers: 0 };
    return;
  }
  threadPlan = typeof threads === 'number' ? poolWithHelpers(threads) : threads;
  setThreadsCount(threadPlan.poolThreads);
  Object.defineProperty(globalThis.navigator, 'hardwareConcurrency', { value: threadPlan.poolThreads * 2, configurable: true });
}

// The studio's threads (./wasmThreads.ts): one per logical core, helpers first, never more than cores.
if (globalThis.crossOriginIsolated === true && globalThis.navigator) setWasmThreads(defaultWasmThreadPlan(LOGICAL_CORES));

/** Threads the wasm backend runs with now: its XNNPACK pool (1 for the single-threaded build, or before it started) and the SIMD helpers ready. */
export function wasmThreadCounts(): WasmThreadPlan {
  return tf.getBackend() === 'wasm' ? { poolThreads: getThreadsCount(), simdHelpers: simdHelperCount() } : { poolThreads: 1, simdHelpers: 0 };
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
      // Threads for the studio's own SIMD loops (XNNPACK has tfjs's pool); none where the heap is
      // not shared (single-threaded build) or the plan has none.
      const memory = heapMemory((tf.backend() as unknown as { wasm: object }).wasm);
      if (memory) await startSimdHelpers(memory, threadPlan.simdHelpers);
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
