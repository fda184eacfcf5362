/** Small dense Float64 helpers for covariance-sized (D x D) matrices, row-major. */
import type { FeatureMatrix } from '../types';
import { scanDotTiles } from './dotTiles';

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
 * accumulation free of the catastrophic cancellation of E[xx] - E[x]E[x]. The centred columns
 * are laid out as rows (D x N) so that cov = C Cᵀ / (N − 1) is one symmetric scan of the
 * dot-product engine: at 5,000 x 380 that is 3.6·10⁸ multiply-adds, seconds in a plain loop.
 */
export function covariance(m: FeatureMatrix, mean = columnMeans(m)): Float64Array {
  const { data, rows, cols } = m;
  const columns = new Float64Array(cols * rows);
  for (let r = 0; r < rows; r++) {
    const off = r * cols;
    for (let c = 0; c < cols; c++) columns[c * rows + r] = data[off + c] - mean[c];
  }
  const cov = new Float64Array(cols * cols);
  const denom = rows - 1;
  const centred = { data: columns, rows: cols, cols: rows };
  scanDotTiles(centred, centred, true, (i0, i1, j0, j1, dots, stride) => {
    for (let i = i0; i < i1; i++) {
      const row = (i - i0) * stride - j0;
      for (let j = Math.max(j0, i); j < j1; j++) {
        const v = dots[row + j] / denom;
        cov[i * cols + j] = v;
        cov[j * cols + i] = v;
      }
    }
  });
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
