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
/** Where a conv share's unpadded images lie and how they sit in the padded buffer (bytes for addresses). */
export interface PaddingShare {
  /** x[first image, 0, 0, 0] of the unpadded input. */
  source: number;
  height: number;
  width: number;
  channels: number;
  paddedHeight: number;
  paddedWidth: number;
  /** Padding before row 0 / column 0; negative: that many input rows / columns are skipped. */
  padTop: number;
  padLeft: number;
}
const PADDING_KEYS = ['source', 'height', 'width', 'channels', 'paddedHeight', 'paddedWidth', 'padTop', 'padLeft'] as const;
export function paddingArgs(p: PaddingShare): number[] {
  return PADDING_KEYS.map((k) => p[k]);
}
/** args: FilterGradRows's values in FILTER_GRAD_ROWS_KEYS order. */
export const TASK_FILTER_GRAD = 2;
/** args: ./groupNormSiluShares.ts forwardShareArgs (training GroupNorm + SiLU forward of some images). */
export const TASK_GROUP_NORM_FORWARD = 3;
/** args: ./groupNormSiluShares.ts gradShareArgs (its gradient). */
export const TASK_GROUP_NORM_GRAD = 4;
/** args: ./groupNormSiluShares.ts inferenceShareArgs (inference GroupNorm + SiLU of some images). */
export const TASK_GROUP_NORM_INFERENCE = 5;

export interface ConvTask {
  kind: typeof TASK_CONV | typeof TASK_FILTER_GRAD | typeof TASK_GROUP_NORM_FORWARD | typeof TASK_GROUP_NORM_GRAD | typeof TASK_GROUP_NORM_INFERENCE;
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
  throw new Error(`src/compute/wasm/convTasks.ts: unknown task kind ${kind}`);
}

/**
 * Copies `images` images from p.source into the zeroed border of the padded buffer at `target`
 * (bytes). Only the border is zeroed: the interior is overwritten by the rows.
 */
export function padImages(memory: WebAssembly.Memory, p: PaddingShare, target: number, images: number): void {
  const { height, width, channels, paddedHeight, paddedWidth, padTop, padLeft } = p;
  const paddedRow = paddedWidth * channels;
  const source = new Float32Array(memory.buffer, p.source, images * height * width * channels);
  const padded = new Float32Array(memory.buffer, target, images * paddedHeight * paddedRow);
  const firstColumn = Math.max(0, padLeft);
  const sourceColumn = firstColumn - padLeft;
  const columns = Math.max(0, Math.min(paddedWidth - firstColumn, width - sourceColumn));
  const firstRow = columns > 0 ? Math.max(0, padTop) : paddedHeight;
  const lastRow = columns > 0 ? Math.min(paddedHeight, height + padTop) : paddedHeight;
  const run = columns * channels;
  const left = firstColumn * channels;
  for (let n = 0; n < images; n++) {
    const image = n * paddedHeight * paddedRow;
    padded.fill(0, image, image + firstRow * paddedRow);
    padded.fill(0, image + Math.max(firstRow, lastRow) * paddedRow, image + paddedHeight * paddedRow);
    for (let r = firstRow; r < lastRow; r++) {
      const to = image + r * paddedRow;
      const from = ((n * height + r - padTop) * width + sourceColumn) * channels;
      if (left > 0) padded.fill(0, to, to + left);
      padded.set(source.subarray(from, from + run), to + left);
      if (left + run < paddedRow) padded.fill(0, to + left + run, to + paddedRow);
    }
  }
}
