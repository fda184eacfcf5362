/**
 * The body of a SIMD helper thread (workers/simdHelper.worker.ts): marks itself ready, then blocks
 * in Atomics.wait until the compute worker bumps the sequence number of its control block, runs
 * the task described there on the shared wasm heap (unless the compute worker claimed it first,
 * see ./simdHelpers.ts), publishes the number as done, and waits again.
 * It never returns; the compute worker terminates it. See ./simdHelpers.ts for the protocol.
 */
import { CONTROL, runConvTask } from './convTasks';

export function runHelperLoop(memory: WebAssembly.Memory, control: Int32Array): never {
  let seen = Atomics.load(control, CONTROL.SEQ);
  Atomics.store(control, CONTROL.READY, 1);
  for (;;) {
    Atomics.wait(control, CONTROL.SEQ, seen);
    const seq = Atomics.load(control, CONTROL.SEQ);
    if (seq === seen) continue;
    seen = seq;
    // Task seq is run by whoever claims it first (CLAIM goes seq − 1 → seq): this thread, or the
    // caller, which takes a share no helper has started once its own is done (./simdHelpers.ts).
    if (Atomics.compareExchange(control, CONTROL.CLAIM, (seq - 1) | 0, seq) !== ((seq - 1) | 0)) continue;
    try {
      runConvTask(memory, control[CONTROL.KIND], control[CONTROL.RELAXED] === 1,
        control.subarray(CONTROL.ARGS, CONTROL.ARGS + control[CONTROL.ARGC]));
    } catch {
      Atomics.store(control, CONTROL.FAILED, 1);
    }
    Atomics.store(control, CONTROL.DONE, seq);
    Atomics.notify(control, CONTROL.DONE);
  }
}
