/**
 * pyradiomics' GLRLM, GLSZM and GLDM all describe a matrix P(i, j) of grey level i (numbered
 * from 1) against a size j (run length, zone size, dependence count) with the same family of
 * formulas. This module holds them once; each texture module only builds its P.
 */
export const LOG_EPS = 2.220446049250313e-16;

/** Sparse P(i, j): parallel arrays of level (1-based), size and count. */
export interface LevelSizeCounts {
  level: Float64Array;
  size: Float64Array;
  count: Float64Array;
  length: number;
}

export interface LevelSizeFeatures {
  /** Σ P / j² / Nz — short runs / small zones / small dependence emphasis. */
  smallEmphasis: number;
  /** Σ P j² / Nz. */
  largeEmphasis: number;
  /** Σ_i (Σ_j P)² / Nz². */
  greyLevelNonUniformityNormalized: number;
  /** Σ_j (Σ_i P)² / Nz². */
  sizeNonUniformityNormalized: number;
  /** Σ p (i − μi)². */
  greyLevelVariance: number;
  /** Σ p (j − μj)². */
  sizeVariance: number;
  /** −Σ p log2(p + ε). */
  entropy: number;
  /** Σ P / i² / Nz. */
  lowGreyLevelEmphasis: number;
  /** Σ P i² / Nz. */
  highGreyLevelEmphasis: number;
  /** Nz: number of runs / zones / voxels. */
  total: number;
}

/**
 * `levelTotals` (length levels+1) and `sizeTotals` (length > every size) are scratch. When the
 * caller knows the largest size present (`largestSize`), only that much of `sizeTotals` is
 * cleared and summed: the skipped entries are zeros, so the result is the same to the bit.
 */
export function levelSizeFeatures(p: LevelSizeCounts, levelTotals: Float64Array, sizeTotals: Float64Array, largestSize = sizeTotals.length - 1): LevelSizeFeatures {
  const sizeEnd = Math.min(sizeTotals.length, largestSize + 1);
  levelTotals.fill(0);
  sizeTotals.fill(0, 0, sizeEnd);
  let total = 0;
  let small = 0;
  let large = 0;
  let low = 0;
  let high = 0;
  let meanI = 0;
  let meanJ = 0;
  for (let k = 0; k < p.length; k++) {
    const i = p.level[k];
    const j = p.size[k];
    const n = p.count[k];
    total += n;
    small += n / (j * j);
    large += n * j * j;
    low += n / (i * i);
    high += n * i * i;
    meanI += n * i;
    meanJ += n * j;
    levelTotals[i] += n;
    sizeTotals[j] += n;
  }
  meanI /= total;
  meanJ /= total;
  let varI = 0;
  let varJ = 0;
  let entropy = 0;
  for (let k = 0; k < p.length; k++) {
    const q = p.count[k] / total;
    varI += q * (p.level[k] - meanI) ** 2;
    varJ += q * (p.size[k] - meanJ) ** 2;
    entropy -= q * Math.log2(q + LOG_EPS);
  }
  let gln = 0;
  for (let i = 0; i < levelTotals.length; i++) gln += levelTotals[i] * levelTotals[i];
  let sn = 0;
  for (let j = 0; j < sizeEnd; j++) sn += sizeTotals[j] * sizeTotals[j];
  return {
    smallEmphasis: small / total,
    largeEmphasis: large / total,
    greyLevelNonUniformityNormalized: gln / (total * total),
    sizeNonUniformityNormalized: sn / (total * total),
    greyLevelVariance: varI,
    sizeVariance: varJ,
    entropy,
    lowGreyLevelEmphasis: low / total,
    highGreyLevelEmphasis: high / total,
    total,
  };
}

/**
 * Dense P (levels x sizes, 0-based rows, column c is size c + firstSize) to the sparse form with
 * 1-based levels, in (level, size) order. Only the first `usedColumns` columns are read.
 */
export function sparseFromDense(dense: Float64Array | Int32Array, levels: number, sizes: number, firstSize: number, out: LevelSizeCounts, usedColumns = sizes): LevelSizeCounts {
  let n = 0;
  for (let i = 0; i < levels; i++) {
    const row = i * sizes;
    for (let c = 0; c < usedColumns; c++) {
      const v = dense[row + c];
      if (v === 0) continue;
      out.level[n] = i + 1;
      out.size[n] = c + firstSize;
      out.count[n] = v;
      n++;
    }
  }
  out.length = n;
  return out;
}

export function allocateLevelSizeCounts(capacity: number): LevelSizeCounts {
  return { level: new Float64Array(capacity), size: new Float64Array(capacity), count: new Float64Array(capacity), length: 0 };
}
