import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from './checkpointCodec';
import type { ModelState } from '../../models/types';

const state: ModelState = {
  format: 'phantom-studio/model-state',
  version: 1,
  kind: 'dcgan',
  config: {} as ModelState['config'],
  step: 3,
  extra: {},
  tensors: [
    { name: 'a', shape: [2, 3], dtype: 'float32', data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    { name: 'b', shape: [1], dtype: 'float32', data: Float32Array.of(7) },
  ],
};

describe('decoding a checkpoint in place (the run-file export)', () => {
  it('copies by default, and with alias gives views of the bytes (same values) so a 300 MB checkpoint is not held twice', () => {
    const bytes = encodeState(state);
    const copied = decodeState(bytes);
    const aliased = decodeState(bytes, 'checkpoint', { alias: true });
    for (const decoded of [copied, aliased]) expect(decoded.tensors.map((t) => Array.from(t.data))).toEqual([[1, 2, 3, 4, 5, 6], [7]]);
    expect(copied.tensors[0].data.buffer).not.toBe(bytes.buffer);
    expect(aliased.tensors[0].data.buffer).toBe(bytes.buffer);
    // A misaligned view cannot back a Float32Array: it falls back to a copy.
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const fallback = decodeState(shifted.subarray(1), 'checkpoint', { alias: true });
    expect(fallback.tensors[1].data[0]).toBe(7);
    expect(fallback.tensors[0].data.buffer).not.toBe(shifted.buffer);
  });
});
