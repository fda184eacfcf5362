import { describe, expect, it } from 'vitest';
import { summarise, summariseLikelyCopies } from './evaluationJob';
import type { AuditResult, CombinedAudit } from '../metrics/memorization';

describe('memorisation audit summaries', () => {
  const trainIndex = Int32Array.from({ length: 400 }, (_, i) => 1000 + i);

  it('keep every flagged pair (320 of them), closest first, with dataset indices', () => {
    const flagged = Array.from({ length: 320 }, (_, i) => ({ synthetic: i, train: i % 400, distance: (320 - i) / 1000 }));
    const result: AuditResult = {
      method: 'ssim',
      threshold: 0.5,
      percentile: 1,
      flagged,
      fractionFlagged: 0.64,
      nearestTrain: new Int32Array(500),
      nearestDistance: Float64Array.from({ length: 500 }, (_, i) => i / 1000),
      validationDistance: Float64Array.from({ length: 50 }, (_, i) => i / 100),
      n: { train: 400, validation: 50, synthetic: 500 },
      warnings: [],
    };
    const summary = summarise(result, trainIndex);
    expect(summary.flaggedCount).toBe(320);
    expect(summary.pairs).toHaveLength(320);
    expect(summary.pairs[0]).toEqual({ synthetic: 319, train: 1319, distance: 1 / 1000 });
  });

  it('keep every likely copy', () => {
    const flagged = Array.from({ length: 100 }, (_, i) => ({ synthetic: i, ssim: { train: i, distance: 0.01 }, features: { train: i + 1, distance: 0.2 }, relativeDistance: i / 100 }));
    const combined: CombinedAudit = { flagged, fractionFlagged: 0.2, validationFractionFlagged: 0, thresholds: { ssim: 0.1, features: 1 }, percentile: 1, n: { train: 400, validation: 50, synthetic: 500 } };
    const summary = summariseLikelyCopies(combined, trainIndex);
    expect(summary.pairs).toHaveLength(100);
    expect(summary.pairs[99]).toMatchObject({ synthetic: 99, train: 1099, featuresTrain: 1100 });
  });
});
