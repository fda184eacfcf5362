import { describe, expect, it } from 'vitest';
import { Random } from '../../data/random';
import { generatePhantoms } from '../../data/phantom';
import { FirstOrderCalculator } from './firstOrder';
import { GlcmAngleMean } from './glcm';
import { GldmCalculator } from './gldm';
import { GlrlmCalculator } from './glrlm';
import { GlszmCalculator } from './glszm';
import { quantiseFixed } from './quantise';
import { TexturePass } from './texturePass';

/** Levels drawn in blocks, so that runs and zones of every size (up to the whole image) occur. */
function blockyImage(width: number, height: number, levels: number, rng: Random, blockChance: number): Uint8Array {
  const image = new Uint8Array(width * height);
  let current = rng.int(levels);
  for (let p = 0; p < image.length; p++) {
    if (rng.next() < blockChance) current = rng.int(levels);
    image[p] = current;
  }
  return image;
}

const cases: { name: string; width: number; height: number; levels: number; image: (rng: Random) => Uint8Array }[] = [
  { name: 'noise 17x13, 32 levels', width: 17, height: 13, levels: 32, image: (rng) => blockyImage(17, 13, 32, rng, 1) },
  { name: 'blocky 40x23, 5 levels', width: 40, height: 23, levels: 5, image: (rng) => blockyImage(40, 23, 5, rng, 0.05) },
  { name: 'two levels 64x64 (zones above the small-zone table)', width: 64, height: 64, levels: 2, image: (rng) => blockyImage(64, 64, 2, rng, 0.002) },
  { name: 'flat 8x8', width: 8, height: 8, levels: 32, image: () => new Uint8Array(64).fill(7) },
  { name: 'one row 9x1', width: 9, height: 1, levels: 4, image: (rng) => blockyImage(9, 1, 4, rng, 0.5) },
  { name: 'one column 1x9', width: 1, height: 9, levels: 4, image: (rng) => blockyImage(1, 9, 4, rng, 0.5) },
  {
    name: 'head-CT phantom 64x64',
    width: 64,
    height: 64,
    levels: 32,
    image: () => quantiseFixed(generatePhantoms({ modality: 'head-ct', size: 64, count: 1, seed: 4 }).images, 0, 256, 32),
  },
];

describe('one shared pass equals the per-family texture calculators', () => {
  for (const c of cases) {
    it(c.name, () => {
      const rng = new Random(11);
      const pass = new TexturePass(c.width, c.height, c.levels);
      // Twice through the same pass object: scratch must not leak from one image into the next.
      for (let round = 0; round < 3; round++) {
        const image = c.image(rng);
        const fused = pass.compute(image);
        // Same counts, summed in the same order: identical to the bit.
        expect(fused.glcm).toEqual(new GlcmAngleMean(c.width, c.height, c.levels).compute(image));
        expect(fused.gldm).toEqual(new GldmCalculator(c.width, c.height, c.levels).compute(image));
        expect(fused.glszm).toEqual(new GlszmCalculator(c.width, c.height, c.levels).compute(image));
        // GLRLM sums its runs in (level, length) order rather than first-seen order: round-off only.
        const reference = new GlrlmCalculator(c.width, c.height, c.levels).compute(image);
        for (const key of Object.keys(reference) as (keyof typeof reference)[]) {
          expect(Math.abs(fused.glrlm[key] - reference[key]), key).toBeLessThanOrEqual(1e-14 * Math.abs(reference[key]));
        }
      }
    });
  }
});

/** numpy.percentile with linear interpolation, by sorting. */
function sortedPercentile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

describe('first-order percentiles from bucketed order statistics', () => {
  const draws: { name: string; values: (rng: Random) => Float64Array }[] = [
    { name: 'normal, 4096 values', values: (rng) => Float64Array.from({ length: 4096 }, () => rng.normal()) },
    // Heavy ties and a long tail: most values in one bucket, as in a CT background or a LoG response.
    { name: 'mostly zeros with outliers', values: (rng) => Float64Array.from({ length: 1024 }, () => (rng.next() < 0.8 ? 0 : rng.normal() ** 3 * 100)) },
    { name: 'few distinct values', values: (rng) => Float64Array.from({ length: 333 }, () => rng.int(3) / 7) },
    { name: 'tiny n = 2', values: (rng) => Float64Array.from({ length: 2 }, () => rng.normal()) },
    { name: 'tiny n = 5', values: (rng) => Float64Array.from({ length: 5 }, () => rng.normal()) },
    { name: 'constant', values: () => new Float64Array(50).fill(0.25) },
  ];
  for (const d of draws) {
    it(d.name, () => {
      const rng = new Random(3);
      for (let round = 0; round < 5; round++) {
        const values = d.values(rng);
        const f = new FirstOrderCalculator(values.length, 2).compute(values, new Uint8Array(values.length));
        expect(f.percentile10).toBe(sortedPercentile(values, 10));
        expect(f.median).toBe(sortedPercentile(values, 50));
        expect(f.percentile90).toBe(sortedPercentile(values, 90));
        expect(f.interquartileRange).toBe(sortedPercentile(values, 75) - sortedPercentile(values, 25));
      }
    });
  }
});
