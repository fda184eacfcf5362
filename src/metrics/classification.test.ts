import { describe, expect, it } from 'vitest';
import { argmaxRows, bootstrapInterval, confusionMatrix, figuresFromConfusion, meanStd, pairedTInterval, quantileSorted, rocCurve, tQuantile975 } from './classification';

// Reference values computed independently with NumPy 1.x (/usr/bin/python3): AUC by counting every
// positive–negative pair (ties half), argmax by np.argmax, the t quantile by integrating Student's
// density numerically, the interval as mean ± t·s/√n with s = np.std(ddof=1).
const LABELS = [0, 1, 2, 0, 1, 2, 0, 0, 1, 2, 2, 1, 0, 1, 2, 0, 1, 1, 2, 0];
const PROBS = [0.4, 0.3, 0.3, 0.1, 0.5, 0.4, 0.0, 0.4, 0.6, 0.6, 0.2, 0.2, 0.1, 0.6, 0.3, 0.2, 0.3, 0.5, 0.5, 0.4, 0.1, 0.5, 0.4, 0.0, 0.0, 0.7, 0.3, 0.3, 0.2, 0.4, 0.4, 0.2, 0.5, 0.1, 0.8, 0.1, 0.5, 0.0, 0.5, 0.1, 0.5, 0.5, 0.2, 0.3, 0.5, 0.7, 0.0, 0.3, 0.2, 0.6, 0.2, 0.4, 0.4, 0.2, 0.2, 0.1, 0.7, 0.4, 0.4, 0.2];
const NUMPY_AUC = [0.978021978021978, 0.978021978021978, 0.9345238095238095];
const NUMPY_ARGMAX = [0, 1, 2, 0, 1, 2, 0, 0, 1, 2, 2, 1, 0, 1, 2, 0, 1, 0, 2, 0];

describe('confusion matrix figures', () => {
  it('match a hand-computed binary case', () => {
    // TP 3, FN 1, FP 2, TN 4 for class 1.
    const m = confusionMatrix([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], [1, 1, 1, 0, 0, 0, 0, 0, 1, 1], 2);
    expect(m).toEqual([[4, 2], [1, 3]]);
    const f = figuresFromConfusion(m);
    expect(f.accuracy).toBeCloseTo(0.7, 12);
    expect(f.perClass[1].sensitivity).toBeCloseTo(0.75, 12);
    expect(f.perClass[1].specificity).toBeCloseTo(4 / 6, 12);
    expect(f.perClass[1].precision).toBeCloseTo(0.6, 12);
    expect(f.perClass[1].f1).toBeCloseTo((2 * 0.6 * 0.75) / 1.35, 12);
    expect(f.perClass[0].sensitivity).toBeCloseTo(4 / 6, 12);
    expect(f.perClass[0].precision).toBeCloseTo(0.8, 12);
    expect(f.balancedAccuracy).toBeCloseTo((0.75 + 4 / 6) / 2, 12);
    expect(f.macroF1).toBeCloseTo(((2 * 0.8 * (4 / 6)) / (0.8 + 4 / 6) + (2 * 0.6 * 0.75) / 1.35) / 2, 12);
  });

  it('match a hand-computed three-class case, with a class never predicted', () => {
    // true 0: 2 → 0, 1 → 1; true 1: 3 → 1; true 2: 1 → 0, 1 → 1 (class 2 never predicted)
    const m = confusionMatrix([0, 0, 0, 1, 1, 1, 2, 2], [0, 0, 1, 1, 1, 1, 0, 1], 3);
    expect(m).toEqual([[2, 1, 0], [0, 3, 0], [1, 1, 0]]);
    const f = figuresFromConfusion(m);
    expect(f.accuracy).toBeCloseTo(5 / 8, 12);
    expect(f.balancedAccuracy).toBeCloseTo((2 / 3 + 1 + 0) / 3, 12);
    expect(f.perClass[2].precision).toBeNaN();
    expect(f.perClass[2].sensitivity).toBe(0);
    expect(f.perClass[2].specificity).toBe(1);
    expect(f.perClass[1].precision).toBeCloseTo(3 / 5, 12);
    expect(f.perClass[1].specificity).toBeCloseTo(3 / 5, 12);
    // An undefined F1 counts 0 in the macro mean (as scikit-learn's zero_division=0).
    expect(f.macroF1).toBeCloseTo(((2 * (2 / 3) * (2 / 3)) / (4 / 3) + (2 * 0.6 * 1) / 1.6 + 0) / 3, 12);
  });

  it('argmax agrees with numpy, ties to the lower class', () => {
    expect(Array.from(argmaxRows(PROBS, 3))).toEqual(NUMPY_ARGMAX);
  });
});

describe('ROC', () => {
  it('AUC per class equals the pairwise count computed with numpy, ties included', () => {
    for (let c = 0; c < 3; c++) expect(rocCurve(LABELS, PROBS, 3, c)!.auc).toBeCloseTo(NUMPY_AUC[c], 12);
  });

  it('the curve runs from (0,0) to (1,1), never decreasing', () => {
    const curve = rocCurve(LABELS, PROBS, 3, 2)!;
    expect([curve.fpr[0], curve.tpr[0]]).toEqual([0, 0]);
    expect([curve.fpr.at(-1), curve.tpr.at(-1)]).toEqual([1, 1]);
    for (let i = 1; i < curve.fpr.length; i++) {
      expect(curve.fpr[i]).toBeGreaterThanOrEqual(curve.fpr[i - 1]);
      expect(curve.tpr[i]).toBeGreaterThanOrEqual(curve.tpr[i - 1]);
    }
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 for all ties, null without negatives', () => {
    expect(rocCurve([0, 0, 1, 1], [0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.2, 0.8], 2, 1)!.auc).toBe(1);
    expect(rocCurve([1, 1, 0, 0], [0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.2, 0.8], 2, 1)!.auc).toBe(0);
    expect(rocCurve([0, 0, 1, 1], new Array(8).fill(0.5), 2, 1)!.auc).toBe(0.5);
    expect(rocCurve([1, 1], [0.2, 0.8, 0.3, 0.7], 2, 1)).toBeNull();
  });
});

describe('intervals', () => {
  it('mean ± sample std', () => {
    const s = meanStd([0.012, -0.004, 0.02, 0.007, -0.001]);
    expect(s.mean).toBeCloseTo(0.0068, 12);
    expect(s.std).toBeCloseTo(0.00973139250056229, 12);
    expect(meanStd([0.5]).std).toBe(0);
  });

  it('the t quantile matches numerical integration of the t density', () => {
    expect(tQuantile975(4)).toBeCloseTo(2.77637, 3);
    expect(tQuantile975(40)).toBeCloseTo(2.02104, 3);
    expect(tQuantile975(100)).toBeCloseTo(1.98394, 3);
  });

  it('the paired t interval over 5 seeds matches numpy', () => {
    const i = pairedTInterval([0.012, -0.004, 0.02, 0.007, -0.001]);
    expect(i.low).toBeCloseTo(-0.005282792861689138, 5);
    expect(i.high).toBeCloseTo(0.01888279286168914, 5);
    expect(pairedTInterval([0.3]).low).toBeNaN();
  });

  it('numpy-style quantiles', () => {
    // np.quantile([1, 2, 3, 4], [0.025, 0.5, 0.975]) = [1.075, 2.5, 3.925]
    expect(quantileSorted([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12);
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantileSorted([1, 2, 3, 4], 0.975)).toBeCloseTo(3.925, 12);
  });

  it('the bootstrap interval of a proportion is close to the normal approximation, and seeded', () => {
    const hits = Array.from({ length: 400 }, (_, i) => (i < 240 ? 1 : 0));
    const mean = (idx: Int32Array) => idx.reduce((s, i) => s + hits[i], 0) / idx.length;
    const b = bootstrapInterval(400, mean, { resamples: 2000, seed: 3 });
    const half = 1.96 * Math.sqrt((0.6 * 0.4) / 400);
    expect(b.mean).toBe(0.6);
    expect(b.low).toBeCloseTo(0.6 - half, 2);
    expect(b.high).toBeCloseTo(0.6 + half, 2);
    expect(bootstrapInterval(400, mean, { resamples: 2000, seed: 3 })).toEqual(b);
    const constant = bootstrapInterval(50, () => 0.25);
    expect([constant.low, constant.high]).toEqual([0.25, 0.25]);
  });
});
