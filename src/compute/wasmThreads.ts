/**
 * How many threads the wasm backend runs, and why in plain words (for the status bar and the
 * settings dialog). Pure, so it is tested without a browser.
 *
 * Threads need SharedArrayBuffer, which a browser gives only to a cross-origin isolated page (the
 * host sends COOP: same-origin and COEP: require-corp, see README "Hosting"). Two kinds of thread
 * share the work:
 * - tfjs's XNNPACK pool (tfjs would size it at half the logical cores, 1 to 4), for the kernels the
 *   studio leaves to tfjs (matrix products, element-wise ops, the rare convolution its loops decline);
 * - the studio's SIMD helpers (./wasm/simdHelpers.ts), which take shares of the convolutions, their
 *   gradients and GroupNorm + SiLU: the bulk of every training step.
 * The plan uses one thread per logical core and never more: helpers on all cores but one (at most
 * 3), the XNNPACK pool on what is left (at least 1, at most 4). With more threads than cores, tfjs's
 * pool threads, which spin between XNNPACK calls, took cores from the helpers: on the 2-core bench
 * machine 2 pool threads + 1 helper ran DDPM-32 at 82–87 ms per step, 1 + 1 at 70–75 ms
 * (BENCHMARKS.md, "wasm threads").
 */

/** tfjs's largest thread pool for XNNPACK. */
export const MAX_WASM_THREADS = 4;
/** The most SIMD helper threads (./wasm/simdHelpers.ts). */
export const MAX_SIMD_HELPERS = 3;

export interface WasmThreadPlan {
  /** tfjs's XNNPACK pool, the calling thread included. */
  poolThreads: number;
  /** The studio's SIMD helper threads beside it. */
  simdHelpers: number;
}

/** The studio's threads for a machine with `logicalCores` (navigator.hardwareConcurrency). */
export function defaultWasmThreadPlan(logicalCores: number): WasmThreadPlan {
  const cores = Number.isFinite(logicalCores) && logicalCores >= 1 ? Math.floor(logicalCores) : 1;
  const simdHelpers = Math.min(MAX_SIMD_HELPERS, cores - 1);
  return { poolThreads: Math.max(1, Math.min(MAX_WASM_THREADS, cores - simdHelpers)), simdHelpers };
}

/** `threads` pool threads and threads − 1 helpers: the bench's plain `--wasm-threads N` rows (N = 1: one core's worth). */
export function poolWithHelpers(threads: number): WasmThreadPlan {
  return { poolThreads: threads, simdHelpers: Math.max(0, Math.min(MAX_SIMD_HELPERS, threads - 1)) };
}

export function wasmThreadsNote(plan: WasmThreadPlan, isolated: boolean, logicalCores: number): string {
  if (!isolated) {
    return (
      'single-threaded: this page is not cross-origin isolated (the host does not send the ' +
      'Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers), so the browser gives no ' +
      'shared memory for wasm threads. Training still works, on one core.'
    );
  }
  const cores = Number.isFinite(logicalCores) && logicalCores > 0 ? Math.floor(logicalCores) : 0;
  const coresText = cores > 0 ? `${cores} logical core${cores === 1 ? '' : 's'}` : 'an unknown number of cores';
  const total = plan.poolThreads + plan.simdHelpers;
  const helpers = plan.simdHelpers === 0
    ? 'no helper threads'
    : `${plan.simdHelpers} helper${plan.simdHelpers === 1 ? '' : 's'} for the studio's convolution and normalisation loops`;
  return `${total} wasm thread${total === 1 ? '' : 's'}: ${plan.poolThreads} for tfjs's XNNPACK kernels and ${helpers}, ` +
    `one thread per logical core of this machine's ${coresText} (more threads than cores measured slower).`;
}
