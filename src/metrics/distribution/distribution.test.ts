import { describe, expect, it } from 'vitest';
import { Random } from '../../data/random';
import { hasShared, readSharedJson } from '../../testing/sharedData';
import type { FeatureMatrix } from '../types';
import { TILE_ROWS } from '../linalg/dotTiles';
import { evaluateDistributions, frechetDistance, inceptionScore, kernelInceptionDistance, prdc } from './index';
import { resolveKidOptions } from './kid';
import { finishPairScans, kidAndPrdcScans, mergeWithin, pairScanSetup, scanCross, scanWithin, splitRows } from './pairScans';

interface PrdcGolden {
  precision: number;
  recall: number;
  density: number;
  coverage: number;
}
interface DistributionGolden {
  cases: { real: number[][]; fake: number[][]; frechet: number; frechet_self: number; kid_unbiased_full: number; prdc_k5: PrdcGolden; prdc_k3: PrdcGolden }[];
  inception_score: { probs: number[][]; splits1: [number, number]; splits10: [number, number] };
}

const toMatrix = (rows: number[][]): FeatureMatrix => ({ data: Float64Array.from(rows.flat()), rows: rows.length, cols: rows[0].length });

function gaussianSet(rows: number, cols: number, seed: number, shift = 0): FeatureMatrix {
  const rng = new Random(seed);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() + shift;
  return { data, rows, cols };
}

// Closed-form metrics in float64 on both sides: the reference uses scipy sqrtm, we use two
// symmetric eigendecompositions. Observed gaps are <= 4e-13 relative, so 1e-9 relative is 100x
// tighter than float32 round-off (1.2e-7) yet safe against summation order. PRDC values are
// ratios of integer counts, so they must match exactly (toBeCloseTo 12 digits).
const REL = 1e-9;
const closeRel = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(REL * Math.abs(expected));

describe.skipIf(!hasShared)('distribution metrics vs NumPy/SciPy golden values', () => {
  const golden = hasShared ? readSharedJson<DistributionGolden>('golden', 'distribution_metrics.json') : null;
  golden?.cases.forEach((c, index) => {
    const real = toMatrix(c.real);
    const fake = toMatrix(c.fake);
    it(`case ${index} (${real.rows}x${real.cols} vs ${fake.rows})`, () => {
      const all = evaluateDistributions(real, fake, { k: 5, kid: { subsets: 0 } });
      closeRel(all.frechet.value, c.frechet);
      closeRel(all.kid.full, c.kid_unbiased_full);
      for (const key of ['precision', 'recall', 'density', 'coverage'] as const) {
        expect(all.prdc[key]).toBeCloseTo(c.prdc_k5[key], 12);
      }
      const k3 = prdc(real, fake, { k: 3 });
      for (const key of ['precision', 'recall', 'density', 'coverage'] as const) expect(k3[key]).toBeCloseTo(c.prdc_k3[key], 12);
      // Self-distance: scipy leaves ~1e-9 of round-off; relative to the covariance trace ours must be as small.
      const self = frechetDistance(real, real);
      expect(Math.abs(self.value)).toBeLessThan(1e-9 * Math.abs(c.frechet) + 1e-8);
      expect(Math.abs(c.frechet_self)).toBeLessThan(1e-8);
    });
  });

  it('Inception Score with 1 and 10 splits', () => {
    const probs = toMatrix(golden!.inception_score.probs);
    const one = inceptionScore(probs, 1);
    closeRel(one.mean, golden!.inception_score.splits1[0]);
    expect(one.std).toBe(0);
    const ten = inceptionScore(probs, 10);
    closeRel(ten.mean, golden!.inception_score.splits10[0]);
    closeRel(ten.std, golden!.inception_score.splits10[1]);
  });
});

describe('distribution metric invariants', () => {
  const a = gaussianSet(300, 8, 1);
  const b = gaussianSet(300, 8, 2);

  it('Fréchet distance is zero against itself and grows with a mean shift of known size', () => {
    expect(Math.abs(frechetDistance(a, a).value)).toBeLessThan(1e-10);
    const shifted = { ...a, data: a.data.map((v) => v + 0.5) };
    // Same covariance, mean moved by 0.5 in each of 8 dims: exactly 8 * 0.25.
    expect(frechetDistance(a, shifted).value).toBeCloseTo(2, 9);
  });

  it('Fréchet distance handles rank-deficient covariances and says so', () => {
    const few = gaussianSet(5, 8, 3);
    const result = frechetDistance(few, b);
    expect(Number.isFinite(result.value)).toBe(true);
    expect(result.rank.real).toBe(4);
    expect(result.rank.fake).toBe(8);
    expect(result.warnings.join(' ')).toMatch(/real covariance is rank-deficient: rank 4 of 8/);
    const constant = { ...b, data: b.data.map((v, i) => (i % 8 === 0 ? 1 : v)) };
    const withConstant = frechetDistance(constant, b);
    expect(withConstant.rank.real).toBe(7);
    expect(withConstant.warnings.join(' ')).toMatch(/constant or collinear/);
  });

  it('KID is ~0 for two samples of one distribution and clearly positive for shifted ones', () => {
    const same = kernelInceptionDistance(a, b, { subsets: 20, subsetSize: 100, seed: 7 });
    const shifted = kernelInceptionDistance(a, gaussianSet(300, 8, 4, 0.5), { subsets: 20, subsetSize: 100, seed: 7 });
    expect(Math.abs(same.full)).toBeLessThan(0.02);
    expect(shifted.full).toBeGreaterThan(0.2);
    expect(Math.abs(same.subsets!.mean)).toBeLessThan(3 * same.subsets!.std + 0.01);
    expect(shifted.subsets!.mean).toBeGreaterThan(5 * shifted.subsets!.std);
    expect(kernelInceptionDistance(a, a, { subsets: 0 }).full).toBeLessThan(0);
  });

  it('KID subsets gathered during the scan equal sums over explicitly drawn subsets', () => {
    // Re-draw the subsets exactly as kid.ts does (seeded partial Fisher–Yates, real then fake).
    const x = gaussianSet(90, 6, 8);
    const y = gaussianSet(70, 6, 9, 0.3);
    const result = kernelInceptionDistance(x, y, { subsets: 40, subsetSize: 25, seed: 5 });
    const rng = new Random(5);
    const realPool = Int32Array.from({ length: 90 }, (_, i) => i);
    const fakePool = Int32Array.from({ length: 70 }, (_, i) => i);
    const draw = (pool: Int32Array) => {
      for (let i = 0; i < 25; i++) {
        const j = i + rng.int(pool.length - i);
        [pool[i], pool[j]] = [pool[j], pool[i]];
      }
      return Array.from(pool.subarray(0, 25));
    };
    const kernel = (a: FeatureMatrix, i: number, b: FeatureMatrix, j: number) => {
      let dot = 0;
      for (let c = 0; c < 6; c++) dot += a.data[i * 6 + c] * b.data[j * 6 + c];
      return (dot / 6 + 1) ** 3;
    };
    const values: number[] = [];
    for (let t = 0; t < 40; t++) {
      const xs = draw(realPool);
      const ys = draw(fakePool);
      let sxx = 0;
      let syy = 0;
      let sxy = 0;
      for (const i of xs) for (const j of xs) if (i !== j) sxx += kernel(x, i, x, j);
      for (const i of ys) for (const j of ys) if (i !== j) syy += kernel(y, i, y, j);
      for (const i of xs) for (const j of ys) sxy += kernel(x, i, y, j);
      values.push(sxx / (25 * 24) + syy / (25 * 24) - (2 * sxy) / (25 * 25));
    }
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
    expect(result.subsets!.mean).toBeCloseTo(mean, 12);
    expect(result.subsets!.std).toBeCloseTo(std, 12);
  });

  it('KID caps the subset size to the smaller set with a warning, and is seeded', () => {
    const small = gaussianSet(60, 8, 5);
    const r1 = kernelInceptionDistance(a, small, { subsets: 5, subsetSize: 1000, seed: 1 });
    expect(r1.subsets!.size).toBe(60);
    expect(r1.warnings.join(' ')).toMatch(/capped from 1000 to 60/);
    expect(r1.warnings.join(' ')).toMatch(/fake set has 60 samples/);
    expect(r1.n).toEqual({ real: 300, fake: 60 });
    expect(kernelInceptionDistance(a, small, { subsets: 5, subsetSize: 1000, seed: 1 }).subsets).toEqual(r1.subsets);
  });

  it('PRDC honours k: identical sets give 1s, and k changes the radii', () => {
    const self = prdc(a, a, { k: 5 });
    expect([self.precision, self.recall, self.coverage]).toEqual([1, 1, 1]);
    const k1 = prdc(a, b, { k: 1 });
    const k10 = prdc(a, b, { k: 10 });
    expect(k1.k).toBe(1);
    expect(k10.precision).toBeGreaterThan(k1.precision);
    expect(k10.recall).toBeGreaterThan(k1.recall);
    expect(() => prdc(gaussianSet(5, 8, 6), b, { k: 5 })).toThrow(/more than 5 real samples/);
  });

  it('the combined evaluator agrees with the standalone metrics', () => {
    const all = evaluateDistributions(a, b, { k: 4, kid: { subsets: 3, subsetSize: 50, seed: 3 } });
    expect(all.prdc).toEqual(prdc(a, b, { k: 4 }));
    expect(all.kid.full).toBeCloseTo(kernelInceptionDistance(a, b, { subsets: 0 }).full, 12);
    expect(all.kid.subsets).toEqual(kernelInceptionDistance(a, b, { subsets: 3, subsetSize: 50, seed: 3 }).subsets);
    expect(all.n).toEqual({ real: 300, fake: 300 });
    expect(all.warnings.length).toBeGreaterThan(0);
  });
});

describe('pairwise scans split by rows', () => {
  // Sizes that are not multiples of the 32-row blocks, and subsets drawn from both sets.
  const real = gaussianSet(203, 9, 21);
  const fake = gaussianSet(170, 9, 22, 0.2);
  const setup = pairScanSetup(real, fake, 4, resolveKidOptions({ subsets: 7, subsetSize: 60, seed: 9 }, real.rows, fake.rows));
  const whole = kidAndPrdcScans(setup);

  it('cover every row once, on block boundaries, with about equal work', () => {
    for (const symmetric of [true, false]) {
      for (const parts of [1, 2, 3, 5, 100]) {
        const ranges = splitRows(203, parts, symmetric);
        expect(ranges[0].start).toBe(0);
        expect(ranges.at(-1)!.end).toBe(203);
        ranges.forEach((r, i) => {
          expect(r.start % TILE_ROWS).toBe(0);
          expect(r.end).toBeGreaterThan(r.start);
          if (i > 0) expect(r.start).toBe(ranges[i - 1].end);
        });
        expect(ranges.length).toBe(Math.min(parts, Math.ceil(203 / TILE_ROWS)));
      }
    }
    // A set against itself: the first rows meet the most partners, so the first range is the shortest.
    const [first, second] = splitRows(5000, 2, true);
    expect(first.end - first.start).toBeLessThan(second.end - second.start);
  });

  it('merge into exactly the single scan, in any number of parts', () => {
    for (const parts of [2, 3, 4]) {
      const realWithin = splitRows(real.rows, parts, true);
      const fakeWithin = splitRows(fake.rows, parts, true);
      const none = { start: 0, end: 0 };
      const within = mergeWithin(
        setup,
        Array.from({ length: parts }, (_, i) => scanWithin(setup, realWithin[i] ?? none, fakeWithin[i] ?? none)),
      );
      const ranges = splitRows(real.rows, parts, false);
      const merged = finishPairScans(setup, within, ranges.map((r) => scanCross(setup, within, r)), ranges);
      // toEqual compares numbers with Object.is: identical to the bit.
      expect(merged).toEqual(whole);
    }
    expect(whole.kid.subsets!.count).toBe(7);
    expect(whole.prdc.precision).toBeGreaterThan(0);
  });
});
