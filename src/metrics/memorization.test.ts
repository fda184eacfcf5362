import { describe, expect, it } from 'vitest';
import { generatePhantoms } from '../data/phantom';
import { Random } from '../data/random';
import { auditByFeatures, auditMemorization, combineAudits, percentileOf, type AuditResult } from './memorization';
import type { ImageStack } from './types';

const SIZE = 32;
const PX = SIZE * SIZE;

type ByteStack = ImageStack & { data: Uint8Array };

function phantoms(count: number, seed: number): ByteStack {
  return { data: generatePhantoms({ modality: 'head-ct', size: SIZE, count, seed }).images, count, width: SIZE, height: SIZE };
}

/** A training image with every pixel moved by -1, 0 or +1 grey level (clipped): a near copy. */
function perturbedCopy(train: ByteStack, index: number, seed: number): Uint8Array {
  const rng = new Random(seed);
  return Uint8Array.from(train.data.subarray(index * PX, (index + 1) * PX), (v) => Math.min(255, Math.max(0, v + rng.int(3) - 1)));
}

/** New images followed by the given planted images, so planted slot k sits at honest.count + k. */
function withPlanted(honest: ImageStack, planted: Uint8Array[]): ImageStack {
  const data = new Uint8Array((honest.count + planted.length) * PX);
  data.set(honest.data);
  planted.forEach((image, k) => data.set(image, (honest.count + k) * PX));
  return { data, count: honest.count + planted.length, width: SIZE, height: SIZE };
}

const flaggedAmongFirst = (audit: AuditResult, count: number) => audit.flagged.filter((f) => f.synthetic < count).length;

describe('memorisation audit', () => {
  // Calibration: 400 training and 200 held-out images. The fresh held-out images (another seed)
  // never touch the threshold: they measure the false-flag rate honestly, out of sample.
  const train = phantoms(400, 11);
  const validation = phantoms(200, 12);
  const fresh = phantoms(480, 13);
  const sources = [0, 123, 250, 399, 77];
  const exact = sources.map((t) => train.data.slice(t * PX, (t + 1) * PX));
  const perturbed = sources.map((t, k) => perturbedCopy(train, t, 100 + k));
  const synthetic = withPlanted(fresh, [...exact, ...perturbed]);

  it('flags every planted copy (exact and ±1 grey level) by both criteria, and at most 1 % of 480 fresh held-out images', () => {
    const result = auditMemorization({ train, validation, synthetic });
    const { combined } = result;
    const copies = new Map(combined.flagged.map((f) => [f.synthetic, f]));
    for (const [k, source] of [...sources, ...sources].entries()) {
      const hit = copies.get(fresh.count + k);
      expect(hit, `planted ${k < 5 ? 'exact' : 'perturbed'} copy of train #${source}`).toBeDefined();
      expect(hit!.ssim.train).toBe(source);
      expect(hit!.features.train).toBe(source);
      if (k < 5) expect(hit!.relativeDistance).toBeLessThan(1e-9);
    }
    // The bound, on images the threshold never saw: <= 1 % (at most 4 of 480) wrongly flagged.
    const wrong = combined.flagged.filter((f) => f.synthetic < fresh.count).length;
    console.info(
      `memorisation false flags among ${fresh.count} fresh held-out images: SSIM ${flaggedAmongFirst(result.ssim, fresh.count)}, features ${flaggedAmongFirst(result.features, fresh.count)}, both (likely copies) ${wrong}`,
    );
    expect(wrong / fresh.count).toBeLessThanOrEqual(0.01);
    expect(combined.flagged).toHaveLength(10 + wrong);
    expect(combined.fractionFlagged).toBeCloseTo((10 + wrong) / synthetic.count, 15);
    expect(combined.validationFractionFlagged).toBeLessThanOrEqual(0.01);
    expect(combined.n).toEqual({ train: 400, validation: 200, synthetic: 490 });

    for (const audit of [result.ssim, result.features]) {
      // Each criterion alone also catches the copies...
      const flagged = new Set(audit.flagged.map((f) => f.synthetic));
      for (let k = 0; k < 10; k++) expect(flagged.has(fresh.count + k), `${audit.method}: planted slot ${k}`).toBe(true);
      // ...and on its own calibration set flags at most its percentile, by construction.
      expect(audit.validationDistance.filter((d) => d < audit.threshold).length / validation.count).toBeLessThanOrEqual(0.01);
      // Out of sample a single criterion's rate is only 1 % in expectation (binomial noise plus the
      // noise of a 200-image percentile): a broken threshold would exceed 3 %, a sound one does not.
      expect(flaggedAmongFirst(audit, fresh.count) / fresh.count, `${audit.method}: fresh images flagged`).toBeLessThanOrEqual(0.03);
      expect(audit.threshold).toBeGreaterThan(0);
      expect(audit.n).toEqual({ train: 400, validation: 200, synthetic: 490 });
    }
    // The combined rule flags exactly the images both criteria flag.
    const both = result.ssim.flagged.filter((f) => result.features.flagged.some((g) => g.synthetic === f.synthetic)).map((f) => f.synthetic);
    expect(combined.flagged.map((f) => f.synthetic).sort((a, b) => a - b)).toEqual(both.sort((a, b) => a - b));
  });

  it('finds the same copies with an exhaustive SSIM search as with candidate re-ranking', () => {
    const planted = [0, 123].map((t) => train.data.slice(t * PX, (t + 1) * PX));
    const exhaustive = auditMemorization({ train, validation: phantoms(20, 14), synthetic: withPlanted(phantoms(5, 15), planted) }, { candidates: Infinity, features: 'pixels' });
    expect(exhaustive.ssim.flagged.map((f) => f.train).sort((a, b) => a - b)).toEqual([0, 123]);
    expect(exhaustive.combined.flagged.map((f) => f.synthetic).sort((a, b) => a - b)).toEqual([5, 6]);
    expect(exhaustive.ssim.warnings.join(' ')).toMatch(/too few/);
  });

  it('threshold is the percentile of validation distances (numpy linear interpolation)', () => {
    expect(percentileOf(Float64Array.of(4, 1, 3, 2, 5), 25)).toBe(2);
    expect(percentileOf(Float64Array.of(0, 10), 1)).toBeCloseTo(0.1, 15);
    const features = {
      train: { data: Float64Array.of(0, 0, 1, 0, 0, 1, 1, 1), rows: 4, cols: 2 },
      validation: { data: Float64Array.of(0.5, 0.5, 2, 2), rows: 2, cols: 2 },
      synthetic: { data: Float64Array.of(1, 1, 3, 3), rows: 2, cols: 2 },
    };
    const audit = auditByFeatures(features, { percentile: 50 });
    expect(audit.flagged).toEqual([{ synthetic: 0, train: 3, distance: 0 }]);
  });

  it('combines only audits of the same sets, flagging what is below both thresholds', () => {
    const audit = (method: 'ssim' | 'features', synthetic: number[], validation: number[], threshold: number): AuditResult => ({
      method,
      threshold,
      percentile: 1,
      flagged: [],
      fractionFlagged: 0,
      nearestTrain: Int32Array.from(synthetic, (_, i) => i),
      nearestDistance: Float64Array.from(synthetic),
      validationDistance: Float64Array.from(validation),
      n: { train: 9, validation: validation.length, synthetic: synthetic.length },
      warnings: [],
    });
    const ssim = audit('ssim', [0.01, 0.5, 0.01, 0.02], [0.05, 0.3, 0.04, 0.6], 0.1);
    const features = audit('features', [1, 1, 20, 4], [2, 1, 30, 40], 5);
    const combined = combineAudits(ssim, features);
    expect(combined.flagged.map((f) => f.synthetic)).toEqual([0, 3]);
    expect(combined.flagged[1]).toEqual({ synthetic: 3, ssim: { train: 3, distance: 0.02 }, features: { train: 3, distance: 4 }, relativeDistance: 0.8 });
    expect(combined.fractionFlagged).toBe(0.5);
    expect(combined.validationFractionFlagged).toBe(0.25);
    expect(() => combineAudits(ssim, audit('features', [1, 1, 1], [1, 1, 1, 1], 5))).toThrow(/different sets/);
    expect(() => combineAudits(features, ssim)).toThrow(/an SSIM audit and a feature audit/);
  });
});
