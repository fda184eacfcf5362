/**
 * How well a classifier does on labelled test images, and how sure we can be of a difference:
 * the confusion matrix and the per-class figures read from it, one-vs-rest ROC curves and their
 * AUC, mean ± standard deviation over seeds, a paired Student-t interval over seeds, and a
 * percentile bootstrap over test images. Pure TypeScript, no tensors, so the CLI, the worker and
 * the tests share it.
 */

/** counts[t][p]: test images of true class t predicted as p. */
export type ConfusionMatrix = number[][];

export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): ConfusionMatrix {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][predicted[i]]++;
  return m;
}

/** The most probable class of each row of an N × classes probability (or logit) matrix; ties go to the lower class. */
export function argmaxRows(scores: ArrayLike<number>, classes: number): Uint8Array {
  const n = Math.floor(scores.length / classes);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (scores[i * classes + c] > scores[i * classes + best]) best = c;
    out[i] = best;
  }
  return out;
}

export interface ClassFigures {
  /** Recall of this class: TP / (TP + FN). NaN when the class has no test image. */
  sensitivity: number;
  /** TN / (TN + FP). */
  specificity: number;
  /** TP / (TP + FP); NaN when nothing was predicted as this class. */
  precision: number;
  /** Harmonic mean of precision and sensitivity; 0 when both are 0, NaN when either is undefined. */
  f1: number;
  /** Test images of this class. */
  support: number;
}

export interface ConfusionFigures {
  accuracy: number;
  /** Mean sensitivity over the classes present in the test set. */
  balancedAccuracy: number;
  macroF1: number;
  perClass: ClassFigures[];
}

export function figuresFromConfusion(m: ConfusionMatrix): ConfusionFigures {
  const k = m.length;
  const total = m.flat().reduce((a, b) => a + b, 0);
  let correct = 0;
  const perClass: ClassFigures[] = [];
  for (let c = 0; c < k; c++) {
    correct += m[c][c];
    const tp = m[c][c];
    const support = m[c].reduce((a, b) => a + b, 0);
    const predicted = m.reduce((s, row) => s + row[c], 0);
    const fn = support - tp;
    const fp = predicted - tp;
    const tn = total - tp - fn - fp;
    const sensitivity = support ? tp / support : NaN;
    const precision = predicted ? tp / predicted : NaN;
    const f1 = Number.isNaN(sensitivity) || Number.isNaN(precision) ? NaN : precision + sensitivity === 0 ? 0 : (2 * precision * sensitivity) / (precision + sensitivity);
    perClass.push({ sensitivity, specificity: tn + fp ? tn / (tn + fp) : NaN, precision, f1, support });
  }
  const present = perClass.filter((c) => c.support > 0);
  const f1s = present.map((c) => (Number.isNaN(c.f1) ? 0 : c.f1));
  return {
    accuracy: total ? correct / total : NaN,
    balancedAccuracy: present.length ? present.reduce((s, c) => s + c.sensitivity, 0) / present.length : NaN,
    macroF1: f1s.length ? f1s.reduce((a, b) => a + b, 0) / f1s.length : NaN,
    perClass,
  };
}

export interface RocCurve {
  /** False-positive rates, from 0 to 1, one point per distinct score threshold. */
  fpr: number[];
  tpr: number[];
  auc: number;
}

/**
 * One-vs-rest ROC curve of class `c` from an N × classes score matrix: thresholds at every
 * distinct score, highest first (tied scores move together, a diagonal step), and the area by the
 * trapezoid rule, which equals the Mann–Whitney statistic with ties counted half. Null when the
 * test set lacks positives or negatives of the class.
 */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>, classes: number, c: number): RocCurve | null {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b * classes + c] - scores[a * classes + c]);
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i] === c) positives++;
  const negatives = n - positives;
  if (!positives || !negatives) return null;
  const fpr = [0];
  const tpr = [0];
  let tp = 0;
  let fp = 0;
  let auc = 0;
  for (let i = 0; i < n; ) {
    const v = scores[order[i] * classes + c];
    let j = i;
    while (j < n && scores[order[j] * classes + c] === v) {
      if (labels[order[j]] === c) tp++;
      else fp++;
      j++;
    }
    const x = fp / negatives;
    const y = tp / positives;
    auc += ((x - fpr[fpr.length - 1]) * (y + tpr[tpr.length - 1])) / 2;
    fpr.push(x);
    tpr.push(y);
    i = j;
  }
  return { fpr, tpr, auc };
}

/** At most `points` points of a curve (always its ends), for storing and drawing. */
export function thinCurve(curve: RocCurve, points: number): RocCurve {
  if (curve.fpr.length <= points) return curve;
  const keep: number[] = [];
  for (let k = 0; k < points; k++) keep.push(Math.round((k * (curve.fpr.length - 1)) / (points - 1)));
  return { fpr: keep.map((i) => curve.fpr[i]), tpr: keep.map((i) => curve.tpr[i]), auc: curve.auc };
}

export interface MeanStd {
  mean: number;
  /** Sample standard deviation (n − 1); 0 for one value. */
  std: number;
  n: number;
}

export function meanStd(values: readonly number[]): MeanStd {
  const finite = values.filter(Number.isFinite);
  const n = finite.length;
  if (!n) return { mean: NaN, std: NaN, n: 0 };
  const mean = finite.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? finite.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance), n };
}

/** Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom (standard tables). */
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** The 0.975 quantile of Student's t with `df` degrees of freedom (the table to 30, then a Cornish–Fisher expansion). */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) return NaN;
  if (df <= 30) return T975[Math.round(df) - 1];
  const z = 1.959964;
  const g1 = (z ** 3 + z) / 4;
  const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
  return z + g1 / df + g2 / df ** 2;
}

export interface Interval {
  mean: number;
  low: number;
  high: number;
  /** How many values (seeds) or resamples stand behind it. */
  n: number;
  method: 't over seeds' | 'bootstrap over test images';
}

/** 95 % Student-t interval of the mean of paired differences (one per seed). Needs two or more. */
export function pairedTInterval(differences: readonly number[]): Interval {
  const { mean, std, n } = meanStd(differences);
  if (n < 2) return { mean, low: NaN, high: NaN, n, method: 't over seeds' };
  const half = (tQuantile975(n - 1) * std) / Math.sqrt(n);
  return { mean, low: mean - half, high: mean + half, n, method: 't over seeds' };
}

/** A small seeded generator (mulberry32) so a bootstrap gives the same interval every time. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The q-quantile of sorted values by linear interpolation (numpy's default). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * 95 % percentile bootstrap interval of `statistic` over `n` test images: each resample draws n
 * indices with replacement (the same draw for both arms of a paired difference, which the
 * statistic computes). Resamples where the statistic is undefined (NaN) are dropped.
 */
export function bootstrapInterval(n: number, statistic: (indices: Int32Array) => number, options: { resamples?: number; seed?: number } = {}): Interval {
  const resamples = options.resamples ?? 1000;
  const random = mulberry32(options.seed ?? 1);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const values: number[] = [];
  const indices = new Int32Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) indices[i] = Math.floor(random() * n);
    const v = statistic(indices);
    if (Number.isFinite(v)) values.push(v);
  }
  values.sort((a, b) => a - b);
  return { mean: statistic(all), low: quantileSorted(values, 0.025), high: quantileSorted(values, 0.975), n: values.length, method: 'bootstrap over test images' };
}
