import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { generatePhantoms, PHANTOM_MODALITIES, PHANTOM_SIZES, type PhantomModality } from './phantom';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function meanOf(images: Uint8Array, size: number, labels: Uint8Array, label: number): Float64Array {
  const pixels = size * size;
  const mean = new Float64Array(pixels);
  let n = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== label) continue;
    n++;
    for (let p = 0; p < pixels; p++) mean[p] += images[i * pixels + p];
  }
  return mean.map((v) => v / n);
}

describe('procedural phantoms', () => {
  it.each(PHANTOM_MODALITIES)('%s: the same seed gives the same bytes, another seed other bytes', (modality) => {
    const a = generatePhantoms({ modality, size: 32, count: 12, seed: 7 });
    const b = generatePhantoms({ modality, size: 32, count: 12, seed: 7 });
    const c = generatePhantoms({ modality, size: 32, count: 12, seed: 8 });
    expect(sha(a.images)).toBe(sha(b.images));
    expect(sha(a.images)).not.toBe(sha(c.images));
  });

  it('generating in chunks with an offset equals generating at once', () => {
    const whole = generatePhantoms({ modality: 'head-ct', size: 32, count: 10, seed: 3 });
    const first = generatePhantoms({ modality: 'head-ct', size: 32, count: 4, seed: 3 });
    const rest = generatePhantoms({ modality: 'head-ct', size: 32, count: 6, seed: 3, offset: 4 });
    const joined = new Uint8Array(whole.images.length);
    joined.set(first.images);
    joined.set(rest.images, first.images.length);
    expect(sha(joined)).toBe(sha(whole.images));
    expect([...first.labels, ...rest.labels]).toEqual([...whole.labels]);
  });

  it.each(PHANTOM_SIZES.map((s) => [s] as const))('size %i: shape, balance, range and variety', (size) => {
    for (const modality of PHANTOM_MODALITIES) {
      const set = generatePhantoms({ modality, size, count: 9, seed: 1 });
      expect(set.images.length).toBe(9 * size * size);
      const ones = set.labels.reduce((s, v) => s + v, 0);
      expect(Math.abs(ones - (9 - ones))).toBeLessThanOrEqual(1);
      let min = 255;
      let max = 0;
      for (const v of set.images) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      // Uses the dynamic range without being saturated or blank.
      expect(min).toBeLessThan(30);
      expect(max).toBeGreaterThan(180);
      // No two images are identical.
      const hashes = new Set(Array.from({ length: 9 }, (_, i) => sha(set.images.subarray(i * size * size, (i + 1) * size * size))));
      expect(hashes.size).toBe(9);
    }
  });

  it.each(PHANTOM_MODALITIES)('%s: the lesion class differs from the normal class in mean image', (modality: PhantomModality) => {
    const size = 32;
    const set = generatePhantoms({ modality, size, count: 200, seed: 11 });
    const normal = meanOf(set.images, size, set.labels, 0);
    const lesion = meanOf(set.images, size, set.labels, 1);
    let sumNormal = 0;
    let sumLesion = 0;
    for (let p = 0; p < normal.length; p++) {
      sumNormal += normal[p];
      sumLesion += lesion[p];
    }
    // Lesions add density: brighter on average by a margin larger than sampling noise.
    expect(sumLesion / normal.length - sumNormal / normal.length).toBeGreaterThan(1.5);
  });

  it('rejects bad requests with a clear message', () => {
    expect(() => generatePhantoms({ modality: 'mri' as PhantomModality, size: 32, count: 1, seed: 1 })).toThrow(/modality "mri"/);
    expect(() => generatePhantoms({ modality: 'head-ct', size: 48 as 32, count: 1, seed: 1 })).toThrow(/size 48/);
    expect(() => generatePhantoms({ modality: 'head-ct', size: 32, count: 0, seed: 1 })).toThrow(/count/);
  });
});
