/**
 * Fréchet distance between Gaussians fitted to two feature sets (FID when the features are
 * Inception pool3, FRD when they are normalised radiomics):
 *   |μ1 − μ2|² + tr S1 + tr S2 − 2 tr sqrt(S1 S2).
 * S1 S2 is not symmetric, so instead of a general sqrtm (scipy) we use the similar symmetric
 * PSD matrix sqrt(S1) S2 sqrt(S1): tr sqrt(S1 S2) = Σ sqrt(λ_i(sqrt(S1) S2 sqrt(S1))). Two
 * symmetric eigendecompositions, tiny negative eigenvalues clamped to 0, so rank-deficient
 * covariances (N ≤ D, constant features) give a finite, exact answer instead of NaN or a
 * complex part, and we say so in the warnings.
 */
import { columnMeans, covariance, multiplyByRows, trace } from '../linalg/matrix';
import { symmetricEigen, symmetricEigenvalues } from '../linalg/symmetricEigen';
import type { FeatureMatrix, ResultNotes } from '../types';
import { MetricInputError } from '../types';
import { assertFeatureMatrix, assertSameFeatureDims } from '../validate';
import { sampleSizeWarnings } from './notes';

export interface FrechetResult extends ResultNotes {
  value: number;
  /** Numerical ranks of the two covariances (D when full rank). */
  rank: { real: number; fake: number };
  dims: number;
}

export interface GaussianStats {
  mean: Float64Array;
  cov: Float64Array;
  dims: number;
  count: number;
}

export function gaussianStats(m: FeatureMatrix): GaussianStats {
  const mean = columnMeans(m);
  return { mean, cov: covariance(m, mean), dims: m.cols, count: m.rows };
}

/** Rank with numpy.linalg.matrix_rank's tolerance: max|λ| · D · ε. */
function numericalRank(values: Float64Array, dims: number): number {
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  const tol = max * dims * 2 ** -52;
  let rank = 0;
  for (const v of values) if (v > tol) rank++;
  return rank;
}

/** Symmetric square root V diag(sqrt(max(λ, 0))) Vᵀ of a PSD matrix: rows of V diag(√λ) against rows of V. */
function psdSqrt(vectors: Float64Array, values: Float64Array, n: number): Float64Array {
  const scaled = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) scaled[i * n + j] = vectors[i * n + j] * Math.sqrt(Math.max(values[j], 0));
  }
  return multiplyByRows(scaled, vectors, n);
}

export function frechetFromStats(a: GaussianStats, b: GaussianStats): FrechetResult {
  if (a.dims !== b.dims) throw new MetricInputError(`feature dimensions differ: real has ${a.dims}, fake has ${b.dims}`);
  const n = a.dims;
  let meanTerm = 0;
  for (let i = 0; i < n; i++) meanTerm += (a.mean[i] - b.mean[i]) ** 2;

  const eigA = symmetricEigen(a.cov, n);
  const sqrtA = psdSqrt(eigA.vectors, eigA.values, n);
  // sqrt(S1) S2 sqrt(S1); both factors are symmetric, so each is its own transpose.
  const middle = multiplyByRows(multiplyByRows(sqrtA, b.cov, n), sqrtA, n);
  // Round-off makes the product slightly asymmetric; the eigensolver assumes symmetry.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = 0.5 * (middle[i * n + j] + middle[j * n + i]);
      middle[i * n + j] = v;
      middle[j * n + i] = v;
    }
  }
  let traceSqrt = 0;
  for (const v of symmetricEigenvalues(middle, n)) traceSqrt += Math.sqrt(Math.max(v, 0));

  const rank = { real: numericalRank(eigA.values, n), fake: numericalRank(symmetricEigenvalues(b.cov, n), n) };
  const value = meanTerm + trace(a.cov, n) + trace(b.cov, n) - 2 * traceSqrt;
  const sizes = { real: a.count, fake: b.count };
  const warnings = sampleSizeWarnings(sizes);
  for (const side of ['real', 'fake'] as const) {
    if (rank[side] < n) {
      const count = side === 'real' ? a.count : b.count;
      const why = count - 1 < n ? ` (only ${count} samples for ${n} dimensions)` : ' (constant or collinear features)';
      warnings.push(`${side} covariance is rank-deficient: rank ${rank[side]} of ${n}${why}; value computed with clamped eigenvalues`);
    }
  }
  return { value, rank, dims: n, n: sizes, warnings };
}

export function frechetDistance(real: FeatureMatrix, fake: FeatureMatrix): FrechetResult {
  assertFeatureMatrix(real, 'real features');
  assertFeatureMatrix(fake, 'fake features');
  assertSameFeatureDims(real, fake);
  if (real.rows < 2 || fake.rows < 2) {
    throw new MetricInputError(`Fréchet distance needs at least 2 samples per set, got ${real.rows} real and ${fake.rows} fake`);
  }
  return frechetFromStats(gaussianStats(real), gaussianStats(fake));
}
