/**
 * Inception Score (Salimans et al. 2016) from a class-probability matrix (N x C rows summing to
 * 1): exp(mean_x KL(p(y|x) || p(y))) per split, splits contiguous as numpy.array_split makes
 * them, reported as mean and population std over splits.
 */
import type { FeatureMatrix } from '../types';
import { MetricInputError } from '../types';
import { assertFeatureMatrix } from '../validate';

export interface InceptionScoreResult {
  mean: number;
  std: number;
  splits: number;
  n: number;
  warnings: string[];
}

export function inceptionScore(probs: FeatureMatrix, splits = 10): InceptionScoreResult {
  assertFeatureMatrix(probs, 'class probabilities');
  const { data, rows, cols } = probs;
  if (!Number.isInteger(splits) || splits < 1 || splits > rows) {
    throw new MetricInputError(`Inception Score splits must be an integer in [1, ${rows}], got ${splits}`);
  }
  const warnings: string[] = [];
  let worstRowError = 0;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) {
      const p = data[r * cols + c];
      if (!(p >= 0)) throw new MetricInputError(`class probabilities: row ${r} has a negative or NaN entry (${p})`);
      s += p;
    }
    worstRowError = Math.max(worstRowError, Math.abs(s - 1));
  }
  if (worstRowError > 1e-3) warnings.push(`probability rows do not sum to 1 (worst off by ${worstRowError.toExponential(2)}): pass softmax outputs`);

  const scores = new Float64Array(splits);
  const base = Math.floor(rows / splits);
  const extra = rows % splits;
  let start = 0;
  for (let s = 0; s < splits; s++) {
    const size = base + (s < extra ? 1 : 0);
    scores[s] = Math.exp(meanKlToMarginal(data, cols, start, start + size));
    start += size;
  }
  let mean = 0;
  for (const v of scores) mean += v;
  mean /= splits;
  let variance = 0;
  for (const v of scores) variance += (v - mean) ** 2;
  return { mean, std: Math.sqrt(variance / splits), splits, n: rows, warnings };
}

function meanKlToMarginal(data: ArrayLike<number>, cols: number, from: number, to: number): number {
  const marginal = new Float64Array(cols);
  for (let r = from; r < to; r++) for (let c = 0; c < cols; c++) marginal[c] += data[r * cols + c];
  for (let c = 0; c < cols; c++) marginal[c] /= to - from;
  let kl = 0;
  for (let r = from; r < to; r++) {
    for (let c = 0; c < cols; c++) {
      const p = data[r * cols + c];
      // 0·log 0 = 0, as scipy.special.xlogy / entropy define it.
      if (p > 0) kl += p * (Math.log(p) - Math.log(marginal[c]));
    }
  }
  return kl / (to - from);
}
