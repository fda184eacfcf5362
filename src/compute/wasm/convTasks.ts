/**
 * The convolution work one thread can be handed, as plain numbers: which loops, and their
 * arguments (and, beside the convolutions, the training GroupNorm + SiLU's per-image passes). The compute worker runs a share itself and its helper threads (./simdHelpers.ts,
 * workers/simdHelper.worker.ts) run the others through this same function, on the same heap.
 */
import { FILTER_GRAD_ROWS_KEYS, filterGradLoops, filterGradRows } from './convFilterGradSimd';
import type { FilterGradRows } from './convFilterGradSimd';
import { convForwardLoops } from './convForwardSimd';
import type { ConvForwardLoop } from './convForwardSimd';
import { runForwardShare, runGradShare, runInferenceShare } from './groupNormSiluShares';
import { padImages, PADDING_KEYS } from './paddedImages';
import type { PaddingShare } from './paddedImages';
import { runWinogradFilterGradShare, runWinogradShare } from './winogradShare';

/** Int32 slots of a helper thread's control block (./simdHelpers.ts). */
export const CONTROL = { SEQ: 0, DONE: 1, READY: 2, FAILED: 3, KIND: 4, RELAXED: 5, ARGC: 6, CLAIM: 7, ARGS: 8, SIZE: 64 } as const;

/**
 * Atomics.load checks (well under a millisecond) the caller spins before it sleeps in Atomics.wait
 * for a helper's share. Helpers themselves sleep at once: a spinning helper took the core from
 * tfjs's own pool thread and slowed the step (measured).
 */
export const SPIN_CHECKS = 200_000;

/**
 * args: pixelBytes, then the 15 arguments of ConvForwardLoop (conv8 where Co is a multiple of 8,
 * else conv4), then optionally the 8 numbers of a PaddingShare: the share first copies its own
 * images into their zero border (so the copy, ~5 % of a DDPM step's convolution time, is split too).
 */
export const TASK_CONV = 1;
/** args: FilterGradRows's values in FILTER_GRAD_ROWS_KEYS order. */
export const TASK_FILTER_GRAD = 2;
/** args: ./groupNormSiluShares.ts forwardShareArgs (training GroupNorm + SiLU forward of some images). */
export const TASK_GROUP_NORM_FORWARD = 3;
/** args: ./groupNormSiluShares.ts gradShareArgs (its gradient). */
export const TASK_GROUP_NORM_GRAD = 4;
/** args: ./groupNormSiluShares.ts inferenceShareArgs (inference GroupNorm + SiLU of some images). */
export const TASK_GROUP_NORM_INFERENCE = 5;

/** args: ./winogradShare.ts winogradShareArgs (a 3×3 stride-1 convolution of some images by F(2×2, 3×3)). */
export const TASK_WINOGRAD = 6;
/** args: ./winogradShare.ts winogradFilterGradShareArgs (some images' part of a 3×3 stride-1 filter gradient). */
export const TASK_WINOGRAD_FILTER_GRAD = 7;

export interface ConvTask {
  kind: typeof TASK_CONV | typeof TASK_FILTER_GRAD | typeof TASK_GROUP_NORM_FORWARD | typeof TASK_GROUP_NORM_GRAD
    | typeof TASK_GROUP_NORM_INFERENCE | typeof TASK_WINOGRAD | typeof TASK_WINOGRAD_FILTER_GRAD;
  relaxed: boolean;
  args: number[];
}

export function filterGradTask(relaxed: boolean, rows: FilterGradRows): ConvTask {
  return { kind: TASK_FILTER_GRAD, relaxed, args: FILTER_GRAD_ROWS_KEYS.map((k) => rows[k]) };
}

/** Runs `task` on `memory` (throws where the loops cannot be built: the engine lacks SIMD). */
export function runConvTask(memory: WebAssembly.Memory, kind: number, relaxed: boolean, args: ArrayLike<number>): void {
  if (kind === TASK_CONV) {
    const loops = convForwardLoops(memory, relaxed, args[0]);
    if (!loops) throw new Error('src/compute/wasm/convTasks.ts: no SIMD convolution loops on this engine');
    const loopArgs = Array.from({ length: 15 }, (_, i) => args[i + 1]) as Parameters<ConvForwardLoop>;
    if (args.length >= 24) {
      const p = Object.fromEntries(PADDING_KEYS.map((k, i) => [k, args[16 + i]])) as unknown as PaddingShare;
      // loopArgs: x (the padded images), images.
      padImages(memory, p, loopArgs[0], loopArgs[4]);
    }
    // loopArgs[9] is Co · 4: conv8 takes Co a multiple of 8.
    (loopArgs[9] % 32 === 0 ? loops.conv8 : loops.conv4)(...loopArgs);
    return;
  }
  if (kind === TASK_FILTER_GRAD) {
    const loops = filterGradLoops(memory, relaxed);
    if (!loops) throw new Error('src/compute/wasm/convTasks.ts: no SIMD filter-gradient loops on this engine');
    const rows = Object.fromEntries(FILTER_GRAD_ROWS_KEYS.map((k, i) => [k, args[i]])) as unknown as FilterGradRows;
    filterGradRows(loops, rows);
    return;
  }
  if (kind === TASK_GROUP_NORM_FORWARD) {
    runForwardShare(memory, args);
    return;
  }
  if (kind === TASK_GROUP_NORM_GRAD) {
    runGradShare(memory, args);
    return;
  }
  if (kind === TASK_GROUP_NORM_INFERENCE) {
    runInferenceShare(memory, args);
    return;
  }
  if (kind === TASK_WINOGRAD) {
    runWinogradShare(memory, relaxed, args);
    return;
  }
  if (kind === TASK_WINOGRAD_FILTER_GRAD) {
    runWinogradFilterGradShare(memory, relaxed, args);
    return;
  }
  throw new Error(`src/compute/wasm/convTasks.ts: unknown task kind ${kind}`);
}
