/**
 * The statistics a visual Turing test reports (Park et al. 2021, Jang et al. 2023): accuracy with an
 * exact (Clopper–Pearson) interval, sensitivity and specificity for detecting synthetic images, ROC AUC
 * from 1–5 confidence ratings, a two-sided exact binomial test against chance, and agreement between
 * readers (Cohen's κ for two, Fleiss' κ for more). Pure functions over plain arrays, so every value can
 * be checked against an independent computation.
 */

/** ln Γ(x) by the Lanczos approximation (g = 7, 9 terms): ample precision for binomial coefficients. */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(X = k) for X ~ Binomial(n, p), computed in log space so n in the thousands does not overflow. */
export function binomialPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return 0;
  if (p === 0) return k === 0 ? 1 : 0;
  if (p === 1) return k === n ? 1 : 0;
  const logC = logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
  return Math.exp(logC + k * Math.log(p) + (n - k) * Math.log(1 - p));
}

function binomialCdf(k: number, n: number, p: number): number {
  let s = 0;
  for (let i = 0; i <= k; i++) s += binomialPmf(i, n, p);
  return Math.min(1, s);
}

/**
 * Two-sided exact binomial test of k successes in n trials against probability p (default chance,
 * 0.5): the sum of the probabilities of every outcome no more likely than the observed one — the
 * definition scipy.stats.binomtest uses (with its relative tolerance 1e-7 for ties).
 */
export function binomialTestTwoSided(k: number, n: number, p = 0.5): number {
  if (n <= 0) return 1;
  const observed = binomialPmf(k, n, p);
  let s = 0;
  for (let i = 0; i <= n; i++) {
    const q = binomialPmf(i, n, p);
    if (q <= observed * (1 + 1e-7)) s += q;
  }
  return Math.min(1, s);
}

/** Exact Clopper–Pearson interval for a proportion k/n (confidence 1 − alpha), by bisection on the binomial tails. */
export function clopperPearson(k: number, n: number, alpha = 0.05): { lower: number; upper: number } {
  if (n <= 0) return { lower: 0, upper: 1 };
  const bisect = (below: (p: number) => boolean): number => {
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (below(mid)) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  const lower = k === 0 ? 0 : bisect((p) => 1 - binomialCdf(k - 1, n, p) < alpha / 2);
  const upper = k === n ? 1 : bisect((p) => binomialCdf(k, n, p) > alpha / 2);
  return { lower, upper };
}

/** One answer scored against the key. `truthSynthetic` comes from the organiser's key, never from the study file. */
export interface ScoredAnswer {
  truthSynthetic: boolean;
  /** The reader's two-choice call; null when the study asked for confidence only. */
  saidSynthetic: boolean | null;
  /** 1–5 confidence that the image is REAL (5 = surely real); null when not asked. */
  confidenceReal: number | null;
}

export interface DetectionSummary {
  n: number;
  correct: number;
  accuracy: number;
  accuracyCi: { lower: number; upper: number };
  /** Synthetic images called synthetic / synthetic images (NaN with none). */
  sensitivity: number;
  /** Real images called real / real images (NaN with none). */
  specificity: number;
  /** Two-sided exact binomial p against 50 % accuracy. */
  pValue: number;
  /** ROC AUC for detecting synthetic images from the confidence ratings; null without ratings or without both kinds. */
  auc: number | null;
}

/**
 * The call used for accuracy: the two-choice answer when asked; otherwise the rating (1–2 synthetic,
 * 4–5 real, 3 undecided — counted as wrong, since the reader did not tell them apart).
 */
export function callOf(a: Pick<ScoredAnswer, 'saidSynthetic' | 'confidenceReal'>): boolean | null {
  if (a.saidSynthetic !== null) return a.saidSynthetic;
  if (a.confidenceReal === null || a.confidenceReal === 3) return null;
  return a.confidenceReal < 3;
}

/** Mann–Whitney ROC AUC: P(score of a positive > score of a negative), ties counting half. */
export function rocAuc(scores: readonly number[], positive: readonly boolean[]): number | null {
  const pos: number[] = [];
  const neg: number[] = [];
  scores.forEach((s, i) => (positive[i] ? pos : neg).push(s));
  if (pos.length === 0 || neg.length === 0) return null;
  let sum = 0;
  for (const a of pos) for (const b of neg) sum += a > b ? 1 : a === b ? 0.5 : 0;
  return sum / (pos.length * neg.length);
}

export function summariseDetection(answers: readonly ScoredAnswer[]): DetectionSummary {
  const n = answers.length;
  let correct = 0;
  let synth = 0;
  let synthCaught = 0;
  let real = 0;
  let realKept = 0;
  for (const a of answers) {
    const call = callOf(a);
    if (call === a.truthSynthetic) correct++;
    if (a.truthSynthetic) {
      synth++;
      if (call === true) synthCaught++;
    } else {
      real++;
      if (call === false) realKept++;
    }
  }
  const rated = answers.filter((a) => a.confidenceReal !== null);
  const auc =
    rated.length === n && n > 0
      ? rocAuc(
          rated.map((a) => 6 - (a.confidenceReal as number)),
          rated.map((a) => a.truthSynthetic),
        )
      : null;
  return {
    n,
    correct,
    accuracy: n ? correct / n : NaN,
    accuracyCi: clopperPearson(correct, n),
    sensitivity: synth ? synthCaught / synth : NaN,
    specificity: real ? realKept / real : NaN,
    pValue: binomialTestTwoSided(correct, n),
    auc,
  };
}

/** Cohen's κ for two raters' categorical calls on the same items. NaN when expected agreement is 1 (both always said the same single category). */
export function cohenKappa<T>(a: readonly T[], b: readonly T[]): number {
  if (a.length !== b.length) throw new Error(`Cohen's κ needs the same items from both readers (${a.length} vs ${b.length})`);
  const n = a.length;
  if (n === 0) return NaN;
  const cats = [...new Set([...a, ...b])];
  let agree = 0;
  for (let i = 0; i < n; i++) if (a[i] === b[i]) agree++;
  let pe = 0;
  for (const c of cats) {
    const pa = a.filter((x) => x === c).length / n;
    const pb = b.filter((x) => x === c).length / n;
    pe += pa * pb;
  }
  const po = agree / n;
  return pe === 1 ? NaN : (po - pe) / (1 - pe);
}

/**
 * Fleiss' κ (Fleiss 1971) from a subjects × categories table of counts; every subject must be rated by
 * the same number of raters.
 */
export function fleissKappa(counts: readonly (readonly number[])[]): number {
  const N = counts.length;
  if (N === 0) return NaN;
  const n = counts[0].reduce((s, x) => s + x, 0);
  if (n < 2) throw new Error("Fleiss' κ needs at least two readers per image");
  const k = counts[0].length;
  const pj = new Array<number>(k).fill(0);
  let pBar = 0;
  for (const row of counts) {
    const total = row.reduce((s, x) => s + x, 0);
    if (total !== n) throw new Error(`Fleiss' κ needs every image rated by the same number of readers (${total} vs ${n})`);
    let agree = 0;
    row.forEach((x, j) => {
      pj[j] += x;
      agree += x * (x - 1);
    });
    pBar += agree / (n * (n - 1));
  }
  pBar /= N;
  const pe = pj.reduce((s, x) => s + (x / (N * n)) ** 2, 0);
  return pe === 1 ? NaN : (pBar - pe) / (1 - pe);
}

function pct(x: number): string {
  return `${Math.round(x * 100)} %`;
}

function pText(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}

/**
 * The plain-language verdict beside the numbers: readers "could not tell them apart" when accuracy is
 * not significantly different from chance at 5 %; otherwise they could (or, below chance, they
 * systematically took one kind for the other).
 */
export function verdict(s: DetectionSummary): string {
  if (s.n === 0) return 'No answers yet.';
  const numbers = `accuracy ${pct(s.accuracy)} (95 % CI ${Math.round(s.accuracyCi.lower * 100)}–${Math.round(s.accuracyCi.upper * 100)} %), ${pText(s.pValue)}`;
  if (s.pValue >= 0.05) return `Readers could not tell them apart: ${numbers}.`;
  if (s.accuracy > 0.5) return `Readers could tell them apart better than chance: ${numbers}.`;
  return `Readers were worse than chance — they systematically mistook one kind for the other: ${numbers}.`;
}
