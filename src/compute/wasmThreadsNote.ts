/**
 * Says in plain words how many threads the wasm backend runs and why, for the status bar and the
 * settings dialog. Pure, so it is tested without a browser.
 *
 * Threads need SharedArrayBuffer, which a browser gives only to a cross-origin isolated page (the
 * host sends COOP: same-origin and COEP: require-corp, see README "Hosting"). tfjs's threaded build
 * then sizes its pool at half the logical cores (hyper-threads share a core), between 1 and 4.
 */
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
  return `${threads} wasm thread${plural}: half of this machine's ${coresText}, 1 to 4 (tfjs's default; a second thread per core measured no faster).`;
}
