import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256Stream } from './sha256Stream';

describe('Sha256Stream', () => {
  it('matches node:crypto for lengths around the block and padding edges, fed in uneven pieces', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37 + 11) & 255);
    for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 999]) {
      const bytes = data.subarray(0, n);
      const stream = new Sha256Stream();
      for (let i = 0; i < n; i += 7 + (i % 50)) stream.update(bytes.subarray(i, Math.min(n, i + 7 + (i % 50))));
      expect(stream.digest(), `length ${n}`).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('matches the FIPS 180-4 test vector for "abc"', () => {
    expect(new Sha256Stream().update(new TextEncoder().encode('abc')).digest()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
