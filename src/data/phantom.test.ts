import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { generatePhantoms, PHANTOM_MODALITIES, PHANTOM_SIZES, type PhantomModality } from './phantom';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Held-out accuracy of an L2-regularised logistic regression on 2×2-pooled pixels and their
 * squares (squares let a linear model see "somewhere is much brighter than usual").
 */
function linearProbeAccuracy(trainSet: { images: Uint8Array; labels: Uint8Array }, testSet: typeof trainSet, size: number): number {
  const half = size / 2;
  const features = (images: Uint8Array, i: number): Float64Array => {
    const f = new Float64Array(2 * half * half + 1);
    for (let y = 0; y < half; y++) {
      for (let x = 0; x < half; x++) {
        const o = i * size * size;
        const v = (images[o + 2 * y * size + 2 * x] + images[o + 2 * y * size + 2 * x + 1] + images[o + (2 * y + 1) * size + 2 * x] + images[o + (2 * y + 1) * size + 2 * x + 1]) / 1020;
        f[y * half + x] = v;
        f[half * half + y * half + x] = v * v;
      }
    }
    f[2 * half * half] = 1;
    return f;
  };
  const xs = Array.from(trainSet.labels, (_, i) => features(trainSet.images, i));
  const w = new Float64Array(xs[0].length);
  for (let epoch = 0; epoch < 300; epoch++) {
    const grad = new Float64Array(w.length);
    xs.forEach((x, i) => {
      let z = 0;
      for (let k = 0; k < w.length; k++) z += w[k] * x[k];
      const err = 1 / (1 + Math.exp(-z)) - trainSet.labels[i];
      for (let k = 0; k < w.length; k++) grad[k] += err * x[k];
    });
    for (let k = 0; k < w.length; k++) w[k] -= 0.5 * (grad[k] / xs.length + 1e-3 * w[k]);
  }
  let correct = 0;
  for (let i = 0; i < testSet.labels.length; i++) {
    const x = features(testSet.images, i);
    let z = 0;
    for (let k = 0; k < w.length; k++) z += w[k] * x[k];
    if ((z > 0 ? 1 : 0) === testSet.labels[i]) correct++;
  }
  return correct / testSet.labels.length;
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

  it.each(PHANTOM_MODALITIES)('%s: the lesion is a learnable signal (linear probe on held-out images)', (modality: PhantomModality) => {
    const size = 32;
    const train = generatePhantoms({ modality, size, count: 400, seed: 11 });
    const test = generatePhantoms({ modality, size, count: 200, seed: 12 });
    expect(linearProbeAccuracy(train, test, size)).toBeGreaterThan(0.75);
  });

  it('rejects bad requests with a clear message', () => {
    expect(() => generatePhantoms({ modality: 'mri' as PhantomModality, size: 32, count: 1, seed: 1 })).toThrow(/modality "mri"/);
    expect(() => generatePhantoms({ modality: 'head-ct', size: 48 as 32, count: 1, seed: 1 })).toThrow(/size 48/);
    expect(() => generatePhantoms({ modality: 'head-ct', size: 32, count: 0, seed: 1 })).toThrow(/count/);
  });
});
