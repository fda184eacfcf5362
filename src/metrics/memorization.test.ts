import { describe, expect, it } from 'vitest';
import { generatePhantoms } from '../data/phantom';
import { auditByFeatures, auditMemorization, percentileOf } from './memorization';
import type { ImageStack } from './types';

const SIZE = 32;
const PX = SIZE * SIZE;

function phantoms(count: number, seed: number): ImageStack {
  return { data: generatePhantoms({ modality: 'head-ct', size: SIZE, count, seed }).images, count, width: SIZE, height: SIZE };
}

/** Honest "synthetic" images (new draws of the same distribution) with training copies planted at known slots. */
function withPlantedCopies(honest: ImageStack, train: ImageStack, copies: { slot: number; trainIndex: number }[]): ImageStack {
  const data = new Uint8Array((honest.count + copies.length) * PX);
  let src = 0;
  let dst = 0;
  const bySlot = new Map(copies.map((c) => [c.slot, c.trainIndex]));
  for (let s = 0; s < honest.count + copies.length; s++) {
    const t = bySlot.get(s);
    if (t !== undefined) data.set(train.data.subarray(t * PX, (t + 1) * PX), dst);
    else data.set(honest.data.subarray(src * PX, (src++ + 1) * PX), dst);
    dst += PX;
  }
  return { data, count: honest.count + copies.length, width: SIZE, height: SIZE };
}

describe('memorisation audit', () => {
  const train = phantoms(400, 11);
  const validation = phantoms(200, 12);
  const honest = phantoms(200, 13);
  const copies = [
    { slot: 3, trainIndex: 0 },
    { slot: 50, trainIndex: 123 },
    { slot: 99, trainIndex: 250 },
    { slot: 150, trainIndex: 399 },
    { slot: 204, trainIndex: 77 },
  ];
  const synthetic = withPlantedCopies(honest, train, copies);

  it('flags all 5 planted training copies and ~1 % of new images, by SSIM and by radiomics', () => {
    const result = auditMemorization({ train, validation, synthetic });
    for (const audit of [result.ssim, result.features]) {
      const flaggedSlots = new Map(audit.flagged.map((f) => [f.synthetic, f]));
      for (const c of copies) {
        const hit = flaggedSlots.get(c.slot);
        expect(hit, `${audit.method}: planted slot ${c.slot}`).toBeDefined();
        expect(hit!.train).toBe(c.trainIndex);
        expect(hit!.distance).toBeLessThan(1e-9);
      }
      // Calibration set: by construction at most 1 % lies below its own 1st percentile.
      const validationFlagged = audit.validationDistance.filter((d) => d < audit.threshold).length;
      expect(validationFlagged / validation.count).toBeLessThanOrEqual(0.01);
      // Fresh held-out images: the false-positive rate is 1 % in expectation, but a count out of
      // 200 is binomial (sd 0.7 %), so "<= 1 %" on one draw would be luck. 2.5 % is the 95 %
      // upper bound of Binomial(200, 0.01) / 200: a broken threshold fails it, noise does not.
      const wrong = audit.flagged.filter((f) => !copies.some((c) => c.slot === f.synthetic)).length;
      expect(wrong / honest.count, `${audit.method}: honest images flagged`).toBeLessThanOrEqual(0.025);
      expect(audit.threshold).toBeGreaterThan(0);
      expect(audit.n).toEqual({ train: 400, validation: 200, synthetic: 205 });
      expect(audit.fractionFlagged).toBeCloseTo(audit.flagged.length / 205, 15);
    }
    // Exhaustive SSIM search must agree with the candidate re-ranking on the planted copies.
    const exhaustive = auditMemorization({ train, validation: phantoms(20, 14), synthetic: withPlantedCopies(phantoms(5, 15), train, [{ slot: 1, trainIndex: 0 }, { slot: 4, trainIndex: 123 }]) }, { candidates: Infinity, features: 'pixels' });
    expect(exhaustive.ssim.flagged.map((f) => f.train).sort((a, b) => a - b)).toEqual([0, 123]);
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
});
