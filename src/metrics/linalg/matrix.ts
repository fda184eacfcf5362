/** Small dense Float64 helpers for covariance-sized (D x D) matrices, row-major. */
import type { FeatureMatrix } from '../types';

/** Column means of an N x D feature matrix, accumulated in Float64. */
export function columnMeans(m: FeatureMatrix): Float64Array {
  const { data, rows, cols } = m;
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    for (let c = 0; c < cols; c++) mean[c] += data[off + c];
  }
  for (let c = 0; c < cols; c++) mean[c] /= rows;
  return mean;
}

/**
 * Sample covariance (ddof = 1, like numpy.cov) of the rows. Centring first keeps the
 * accumulation free of the catastrophic cancellation of E[xx] - E[x]E[x].
 */
export function covariance(m: FeatureMatrix, mean = columnMeans(m)): Float64Array {
  const { data, rows, cols } = m;
  const cov = new Float64Array(cols * cols);
  const centred = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    for (let c = 0; c < cols; c++) centred[c] = data[off + c] - mean[c];
    for (let i = 0; i < cols; i++) {
      const ci = centred[i];
      if (ci === 0) continue;
      const rowOff = i * cols;
      for (let j = i; j < cols; j++) cov[rowOff + j] += ci * centred[j];
    }
  }
  const denom = rows - 1;
  for (let i = 0; i < cols; i++) {
    for (let j = i; j < cols; j++) {
      const v = cov[i * cols + j] / denom;
      cov[i * cols + j] = v;
      cov[j * cols + i] = v;
    }
  }
  return cov;
}

/** C = A B for n x n matrices. i-k-j order keeps the inner loop contiguous. */
export function multiplySquare(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ci = i * n;
    for (let k = 0; k < n; k++) {
      const aik = a[ci + k];
      if (aik === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) c[ci + j] += aik * b[bk + j];
    }
  }
  return c;
}

export function trace(a: Float64Array, n: number): number {
  let t = 0;
  for (let i = 0; i < n; i++) t += a[i * n + i];
  return t;
}
