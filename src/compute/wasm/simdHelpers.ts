/**
 * Helper threads for the studio's own SIMD convolution loops. tfjs's threaded wasm build runs
 * XNNPACK on its own thread pool, but a kernel written in JS + hand-assembled wasm runs only on the
 * thread that calls it: on 2 cores the direct loops (faster than XNNPACK per core) left the second
 * core idle. Here the compute worker starts plain workers (../wasmThreads.ts plans how many) that share
 * the wasm heap (a shared WebAssembly.Memory in the threaded build), and splits a convolution by
 * images: it runs one share itself while each helper runs another (./convTasks.ts), then waits.
 *
 * Hand-off is a block of Int32 in a SharedArrayBuffer per helper: the arguments, then a sequence
 * number bumped with Atomics.notify; the helper (blocked in Atomics.wait, workers/simdHelper.worker.ts
 * → ./simdHelperLoop.ts) runs the task and publishes the same number as done. No message passing per
 * call, so a hand-off costs microseconds. Until a helper reports ready (its start is asynchronous),
 * and wherever there is no shared heap, no Worker or one wasm thread (Node, tests, the
 * single-threaded build), the caller runs every share itself. src/compute/tfBackends.ts starts them
 * when it activates the wasm backend.
 */
import { MAX_SIMD_HELPERS } from '../wasmThreads';
import type { ConvTask } from './convTasks';
import { CONTROL, runConvTask, SPIN_CHECKS } from './convTasks';

/** Below this many FLOPs (~0.1 ms on one core) a convolution is not split across helper threads. */
export const MIN_SHARED_FLOPS = 4e6;

/** How long the caller waits for a helper's share before it gives up on helpers (a hung or dead helper). */
const HELPER_TIMEOUT_MS = 30_000;

interface Helper {
  control: Int32Array;
  worker: Worker;
}

let helpers: Helper[] = [];
let pool: WebAssembly.Memory | null = null;
let enabled = true;
let broken = false;

/** For A/B measurements and tests: whether convolutions may use helper threads (true by default). */
export function setSimdHelpers(on: boolean): void {
  enabled = on;
}

function canStart(memory: WebAssembly.Memory): boolean {
  return typeof Worker === 'function' && typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer
    && globalThis.crossOriginIsolated === true;
}

function start(memory: WebAssembly.Memory, wanted: number): void {
  pool = memory;
  // Never more than the plan's most, whatever is asked.
  const count = Math.min(MAX_SIMD_HELPERS, wanted);
  for (let i = 0; i < count; i++) {
    try {
      const control = new Int32Array(new SharedArrayBuffer(CONTROL.SIZE * 4));
      const worker = new Worker(new URL('../../../workers/simdHelper.worker.ts', import.meta.url), { type: 'module', name: 'simd-helper' });
      worker.postMessage({ memory, control: control.buffer });
      helpers.push({ control, worker });
    } catch {
      break;
    }
  }
}

/** How long startSimdHelpers waits for the helpers to report ready. */
const START_WAIT_MS = 5_000;

/**
 * Starts the helper threads for `memory` (the tfjs wasm heap; once per heap) and resolves, with
 * how many are ready, when all are or after a few seconds. Must be awaited from an async context:
 * a nested worker's script is fetched through its parent's event loop, which a training loop that
 * only awaits settled promises never yields, so helpers started mid-training would never arrive.
 */
export async function startSimdHelpers(memory: WebAssembly.Memory, wanted: number): Promise<number> {
  if (pool !== memory) {
    for (const h of helpers) h.worker.terminate();
    helpers = [];
    pool = null;
    if (canStart(memory)) start(memory, wanted);
  }
  const ready = () => helpers.filter((h) => Atomics.load(h.control, CONTROL.READY) === 1).length;
  const until = Date.now() + START_WAIT_MS;
  while (ready() < helpers.length && Date.now() < until) await new Promise((done) => setTimeout(done, 5));
  return ready();
}

/** Helper threads ready now (for reports). */
export function simdHelperCount(): number {
  return enabled && !broken ? helpers.filter((h) => Atomics.load(h.control, CONTROL.READY) === 1).length : 0;
}

/** Helpers ready to take a share of work on `memory` now (none before startSimdHelpers, or when switched off). */
export function readyHelpers(memory: WebAssembly.Memory): Helper[] {
  if (!enabled || broken || pool !== memory) return [];
  return helpers.filter((h) => Atomics.load(h.control, CONTROL.READY) === 1);
}

/**
 * Runs tasks[i + 1] on helpers[i] while running tasks[0] here, and returns when all are done. A
 * helper's task that it has not claimed by the time tasks[0] is done runs here too.
 * Throws (and stops using helpers) if a helper failed or did not answer.
 */
export function runShared(memory: WebAssembly.Memory, helpersToUse: readonly Helper[], tasks: readonly ConvTask[]): void {
  const sent: { helper: Helper; seq: number; task: ConvTask }[] = [];
  for (let i = 1; i < tasks.length; i++) {
    const { control } = helpersToUse[i - 1];
    const task = tasks[i];
    control[CONTROL.KIND] = task.kind;
    control[CONTROL.RELAXED] = task.relaxed ? 1 : 0;
    control[CONTROL.ARGC] = task.args.length;
    control.set(task.args, CONTROL.ARGS);
    const seq = (control[CONTROL.SEQ] + 1) | 0;
    Atomics.store(control, CONTROL.SEQ, seq);
    Atomics.notify(control, CONTROL.SEQ);
    sent.push({ helper: helpersToUse[i - 1], seq, task });
  }
  let failure: unknown = null;
  try {
    runConvTask(memory, tasks[0].kind, tasks[0].relaxed, tasks[0].args);
  } catch (error) {
    failure = error;
  }
  for (const { helper, seq, task } of sent) {
    const { control } = helper;
    // A helper that has not woken yet (most wake within 50 µs, but ~1 % of hand-offs took 1–2 ms
    // on the 2-core bench machine, longer than many shares) loses its share to this thread, which
    // runs it now instead of waiting for the helper to wake and run it.
    if (Atomics.compareExchange(control, CONTROL.CLAIM, (seq - 1) | 0, seq) === ((seq - 1) | 0)) {
      try {
        runConvTask(memory, task.kind, task.relaxed, task.args);
      } catch (error) {
        failure ??= error;
      }
      continue;
    }
    let done = Atomics.load(control, CONTROL.DONE);
    // The helper's share takes as long as ours: spin first, a futex sleep costs ~0.1 ms to wake from.
    for (let spins = 0; done !== seq && spins < SPIN_CHECKS; spins++) done = Atomics.load(control, CONTROL.DONE);
    const deadline = Date.now() + HELPER_TIMEOUT_MS;
    while (done !== seq) {
      if (Atomics.wait(control, CONTROL.DONE, done, Math.max(1, deadline - Date.now())) === 'timed-out' && Date.now() >= deadline) {
        broken = true;
        throw new Error('src/compute/wasm/simdHelpers.ts: a SIMD helper thread did not answer; helpers switched off');
      }
      done = Atomics.load(control, CONTROL.DONE);
    }
    if (Atomics.load(control, CONTROL.FAILED) !== 0) {
      broken = true;
      failure ??= new Error('src/compute/wasm/simdHelpers.ts: a SIMD helper thread failed; helpers switched off');
    }
  }
  if (failure !== null) throw failure;
}


/** [first, count] image ranges, as even as possible, for `parts` shares of `images`. */
export function imageShares(images: number, parts: number): [number, number][] {
  const shares: [number, number][] = [];
  let first = 0;
  for (let p = 0; p < parts; p++) {
    const count = Math.floor((images - first) / (parts - p));
    shares.push([first, count]);
    first += count;
  }
  return shares;
}
