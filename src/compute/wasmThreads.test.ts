import { describe, expect, it } from 'vitest';
import { defaultWasmThreadPlan, poolWithHelpers, wasmThreadsNote } from './wasmThreads';

describe('defaultWasmThreadPlan', () => {
  it('runs one thread per logical core: helpers on all but one (at most 3), the XNNPACK pool on the rest (1 to 4)', () => {
    expect(defaultWasmThreadPlan(1)).toEqual({ poolThreads: 1, simdHelpers: 0 });
    // 2 pool threads + 1 helper (3 threads on 2 cores) measured 12–15 % slower per DDPM-32 step than 1 + 1.
    expect(defaultWasmThreadPlan(2)).toEqual({ poolThreads: 1, simdHelpers: 1 });
    expect(defaultWasmThreadPlan(4)).toEqual({ poolThreads: 1, simdHelpers: 3 });
    expect(defaultWasmThreadPlan(6)).toEqual({ poolThreads: 3, simdHelpers: 3 });
    expect(defaultWasmThreadPlan(16)).toEqual({ poolThreads: 4, simdHelpers: 3 });
  });

  it('never plans more threads than cores, up to 7', () => {
    for (let cores = 1; cores <= 7; cores++) {
      const plan = defaultWasmThreadPlan(cores);
      expect(plan.poolThreads + plan.simdHelpers).toBe(cores);
    }
  });

  it('falls back to one thread when the core count is unknown', () => {
    expect(defaultWasmThreadPlan(Number.NaN)).toEqual({ poolThreads: 1, simdHelpers: 0 });
    expect(defaultWasmThreadPlan(0)).toEqual({ poolThreads: 1, simdHelpers: 0 });
  });
});

describe('poolWithHelpers', () => {
  it('keeps the bench rows of earlier runs: N pool threads and N − 1 helpers', () => {
    expect(poolWithHelpers(1)).toEqual({ poolThreads: 1, simdHelpers: 0 });
    expect(poolWithHelpers(2)).toEqual({ poolThreads: 2, simdHelpers: 1 });
    expect(poolWithHelpers(4)).toEqual({ poolThreads: 4, simdHelpers: 3 });
  });
});

describe('wasmThreadsNote', () => {
  it('says why the backend is single-threaded on a page without cross-origin isolation', () => {
    const note = wasmThreadsNote({ poolThreads: 1, simdHelpers: 0 }, false, 16);
    expect(note).toMatch(/^single-threaded: this page is not cross-origin isolated/);
    expect(note).toContain('Cross-Origin-Embedder-Policy');
  });

  it('names both kinds of thread and the core count on an isolated page', () => {
    expect(wasmThreadsNote({ poolThreads: 1, simdHelpers: 1 }, true, 2)).toBe(
      "2 wasm threads: 1 for tfjs's XNNPACK kernels and 1 helper for the studio's convolution and normalisation loops, " +
      "one thread per logical core of this machine's 2 logical cores (more threads than cores measured slower).");
    expect(wasmThreadsNote({ poolThreads: 4, simdHelpers: 3 }, true, 16)).toMatch(/^7 wasm threads: 4 for tfjs's XNNPACK kernels and 3 helpers/);
    expect(wasmThreadsNote({ poolThreads: 1, simdHelpers: 0 }, true, 1)).toMatch(/^1 wasm thread: 1 for tfjs's XNNPACK kernels and no helper threads/);
  });

  it('copes with an unknown core count', () => {
    expect(wasmThreadsNote({ poolThreads: 1, simdHelpers: 0 }, true, Number.NaN)).toContain('an unknown number of cores');
  });
});
