import { describe, expect, it } from 'vitest';
import { defaultWasmThreads, wasmThreadsNote } from './wasmThreads';

describe('defaultWasmThreads', () => {
  it('uses every logical core up to tfjs’s cap of 4', () => {
    expect(defaultWasmThreads(1)).toBe(1);
    // tfjs's own default would be 1 here (half the cores); two measured faster on the bench machine.
    expect(defaultWasmThreads(2)).toBe(2);
    expect(defaultWasmThreads(3)).toBe(3);
    expect(defaultWasmThreads(16)).toBe(4);
  });

  it('falls back to one thread when the core count is unknown', () => {
    expect(defaultWasmThreads(Number.NaN)).toBe(1);
    expect(defaultWasmThreads(0)).toBe(1);
  });
});

describe('wasmThreadsNote', () => {
  it('says why the backend is single-threaded on a page without cross-origin isolation', () => {
    const note = wasmThreadsNote(1, false, 16);
    expect(note).toMatch(/^single-threaded: this page is not cross-origin isolated/);
    expect(note).toContain('Cross-Origin-Embedder-Policy');
  });

  it('names the thread count and the core count on an isolated page', () => {
    expect(wasmThreadsNote(4, true, 16)).toMatch(/^4 wasm threads: one per logical core of this machine's 16 logical cores, at most 4/);
    expect(wasmThreadsNote(2, true, 2)).toMatch(/^2 wasm threads: one per logical core of this machine's 2 logical cores/);
  });

  it('copes with an unknown core count', () => {
    expect(wasmThreadsNote(1, true, Number.NaN)).toContain('an unknown number of cores');
  });
});
