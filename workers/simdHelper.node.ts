/**
 * The SIMD helper thread as a Node worker_thread (src/compute/wasm/simdHelpers.test.ts runs the
 * browser's protocol through it): same loop as workers/simdHelper.worker.ts.
 */
import { parentPort } from 'node:worker_threads';
import { runHelperLoop } from '../src/compute/wasm/simdHelperLoop';

parentPort!.once('message', (data: { memory: WebAssembly.Memory; control: SharedArrayBuffer }) => {
  runHelperLoop(data.memory, new Int32Array(data.control));
});
