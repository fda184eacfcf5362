import { describe, expect, it } from 'vitest';
import {
  binomialTestTwoSided,
  clopperPearson,
  cohenKappa,
  fleissKappa,
  rocAuc,
  summariseDetection,
  verdict,
  type ScoredAnswer,
} from './statistics';

// Reference values: exact sums with Python's math.comb (the scipy.stats.binomtest definition, two-sided
// "minlike"), Clopper–Pearson bounds by bisection on exact binomial tails, Fleiss' κ with numpy — all
// run independently of this code (/usr/bin/python3) and written in here.
describe('exact binomial test against chance', () => {
  it.each([
    [156, 300, 0.5254419954235529],
    [178, 300, 0.001454879254956929],
    [7, 10, 0.34375],
    [10, 10, 0.001953125],
    [0, 10, 0.001953125],
    [3, 20, 0.0025768280029296875],
    [52, 100, 0.7643534344026669],
  ])('%i of %i → p = %f', (k, n, p) => {
    expect(binomialTestTwoSided(k, n)).toBeCloseTo(p, 9);
  });
});

describe('Clopper–Pearson interval', () => {
  it.each([
    [156, 300, 0.46184322102886244, 0.5777579696088826],
    [7, 10, 0.34754714994000235, 0.9332604888222655],
    [0, 10, 0, 0.3084971078187607],
    [10, 10, 0.6915028921812392, 1],
    [52, 100, 0.41778976540630663, 0.6209945198220415],
  ])('%i of %i', (k, n, lo, hi) => {
    const ci = clopperPearson(k, n);
    expect(ci.lower).toBeCloseTo(lo, 8);
    expect(ci.upper).toBeCloseTo(hi, 8);
  });
});

describe("Cohen's κ", () => {
  it('textbook 2×2 example (20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no) gives 0.4', () => {
    const a = [...Array(25).fill('yes'), ...Array(25).fill('no')];
    const b = [...Array(20).fill('yes'), ...Array(5).fill('no'), ...Array(10).fill('yes'), ...Array(15).fill('no')];
    expect(cohenKappa(a, b)).toBeCloseTo(0.4, 12);
  });
  it('perfect agreement is 1, and the lengths must match', () => {
    expect(cohenKappa([1, 0, 1], [1, 0, 1])).toBe(1);
    expect(() => cohenKappa([1], [1, 0])).toThrow(/same items/);
  });
});

describe("Fleiss' κ", () => {
  it('Fleiss (1971) example: 10 subjects, 14 raters, 5 categories → 0.2099', () => {
    const m = [
      [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ];
    expect(fleissKappa(m)).toBeCloseTo(0.20993070442195522, 12);
  });
  it('refuses rows with different numbers of readers', () => {
    expect(() => fleissKappa([[1, 1], [2, 1]])).toThrow(/same number of readers/);
  });
});

describe('detection summary', () => {
  // truth 1 = synthetic; ratings are confidence that the image is REAL. AUC by numpy pairwise: 0.76.
  const truth = [1, 1, 1, 1, 0, 0, 0, 0, 1, 0];
  const rating = [1, 2, 3, 5, 5, 4, 3, 2, 1, 5];
  it('ROC AUC from confidence ratings equals the pairwise count', () => {
    expect(rocAuc(rating.map((r) => 6 - r), truth.map((t) => t === 1))).toBeCloseTo(0.76, 12);
  });
  it('accuracy, sensitivity, specificity from ratings alone (3 counts as undecided)', () => {
    const answers: ScoredAnswer[] = truth.map((t, i) => ({ truthSynthetic: t === 1, saidSynthetic: null, confidenceReal: rating[i] }));
    const s = summariseDetection(answers);
    // synthetic: ratings 1,2,3,5,1 → caught 3 of 5; real: 5,4,3,2,5 → kept 3 of 5.
    expect(s.sensitivity).toBeCloseTo(0.6, 12);
    expect(s.specificity).toBeCloseTo(0.6, 12);
    expect(s.correct).toBe(6);
    expect(s.pValue).toBeCloseTo(0.75390625, 9); // 6 of 10, exact
    expect(s.auc).toBeCloseTo(0.76, 12);
  });
  it('the verdict says chance in plain words', () => {
    const answers: ScoredAnswer[] = Array.from({ length: 300 }, (_, i) => ({
      truthSynthetic: i % 2 === 0,
      saidSynthetic: i < 156 ? i % 2 === 0 : i % 2 !== 0,
      confidenceReal: null,
    }));
    const s = summariseDetection(answers);
    expect(s.correct).toBe(156);
    expect(verdict(s)).toBe('Readers could not tell them apart: accuracy 52 % (95 % CI 46–58 %), p = 0.53.');
  });
});
