/**
 * A SIMD helper thread of the compute worker (src/compute/wasm/simdHelpers.ts): receives the shared
 * wasm heap and its control block once, then runs convolution shares until terminated.
 */
import { runHelperLoop } from '../src/compute/wasm/simdHelperLoop';

self.onmessage = (event: MessageEvent<{ memory: WebAssembly.Memory; control: SharedArrayBuffer }>) => {
  self.onmessage = null;
  runHelperLoop(event.data.memory, new Int32Array(event.data.control));
};
