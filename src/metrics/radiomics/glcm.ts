/**
 * Grey-level co-occurrence matrices exactly as scikit-image graycomatrix(distances=[1],
 * angles=[0, π/4, π/2, 3π/4], symmetric=True, normed=True) builds them, and graycoprops.
 * Offsets follow skimage: (row, col) = (round(sin θ), round(cos θ)), i.e. 0° → (0, 1),
 * 45° → (1, 1), 90° → (1, 0), 135° → (1, −1).
 */
export const GLCM_OFFSETS: ReadonlyArray<readonly [number, number]> = [
  [0, 1],
  [1, 1],
  [1, 0],
  [1, -1],
];

/** Symmetric, normalised co-occurrence matrix (levels x levels) for one offset. */
export function graycomatrix(image: Uint8Array, width: number, height: number, levels: number, offset: readonly [number, number], out: Float64Array = new Float64Array(levels * levels)): Float64Array {
  out.fill(0);
  const [dr, dc] = offset;
  const r0 = Math.max(0, -dr);
  const r1 = Math.min(height, height - dr);
  const c0 = Math.max(0, -dc);
  const c1 = Math.min(width, width - dc);
  let pairs = 0;
  for (let r = r0; r < r1; r++) {
    const row = r * width;
    const other = (r + dr) * width + dc;
    for (let c = c0; c < c1; c++) {
      const i = image[row + c];
      const j = image[other + c];
      out[i * levels + j]++;
      out[j * levels + i]++;
    }
    pairs += c1 - c0;
  }
  if (pairs > 0) {
    const total = 2 * pairs;
    for (let k = 0; k < out.length; k++) out[k] /= total;
  }
  return out;
}

export interface GlcmProps {
  contrast: number;
  dissimilarity: number;
  homogeneity: number;
  energy: number;
  correlation: number;
  ASM: number;
  /** pyradiomics-style extras for the radiomics vector (log2, eps 2.2e-16 as pyradiomics). */
  jointEntropy: number;
  clusterShade: number;
  clusterProminence: number;
}

const EPS = 2.220446049250313e-16;

/** graycoprops of one normalised matrix. Correlation is 1 for a flat image, as in skimage. */
export function graycoprops(p: Float64Array, levels: number): GlcmProps {
  let contrast = 0;
  let dissimilarity = 0;
  let homogeneity = 0;
  let asm = 0;
  let meanI = 0;
  let entropy = 0;
  for (let i = 0; i < levels; i++) {
    for (let j = 0; j < levels; j++) {
      const v = p[i * levels + j];
      if (v === 0) continue;
      const d = i - j;
      contrast += v * d * d;
      dissimilarity += v * Math.abs(d);
      homogeneity += v / (1 + d * d);
      asm += v * v;
      meanI += v * i;
      entropy -= v * Math.log2(v + EPS);
    }
  }
  // The matrix is symmetric, so row and column marginals (mean, std) coincide.
  let variance = 0;
  let covariance = 0;
  let shade = 0;
  let prominence = 0;
  for (let i = 0; i < levels; i++) {
    for (let j = 0; j < levels; j++) {
      const v = p[i * levels + j];
      if (v === 0) continue;
      variance += v * (i - meanI) ** 2;
      covariance += v * (i - meanI) * (j - meanI);
      const s = i + j - 2 * meanI;
      shade += v * s * s * s;
      prominence += v * s * s * s * s;
    }
  }
  const correlation = Math.sqrt(variance) < 1e-15 ? 1 : covariance / variance;
  return { contrast, dissimilarity, homogeneity, energy: Math.sqrt(asm), correlation, ASM: asm, jointEntropy: entropy, clusterShade: shade, clusterProminence: prominence };
}

export type GlcmVectorProps = Omit<GlcmProps, 'ASM'>;

/**
 * The radiomics vector's GLCM entry: graycoprops of each of the four GLCM_OFFSETS matrices,
 * averaged over the angles — the same numbers as graycomatrix + graycoprops per angle (up to
 * summation order), from one pass over the pixel pairs. Counts stay integers in the upper
 * triangle (a symmetric matrix needs no lower half), and the sums visit only non-zero cells.
 */
export class GlcmAngleMean {
  /** Per angle, upper-triangle pair counts u[i][j] (i <= j) of the symmetric matrix. */
  private readonly counts: Int32Array[];
  private readonly pairs: number[];

  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly levels: number,
  ) {
    this.counts = GLCM_OFFSETS.map(() => new Int32Array(levels * levels));
    this.pairs = GLCM_OFFSETS.map(([dr, dc]) => Math.max(0, height - Math.abs(dr)) * Math.max(0, width - Math.abs(dc)));
  }

  compute(image: Uint8Array): GlcmVectorProps {
    const { width, height, levels } = this;
    const [east, southEast, south, southWest] = this.counts;
    for (const c of this.counts) c.fill(0);
    for (let r = 0; r < height; r++) {
      const row = r * width;
      const below = r + 1 < height;
      for (let c = 0; c < width; c++) {
        const i = image[row + c];
        if (c + 1 < width) upper(east, i, image[row + c + 1], levels);
        if (!below) continue;
        const q = row + width + c;
        upper(south, i, image[q], levels);
        if (c + 1 < width) upper(southEast, i, image[q + 1], levels);
        if (c > 0) upper(southWest, i, image[q - 1], levels);
      }
    }
    const mean: GlcmVectorProps = { contrast: 0, dissimilarity: 0, homogeneity: 0, energy: 0, correlation: 0, jointEntropy: 0, clusterShade: 0, clusterProminence: 0 };
    for (let a = 0; a < GLCM_OFFSETS.length; a++) {
      const props = propsFromUpperCounts(this.counts[a], this.pairs[a], levels);
      for (const key of Object.keys(mean) as (keyof GlcmVectorProps)[]) mean[key] += props[key] / GLCM_OFFSETS.length;
    }
    return mean;
  }
}

function upper(counts: Int32Array, i: number, j: number, levels: number): void {
  if (i <= j) counts[i * levels + j]++;
  else counts[j * levels + i]++;
}

/** The non-zero cells of a GLCM's upper triangle (i ≤ j), in (i, j) order: parallel arrays. */
export interface GlcmCells {
  i: Int32Array;
  j: Int32Array;
  count: Int32Array;
  length: number;
}

export function allocateGlcmCells(levels: number): GlcmCells {
  const capacity = (levels * (levels + 1)) / 2;
  return { i: new Int32Array(capacity), j: new Int32Array(capacity), count: new Int32Array(capacity), length: 0 };
}

/**
 * log2(p + ε) of every cell value p a GLCM of `pairs` pairs can hold, filled in on first use:
 * the same expression as computing it each time, but a matrix repeats the same few counts
 * image after image, and log2 was a visible share of the radiomics time.
 */
export class GlcmLogTable {
  private readonly diagonal: Float64Array;
  private readonly offDiagonal: Float64Array;

  constructor(readonly pairs: number) {
    this.diagonal = new Float64Array(pairs + 1).fill(NaN);
    this.offDiagonal = new Float64Array(pairs + 1).fill(NaN);
  }

  /** log2(v + ε) for v = count · scale, where scale is 1/N on the diagonal and 1/2N off it. */
  log(count: number, isDiagonal: boolean, v: number): number {
    const table = isDiagonal ? this.diagonal : this.offDiagonal;
    let l = table[count];
    if (l !== l) {
      l = Math.log2(v + EPS);
      table[count] = l;
    }
    return l;
  }
}

/** The non-zero cells of an upper-triangle count matrix u (levels x levels). */
export function cellsFromUpperCounts(u: Int32Array, levels: number, out: GlcmCells = allocateGlcmCells(levels)): GlcmCells {
  let k = 0;
  for (let i = 0; i < levels; i++) {
    for (let j = i; j < levels; j++) {
      const n = u[i * levels + j];
      if (n === 0) continue;
      out.i[k] = i;
      out.j[k] = j;
      out.count[k++] = n;
    }
  }
  out.length = k;
  return out;
}

export function propsFromUpperCounts(u: Int32Array, pairs: number, levels: number): GlcmVectorProps {
  return propsFromCells(cellsFromUpperCounts(u, levels), pairs, new GlcmLogTable(pairs));
}

/**
 * graycoprops of the symmetric normalised matrix p whose upper triangle has the non-zero cells
 * u: p_ii = u_ii / N and p_ij = p_ji = u_ij / 2N off the diagonal (N pairs). Every property is
 * symmetric in (i, j), so an off-diagonal cell counts twice (weight w = 2) and the mean of i is
 * half the mean of i + j.
 */
export function propsFromCells(u: GlcmCells, pairs: number, logs: GlcmLogTable): GlcmVectorProps {
  const zero: GlcmVectorProps = { contrast: 0, dissimilarity: 0, homogeneity: 0, energy: 0, correlation: 1, jointEntropy: 0, clusterShade: 0, clusterProminence: 0 };
  if (pairs === 0) return zero;
  if (logs.pairs !== pairs) throw new RangeError(`GLCM log table is for ${logs.pairs} pairs, not ${pairs}`);
  const diagonalScale = 1 / pairs;
  const offScale = 1 / (2 * pairs);
  let contrast = 0;
  let dissimilarity = 0;
  let homogeneity = 0;
  let asm = 0;
  let meanI = 0;
  let entropy = 0;
  for (let k = 0; k < u.length; k++) {
    const i = u.i[k];
    const j = u.j[k];
    const n = u.count[k];
    const diagonal = i === j;
    const v = diagonal ? n * diagonalScale : n * offScale;
    const w = diagonal ? 1 : 2;
    const d = j - i;
    contrast += w * v * d * d;
    dissimilarity += w * v * d;
    homogeneity += (w * v) / (1 + d * d);
    asm += w * v * v;
    meanI += (w / 2) * v * (i + j);
    entropy -= w * v * logs.log(n, diagonal, v);
  }
  let variance = 0;
  let covariance = 0;
  let shade = 0;
  let prominence = 0;
  for (let k = 0; k < u.length; k++) {
    const i = u.i[k];
    const j = u.j[k];
    const diagonal = i === j;
    const v = diagonal ? u.count[k] * diagonalScale : u.count[k] * offScale;
    const w = diagonal ? 1 : 2;
    const di = i - meanI;
    const dj = j - meanI;
    // Σ p (i − μ)² over a symmetric p equals the mean of its (i, j) and (j, i) terms.
    variance += v * (di * di + dj * dj) * (w / 2);
    covariance += w * v * di * dj;
    const s = i + j - 2 * meanI;
    const s2 = s * s;
    shade += w * v * s2 * s;
    prominence += w * v * s2 * s2;
  }
  const correlation = Math.sqrt(variance) < 1e-15 ? 1 : covariance / variance;
  return { contrast, dissimilarity, homogeneity, energy: Math.sqrt(asm), correlation, jointEntropy: entropy, clusterShade: shade, clusterProminence: prominence };
}
