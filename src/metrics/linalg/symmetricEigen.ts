/**
 * Eigendecomposition of a real symmetric matrix: Householder reduction to tridiagonal form
 * followed by the implicit QL algorithm (EISPACK tred2/tql2 as transcribed in JAMA, public
 * domain). Chosen over Jacobi because it is O(n³) with a small constant, so 2048-d Inception
 * covariances stay feasible; everything is Float64.
 */
export interface SymmetricEigen {
  /** Ascending eigenvalues. */
  values: Float64Array;
  /** n x n row-major; column j is the eigenvector of values[j]. */
  vectors: Float64Array;
}

export function symmetricEigen(matrix: Float64Array, n: number): SymmetricEigen {
  if (matrix.length !== n * n) throw new Error(`symmetricEigen: expected ${n}x${n} values, got ${matrix.length}`);
  // Held transposed until the end (see tridiagonalize).
  const V = Float64Array.from(matrix);
  transposeInPlace(V, n);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return { values: d, vectors: V };
  tridiagonalize(V, d, e, n, true);
  diagonalize(V, d, e, n, true);
  return { values: d, vectors: V };
}

/**
 * Ascending eigenvalues only, bit-identical to symmetricEigen's: the transformations are neither
 * accumulated nor rotated, which is most of the O(n³) work (and its column-strided part).
 */
export function symmetricEigenvalues(matrix: Float64Array, n: number): Float64Array {
  if (matrix.length !== n * n) throw new Error(`symmetricEigenvalues: expected ${n}x${n} values, got ${matrix.length}`);
  const V = Float64Array.from(matrix);
  transposeInPlace(V, n);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  if (n === 0) return d;
  tridiagonalize(V, d, e, n, false);
  diagonalize(V, d, e, n, false);
  return d;
}

/**
 * JAMA's tred2 on the transpose of its V: every V[a][b] there is V[b][a] here, so the O(n³)
 * loops, which walk columns in JAMA, stream contiguous rows. Same operations in the same order,
 * so the results are bit-identical; diagonalize keeps the transposed layout and undoes it last.
 */
function tridiagonalize(V: Float64Array, d: Float64Array, e: Float64Array, n: number, withVectors: boolean): void {
  for (let j = 0; j < n; j++) d[j] = V[j * n + (n - 1)];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[j * n + (i - 1)];
        V[j * n + i] = 0;
        V[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[i * n + j] = f;
        g = e[j] + V[j * n + j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          g += V[j * n + k] * d[k];
          e[k] += V[j * n + k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[j * n + k] -= f * e[k] + g * d[k];
        d[j] = V[j * n + (i - 1)];
        V[j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  if (!withVectors) {
    // The accumulation below only saves the diagonal aside before reading it back into d.
    for (let j = 0; j < n; j++) d[j] = V[j * n + j];
    e[0] = 0;
    return;
  }
  // Accumulate transformations.
  for (let i = 0; i < n - 1; i++) {
    V[i * n + (n - 1)] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[(i + 1) * n + k] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[(i + 1) * n + k] * V[j * n + k];
        for (let k = 0; k <= i; k++) V[j * n + k] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[(i + 1) * n + k] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[j * n + (n - 1)];
    V[j * n + (n - 1)] = 0;
  }
  V[(n - 1) * n + (n - 1)] = 1;
  e[0] = 0;
}

function transposeInPlace(V: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const t = V[i * n + j];
      V[i * n + j] = V[j * n + i];
      V[j * n + i] = t;
    }
  }
}

function diagonalize(V: Float64Array, d: Float64Array, e: Float64Array, n: number, withVectors: boolean): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > 60) throw new Error('symmetricEigen: QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (withVectors) {
            // V is held transposed here, so columns i and i + 1 are contiguous rows.
            const ri = i * n;
            const ri1 = ri + n;
            for (let k = 0; k < n; k++) {
              h = V[ri1 + k];
              V[ri1 + k] = s * V[ri + k] + c * h;
              V[ri + k] = c * V[ri + k] - s * h;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  // Sort ascending, permuting vectors alongside.
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i];
    for (let j = i + 1; j < n; j++) {
      if (d[j] < p) {
        k = j;
        p = d[j];
      }
    }
    if (k !== i) {
      d[k] = d[i];
      d[i] = p;
      if (withVectors) {
        for (let j = 0; j < n; j++) {
          const t = V[i * n + j];
          V[i * n + j] = V[k * n + j];
          V[k * n + j] = t;
        }
      }
    }
  }
  if (withVectors) transposeInPlace(V, n);
}
