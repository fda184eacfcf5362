/**
 * The helper-thread protocol of ./simdHelpers.ts with a real second thread (a Node worker_thread
 * running the same loop as the browser's helper), on a shared WebAssembly.Memory of its own: a
 * convolution and a filter gradient split by images between this thread and the helper must give
 * what one thread gives (the same loops, so the same bits for the convolution; the filter gradient
 * sums two partial dW, so within float rounding), and so must the training GroupNorm + SiLU's
 * forward and gradient shares (./groupNormSiluShares.ts), and a Winograd convolution's shares
 * and filter gradient (./winogradShare.ts: each pads its own images, with scratch of its own; the
 * filter gradient's two partial dU sum to the one-thread dU).
 */
import { setFlagsFromString } from 'node:v8';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONTROL, filterGradTask, runConvTask, TASK_CONV, TASK_GROUP_NORM_FORWARD, TASK_GROUP_NORM_GRAD, TASK_GROUP_NORM_INFERENCE, TASK_WINOGRAD,
  TASK_WINOGRAD_FILTER_GRAD,
} from './convTasks';
import { forwardShareArgs, gradShareArgs, inferenceShareArgs } from './groupNormSiluShares';
import type { ConvTask } from './convTasks';
import { imageShares, runShared } from './simdHelpers';
import { transformFilter } from './conv2dWinograd';
import { planeTiles, winogradFilterGradShareArgs, winogradShareArgs } from './winogradShare';

setFlagsFromString('--experimental-wasm-relaxed-simd');

const memory = new WebAssembly.Memory({ initial: 256, maximum: 1024, shared: true });
const control = new Int32Array(new SharedArrayBuffer(CONTROL.SIZE * 4));
let worker: Worker;

function bootstrap(): string {
  const tsx = createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
  const entry = new URL('../../../workers/simdHelper.node.ts', import.meta.url).href;
  return `import(${JSON.stringify(pathToFileURL(tsx).href)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
}

beforeAll(async () => {
  worker = new Worker(bootstrap(), { eval: true });
  worker.postMessage({ memory, control: control.buffer });
  const until = Date.now() + 20_000;
  while (Atomics.load(control, CONTROL.READY) !== 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
}, 30_000);

afterAll(async () => {
  await worker.terminate();
});

const helper = () => [{ control, worker: worker as unknown as globalThis.Worker }];

/** Floats at `at` (bytes) filled with deterministic values in [-1, 1). */
function fill(at: number, count: number, seed: number): void {
  const view = new Float32Array(memory.buffer, at, count);
  let state = (seed * 2654435761) >>> 0;
  for (let i = 0; i < count; i++) {
    state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0;
    view[i] = state / 2147483648 - 1;
  }
}

describe('SIMD helper threads', () => {
  it('start and report ready', () => {
    expect(Atomics.load(control, CONTROL.READY)).toBe(1);
  });

  it('split images evenly', () => {
    expect(imageShares(16, 2)).toEqual([[0, 8], [8, 8]]);
    expect(imageShares(5, 3)).toEqual([[0, 1], [1, 2], [3, 2]]);
  });

  it('give the one-thread convolution when it is split by images', () => {
    // x padded [N, 10, 10, 8], filter [3, 3, 8, 16], y [N, 8, 8, 16], stride 1.
    const [n, hp, ci, co, oh] = [6, 10, 8, 16, 8];
    const xAt = 0;
    const wAt = xAt + n * hp * hp * ci * 4;
    const bAt = wAt + 9 * ci * co * 4;
    const yAt = bAt + co * 4;
    const y2At = yAt + n * oh * oh * co * 4;
    fill(xAt, n * hp * hp * ci, 1);
    fill(wAt, 9 * ci * co, 2);
    fill(bAt, co, 3);
    const xRow = hp * ci * 4;
    const share = (yBase: number, [first, count]: [number, number]): ConvTask => ({
      kind: TASK_CONV, relaxed: false,
      args: [ci * 4, xAt + first * hp * xRow, wAt, bAt, yBase + first * oh * oh * co * 4, count, hp * xRow, oh * oh * co * 4,
        oh, oh / 4, co * 4, xRow, xRow, 3, 3 * ci * 4, 3 * ci * co * 4],
    });
    runConvTask(memory, TASK_CONV, false, share(yAt, [0, n]).args);
    runShared(memory, helper(), imageShares(n, 2).map((s) => share(y2At, s)));
    const one = new Float32Array(memory.buffer, yAt, n * oh * oh * co);
    const split = new Float32Array(memory.buffer, y2At, n * oh * oh * co);
    expect(split.some((v) => v !== 0)).toBe(true);
    expect(Array.from(split)).toEqual(Array.from(one));

    // A helper that never wakes (ready, but no thread behind its control block): its share must not
    // be waited for. Before the caller claimed unstarted shares this waited 30 s and threw.
    const asleep = new Int32Array(new SharedArrayBuffer(CONTROL.SIZE * 4));
    Atomics.store(asleep, CONTROL.READY, 1);
    const y3At = y2At + n * oh * oh * co * 4;
    const started = Date.now();
    runShared(memory, [{ control: asleep, worker: worker as unknown as globalThis.Worker }], imageShares(n, 2).map((s) => share(y3At, s)));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(Atomics.load(asleep, CONTROL.CLAIM)).toBe(Atomics.load(asleep, CONTROL.SEQ));
    expect(Array.from(new Float32Array(memory.buffer, y3At, n * oh * oh * co))).toEqual(Array.from(one));
  });

  it('give the one-thread filter gradient from two partial sums', () => {
    // x [N, 8, 8, 8], dy [N, 8, 8, 8], 3×3 'same' stride 1 (pad 1): dW [3, 3, 8, 8].
    const [n, h, c] = [4, 8, 8];
    const xAt = 1 << 20;
    const dyAt = xAt + n * h * h * c * 4;
    const tableAt = dyAt + n * h * h * c * 4;
    const dwFloats = 9 * c * c;
    const [dwOne, dwMain, dwPart] = [0, 1, 2].map((i) => tableAt + 64 + i * dwFloats * 4);
    fill(xAt, n * h * h * c, 4);
    fill(dyAt, n * h * h * c, 5);
    const table = new Int32Array(memory.buffer, tableAt, 9);
    for (let kw = 0; kw < 3; kw++) {
      const first = Math.max(0, 1 - kw);
      const last = Math.min(h - 1, h - 1 + 1 - kw);
      table.set([(first + kw - 1) * c * 4, first * c * 4, last - first + 1], 3 * kw);
    }
    for (const at of [dwOne, dwMain, dwPart]) new Float32Array(memory.buffer, at, dwFloats).fill(0);
    const rows = (dw: number, [first, count]: [number, number]) => ({
      x: xAt + first * h * h * c * 4, dy: dyAt + first * h * h * c * 4, dw, table: tableAt, filterWidth: 3, ciBytes: c * 4, coBytes: c * 4,
      images: count, xImage: h * h * c * 4, dyImage: h * h * c * 4, xStep: c * 4, outHeight: h, filterHeight: 3, strideHeight: 1,
      padTop: 1, inHeight: h, xRow: h * c * 4, dyRow: h * c * 4, tapRow: 3 * c * c * 4,
    });
    const one = filterGradTask(false, rows(dwOne, [0, n]));
    runConvTask(memory, one.kind, one.relaxed, one.args);
    const [mine, theirs] = imageShares(n, 2);
    runShared(memory, helper(), [filterGradTask(false, rows(dwMain, mine)), filterGradTask(false, rows(dwPart, theirs))]);
    const expected = new Float32Array(memory.buffer, dwOne, dwFloats);
    const a = new Float32Array(memory.buffer, dwMain, dwFloats);
    const b = new Float32Array(memory.buffer, dwPart, dwFloats);
    expect(b.some((v) => v !== 0)).toBe(true);
    for (let i = 0; i < dwFloats; i++) expect(Math.abs(a[i] + b[i] - expected[i])).toBeLessThan(1e-4);
  });

  it('give the one-thread GroupNorm + SiLU forward and gradient when they are split by images', () => {
    // x, dy [N, 6, 6, 16] in 4 groups; every pointer its own region of the heap.
    const [n, pixels, c, groups] = [5, 36, 16, 4];
    const floats = n * pixels * c;
    let next = 4 << 20;
    const take = (bytes: number) => { const at = next; next += Math.ceil(bytes / 64) * 64; return at; };
    const [x, dy, gamma, beta] = [take(floats * 4), take(floats * 4), take(c * 4), take(c * 4)];
    fill(x, floats, 6);
    fill(dy, floats, 7);
    fill(gamma, c, 8);
    fill(beta, c, 9);
    const outputs = () => ({ y: take(floats * 4), sigmoid: take(floats * 4), mean: take(n * groups * 4), invStd: take(n * groups * 4), dx: take(floats * 4) });
    const scratch = () => ({ acc: take(c * 16), params: take(c * 16), totals: take(c * 16) });
    const [one, split] = [outputs(), outputs()];
    const scratches = [scratch(), scratch()];
    const forward = (o: ReturnType<typeof outputs>, [first, count]: [number, number], s: ReturnType<typeof scratch>): ConvTask => ({
      kind: TASK_GROUP_NORM_FORWARD, relaxed: false,
      args: forwardShareArgs({ x, y: o.y, sigmoid: o.sigmoid, gamma, beta, mean: o.mean, invStd: o.invStd, acc: s.acc, params: s.params,
        firstImage: first, images: count, pixels, channels: c, groups, epsilon: 1e-5 }),
    });
    const grad = (o: ReturnType<typeof outputs>, [first, count]: [number, number], s: ReturnType<typeof scratch>): ConvTask => ({
      kind: TASK_GROUP_NORM_GRAD, relaxed: false,
      args: gradShareArgs({ dy, x, sigmoid: o.sigmoid, dx: o.dx, gamma, beta, mean: o.mean, invStd: o.invStd, acc: s.acc, params: s.params, totals: s.totals,
        firstImage: first, images: count, pixels, channels: c, groups }),
    });
    const whole = forward(one, [0, n], scratches[0]);
    runConvTask(memory, whole.kind, whole.relaxed, whole.args);
    const wholeGrad = grad(one, [0, n], scratches[0]);
    runConvTask(memory, wholeGrad.kind, wholeGrad.relaxed, wholeGrad.args);
    const oneTotals = Float64Array.from(new Float64Array(memory.buffer, scratches[0].totals, 2 * c));
    const shares = imageShares(n, 2);
    runShared(memory, helper(), shares.map((range, i) => forward(split, range, scratches[i])));
    runShared(memory, helper(), shares.map((range, i) => grad(split, range, scratches[i])));
    const f32 = (at: number, count: number) => Array.from(new Float32Array(memory.buffer, at, count));
    expect(f32(split.y + shares[1][0] * pixels * c * 4, pixels * c).some((v) => v !== 0)).toBe(true);
    expect(f32(split.y, floats)).toEqual(f32(one.y, floats));
    expect(f32(split.sigmoid, floats)).toEqual(f32(one.sigmoid, floats));
    expect(f32(split.mean, n * groups)).toEqual(f32(one.mean, n * groups));
    expect(f32(split.invStd, n * groups)).toEqual(f32(one.invStd, n * groups));
    expect(f32(split.dx, floats)).toEqual(f32(one.dx, floats));
    const [a, b] = scratches.map((s) => new Float64Array(memory.buffer, s.totals, 2 * c));
    expect(b.some((v) => v !== 0)).toBe(true);
    for (let i = 0; i < 2 * c; i++) expect(Math.abs(a[i] + b[i] - oneTotals[i])).toBeLessThan(1e-9 * Math.max(1, Math.abs(oneTotals[i])));
  });

  it('give the one-thread inference GroupNorm + SiLU (with its per-image offset) when it is split by images', () => {
    const [n, pixels, c, groups] = [5, 36, 16, 4];
    const floats = n * pixels * c;
    let next = 8 << 20;
    const take = (bytes: number) => { const at = next; next += Math.ceil(bytes / 64) * 64; return at; };
    const [x, gamma, beta, offset] = [take(floats * 4), take(c * 4), take(c * 4), take(n * c * 4)];
    fill(x, floats, 16);
    fill(gamma, c, 17);
    fill(beta, c, 18);
    fill(offset, n * c, 19);
    const scratch = () => ({ acc: take(c * 16), params: take(c * 8) });
    const scratches = [scratch(), scratch()];
    for (const withOffset of [true, false]) {
      const [one, split] = [take(floats * 4), take(floats * 4)];
      const share = (y: number, [first, count]: [number, number], s: ReturnType<typeof scratch>): ConvTask => ({
        kind: TASK_GROUP_NORM_INFERENCE, relaxed: false,
        args: inferenceShareArgs({ x, y, gamma, beta, offset: withOffset ? offset : 0, acc: s.acc, params: s.params,
          firstImage: first, images: count, pixels, channels: c, groups, epsilon: 1e-5 }),
      });
      const whole = share(one, [0, n], scratches[0]);
      runConvTask(memory, whole.kind, whole.relaxed, whole.args);
      const shares = imageShares(n, 2);
      runShared(memory, helper(), shares.map((range, i) => share(split, range, scratches[i])));
      const f32 = (at: number, count: number) => Array.from(new Float32Array(memory.buffer, at, count));
      expect(f32(split + shares[1][0] * pixels * c * 4, pixels * c).some((v) => v !== 0)).toBe(true);
      expect(f32(split, floats)).toEqual(f32(one, floats));
    }
  });

  it('give the one-thread Winograd convolution when it is split by images', () => {
    // x [N, 12, 12, 8] unpadded, 3×3 'same' to 8 channels: tiles 6 × 6, bands of 4 tile rows (the last of 2).
    const [n, h, ci, co] = [5, 12, 8, 8];
    let next = 12 << 20;
    const take = (bytes: number) => { const at = next; next += Math.ceil(bytes / 64) * 64; return at; };
    const pairs = ci * co;
    const [x, filter, u, constants] = [take(n * h * h * ci * 4), take(9 * pairs * 4), take(16 * pairs * 4), take(2 * co * 4)];
    fill(x, n * h * h * ci, 20);
    fill(filter, 9 * pairs, 21);
    fill(constants, co, 22);
    new Float32Array(memory.buffer, constants + co * 4, co).fill(0);
    transformFilter(new Float32Array(memory.buffer, filter, 9 * pairs), new Float32Array(memory.buffer, u, 16 * pairs), pairs);
    const [tiles, bandRows] = [h / 2, 4];
    const planeFloats = planeTiles(bandRows * tiles);
    const padded = take(n * (h + 2) * (h + 2) * ci * 4);
    const scratch = () => ({ v: take(16 * planeFloats * ci * 4), m: take(16 * planeFloats * co * 4) });
    const scratches = [scratch(), scratch()];
    const [one, split] = [take(n * h * h * co * 4), take(n * h * h * co * 4)];
    const xImage = (h + 2) * (h + 2) * ci * 4;
    const share = (y: number, [first, count]: [number, number], s: ReturnType<typeof scratch>): ConvTask => ({
      kind: TASK_WINOGRAD, relaxed: false,
      args: winogradShareArgs({
        x: padded + first * xImage, xImage, xRow: (h + 2) * ci * 4, u, uPlane: pairs * 4, bias: constants, zeros: constants + co * 4,
        y: y + first * h * h * co * 4, yImage: h * h * co * 4, yRow: h * co * 4, images: count, tilesHigh: tiles, tilesWide: tiles,
        bandRows, inChannels: ci, outChannels: co, v: s.v, m: s.m, mPlane: planeFloats * co * 4,
      }, { source: x + first * h * h * ci * 4, height: h, width: h, channels: ci, paddedHeight: h + 2, paddedWidth: h + 2, padTop: 1, padLeft: 1 }),
    });
    const whole = share(one, [0, n], scratches[0]);
    runConvTask(memory, whole.kind, whole.relaxed, whole.args);
    const shares = imageShares(n, 2);
    runShared(memory, helper(), shares.map((range, i) => share(split, range, scratches[i])));
    const f32 = (at: number, count: number) => Array.from(new Float32Array(memory.buffer, at, count));
    expect(f32(split + shares[1][0] * h * h * co * 4, h * h * co).some((v) => v !== 0)).toBe(true);
    expect(f32(split, n * h * h * co)).toEqual(f32(one, n * h * h * co));
    // And the direct sum, at one output inside and one on the border.
    const xs = new Float32Array(memory.buffer, x, n * h * h * ci);
    const ws = new Float32Array(memory.buffer, filter, 9 * pairs);
    const bias = new Float32Array(memory.buffer, constants, co);
    const ys = new Float32Array(memory.buffer, split, n * h * h * co);
    for (const [image, r, c, o] of [[4, 5, 6, 3], [2, 0, 11, 7]]) {
      let sum = bias[o];
      for (let kh = 0; kh < 3; kh++) for (let kw = 0; kw < 3; kw++) for (let k = 0; k < ci; k++) {
        const [rr, cc] = [r + kh - 1, c + kw - 1];
        if (rr >= 0 && rr < h && cc >= 0 && cc < h) sum += xs[((image * h + rr) * h + cc) * ci + k] * ws[((kh * 3 + kw) * ci + k) * co + o];
      }
      expect(ys[((image * h + r) * h + c) * co + o]).toBeCloseTo(sum, 4);
    }
  });

  it('give the one-thread Winograd filter gradient from two partial sums', () => {
    // x [N, 8, 8, 4] unpadded, dy [N, 8, 8, 8], 3×3 'same': tiles 4 × 4, bands of 3 tile rows (the last of 1).
    const [n, h, ci, co] = [5, 8, 4, 8];
    let next = 13 << 20;
    const take = (bytes: number) => { const at = next; next += Math.ceil(bytes / 64) * 64; return at; };
    const [x, dy, padded] = [take(n * h * h * ci * 4), take(n * h * h * co * 4), take(n * (h + 2) * (h + 2) * ci * 4)];
    fill(x, n * h * h * ci, 30);
    fill(dy, n * h * h * co, 31);
    const [tiles, bandRows] = [h / 2, 3];
    const planeFloats = planeTiles(bandRows * tiles);
    const scratch = () => ({ v: take(16 * planeFloats * ci * 4), g: take(16 * planeFloats * co * 4), du: take(16 * ci * co * 4), table: take(16) });
    const [whole, mine, theirs] = [scratch(), scratch(), scratch()];
    const xImage = (h + 2) * (h + 2) * ci * 4;
    const share = (s: ReturnType<typeof scratch>, [first, count]: [number, number]): ConvTask => {
      new Float32Array(memory.buffer, s.du, 16 * ci * co).fill(0);
      return {
        kind: TASK_WINOGRAD_FILTER_GRAD, relaxed: false,
        args: winogradFilterGradShareArgs({
          x: padded + first * xImage, xImage, xRow: (h + 2) * ci * 4, dy: dy + first * h * h * co * 4, dyImage: h * h * co * 4, dyRow: h * co * 4,
          images: count, tilesHigh: tiles, tilesWide: tiles, bandRows, inChannels: ci, outChannels: co,
          v: s.v, g: s.g, gPlane: planeFloats * co * 4, du: s.du, uPlane: ci * co * 4, table: s.table,
        }, { source: x + first * h * h * ci * 4, height: h, width: h, channels: ci, paddedHeight: h + 2, paddedWidth: h + 2, padTop: 1, padLeft: 1 }),
      };
    };
    const one = share(whole, [0, n]);
    runConvTask(memory, one.kind, one.relaxed, one.args);
    const shares = imageShares(n, 2);
    runShared(memory, helper(), [share(mine, shares[0]), share(theirs, shares[1])]);
    const f32 = (at: number) => new Float32Array(memory.buffer, at, 16 * ci * co);
    const [expected, a, b] = [f32(whole.du), f32(mine.du), f32(theirs.du)];
    expect(b.some((v) => v !== 0)).toBe(true);
    for (let i = 0; i < expected.length; i++) expect(Math.abs(a[i] + b[i] - expected[i])).toBeLessThan(1e-4);
  });
});
