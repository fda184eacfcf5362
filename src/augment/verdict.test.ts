import { describe, expect, it } from 'vitest';
import type { ArmId, ArmReport, Comparison } from './augmentTypes';
import { describeVerdict, signedPoints } from './verdict';

const ms = (mean: number, std = 0.01) => ({ mean, std, n: 5 });
function arm(id: ArmId, balanced: number, sensitivity = [0.9, 0.9]): ArmReport {
  return {
    id,
    title: id,
    trainCounts: { real: [1, 1], synthetic: [0, 0] },
    seeds: [],
    summary: { balancedAccuracy: ms(balanced), accuracy: ms(balanced), macroAuc: ms(balanced), macroF1: ms(balanced) },
    perClass: sensitivity.map((s) => ({ sensitivity: ms(s), specificity: ms(s), precision: ms(s), f1: ms(s), auc: ms(s) })),
    confusion: [],
    cellImages: [],
    roc: [null, null],
    balancedAccuracyBootstrap: { mean: balanced, low: balanced, high: balanced, n: 1, method: 'bootstrap over test images' },
  };
}
function diff(from: ArmId, to: ArmId, mean: number, low: number, high: number, metric: Comparison['metric'] = 'balancedAccuracy', classIndex?: number): Comparison {
  return { label: `${to} − ${from}`, from, to, metric, classIndex, interval: { mean, low, high, n: 5, method: 't over seeds' }, perSeed: [] };
}

describe('the verdict', () => {
  it('signs points with a true minus', () => {
    expect(signedPoints(0.004)).toBe('+0.4');
    expect(signedPoints(-0.012)).toBe('−1.2');
    expect(signedPoints(-0.0001)).toBe('+0.0');
  });

  it('says "no evidence" when the interval spans zero, in the words of the issue', () => {
    const v = describeVerdict({ arms: [arm('A', 0.88), arm('B', 0.884), arm('C', 0.7)], comparisons: [diff('A', 'B', 0.004, -0.012, 0.02), diff('A', 'C', -0.18, -0.25, -0.11)], classNames: ['a', 'b'], rare: null, seeds: 5 });
    expect(v.tone).toBe('no-evidence');
    expect(v.headline).toBe('No evidence that adding synthetic images helps: balanced accuracy B − A = +0.4 points, 95 % CI −1.2 to +2.0 over 5 seeds.');
    expect(v.details[1]).toBe('Trained on synthetic images alone (Classification Accuracy Score), the classifier reaches 70.0 ± 1.0 %, below real-only training: C − A = −18.0 points, 95 % CI −25.0 to −11.0 over 5 seeds.');
  });

  it('says helped or hurt only when the whole interval is on one side of zero', () => {
    const base = { arms: [arm('A', 0.8), arm('B', 0.85), arm('C', 0.7)], classNames: ['a', 'b'], rare: null, seeds: 5 };
    expect(describeVerdict({ ...base, comparisons: [diff('A', 'B', 0.05, 0.01, 0.09)] }).headline).toMatch(/^Adding synthetic images helped: balanced accuracy B − A = \+5\.0 points, 95 % CI \+1\.0 to \+9\.0/);
    expect(describeVerdict({ ...base, comparisons: [diff('A', 'B', -0.05, -0.09, -0.01)] }).tone).toBe('hurt');
  });

  it('puts a near-chance real-only classifier first among the details', () => {
    const v = describeVerdict({ arms: [arm('A', 0.52), arm('B', 0.53)], comparisons: [diff('A', 'B', 0.01, -0.05, 0.07)], classNames: ['a', 'b'], rare: null, seeds: 3 });
    expect(v.details[0]).toMatch(/^Careful: the real-only classifier stays near chance \(52\.0 % balanced accuracy\)/);
  });

  it('rare mode names the class and the three sensitivities', () => {
    const v = describeVerdict({
      arms: [arm('A', 0.9, [0.9, 0.92]), arm('A-rare', 0.8, [0.6, 0.95]), arm('B-rare', 0.85, [0.75, 0.93])],
      comparisons: [diff('A', 'A-rare', -0.3, -0.4, -0.2, 'sensitivity', 0), diff('A-rare', 'B-rare', 0.15, 0.05, 0.25, 'sensitivity', 0)],
      classNames: ['normal', 'pneumonia'],
      rare: { classIndex: 0, fraction: 0.1 },
      seeds: 5,
    });
    expect(v.tone).toBe('helped');
    expect(v.headline).toBe('Synthetic images of the rare class helped: sensitivity for “normal” B-rare − A-rare = +15.0 points, 95 % CI +5.0 to +25.0 over 5 seeds.');
    expect(v.details[0]).toBe('With 10 % of its real training images, sensitivity for “normal” goes from 90.0 ± 1.0 % (A, full) to 60.0 ± 1.0 % (A, rare); topped up with synthetic “normal” images it is 75.0 ± 1.0 % (B, rare + synthetic).');
  });
});
