import { describe, expect, it } from 'vitest';
import { wasmThreadsNote } from './wasmThreadsNote';

describe('wasmThreadsNote', () => {
  it('says why the backend is single-threaded on a page without cross-origin isolation', () => {
    const note = wasmThreadsNote(1, false, 16);
    expect(note).toMatch(/^single-threaded: this page is not cross-origin isolated/);
    expect(note).toContain('Cross-Origin-Embedder-Policy');
  });

  it('names the thread count and the core count on an isolated page', () => {
    expect(wasmThreadsNote(4, true, 16)).toMatch(/^4 wasm threads: half of this machine's 16 logical cores/);
    expect(wasmThreadsNote(1, true, 2)).toMatch(/^1 wasm thread: half of this machine's 2 logical cores/);
  });

  it('copes with an unknown core count', () => {
    expect(wasmThreadsNote(1, true, Number.NaN)).toContain('an unknown number of cores');
  });
});
