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
