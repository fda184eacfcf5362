/**
 * How many threads the wasm backend runs, and why in plain words (for the status bar and the
 * settings dialog). Pure, so it is tested without a browser.
 *
 * Threads need SharedArrayBuffer, which a browser gives only to a cross-origin isolated page (the
 * host sends COOP: same-origin and COEP: require-corp, see README "Hosting"). tfjs's threaded build
 * would size its pool at half the logical cores (hyper-threads share a core), 1 to 4: one thread
 * on a 2-core machine. On the quiet bench machine (2 logical cores) two threads were faster for
 * every model, by 5 % (DDPM-32) to 34 % (cWGAN-GP-64) per step (BENCHMARKS.md, "wasm threads"), so
 * the studio uses every logical core up to tfjs's cap of 4. On 8 or more cores that is tfjs's own
 * choice.
 */

/** tfjs's largest thread pool for XNNPACK. */
export const MAX_WASM_THREADS = 4;

/** The studio's thread count for a machine with `logicalCores` (navigator.hardwareConcurrency). */
export function defaultWasmThreads(logicalCores: number): number {
  const cores = Number.isFinite(logicalCores) && logicalCores >= 1 ? Math.floor(logicalCores) : 1;
  return Math.min(MAX_WASM_THREADS, cores);
}

export function wasmThreadsNote(threads: number, isolated: boolean, logicalCores: number): string {
  if (!isolated) {
    return (
      'single-threaded: this page is not cross-origin isolated (the host does not send the ' +
      'Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers), so the browser gives no ' +
      'shared memory for wasm threads. Training still works, on one core.'
    );
  }
  const cores = Number.isFinite(logicalCores) && logicalCores > 0 ? Math.floor(logicalCores) : 0;
  const coresText = cores > 0 ? `${cores} logical core${cores === 1 ? '' : 's'}` : 'an unknown number of cores';
  const plural = threads === 1 ? '' : 's';
  return `${threads} wasm thread${plural}: one per logical core of this machine's ${coresText}, at most ${MAX_WASM_THREADS} (on a 2-core machine two threads measured 5–34 % faster per training step than tfjs's default of one).`;
}
