/**
 * Neighbouring grey-tone difference matrix features (pyradiomics RadiomicsNGTDM, distance 1,
 * 8 neighbours; grey levels numbered from 1). Border pixels average the neighbours that exist.
 */

export interface NgtdmFeatures {
  coarseness: number;
  contrast: number;
  busyness: number;
  complexity: number;
  strength: number;
}

export class NgtdmCalculator {
  private readonly s: Float64Array;
  private readonly n: Float64Array;
  private readonly probabilities: Float64Array;
  /** Per pixel, the sum of its row's 3-wide window clipped to the image. */
  private readonly rowSums: Int32Array;

  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly levels: number,
  ) {
    this.s = new Float64Array(levels);
    this.n = new Float64Array(levels);
    this.probabilities = new Float64Array(levels);
    this.rowSums = new Int32Array(width * height);
  }

  compute(image: Uint8Array): NgtdmFeatures {
    const { levels, s, n, width, height, rowSums } = this;
    s.fill(0);
    n.fill(0);
    // Neighbour sums as 3x3 box sums (two separable passes of integer adds) minus the centre;
    // the neighbour count of a border pixel is its clipped box size minus one.
    for (let r = 0; r < height; r++) {
      const row = r * width;
      for (let c = 0; c < width; c++) {
        let sum = image[row + c];
        if (c > 0) sum += image[row + c - 1];
        if (c + 1 < width) sum += image[row + c + 1];
        rowSums[row + c] = sum;
      }
    }
    for (let r = 0; r < height; r++) {
      const rows = 1 + (r > 0 ? 1 : 0) + (r + 1 < height ? 1 : 0);
      const row = r * width;
      const edgeRow = rows < 3;
      for (let c = 0; c < width; c++) {
        const p = row + c;
        const v = image[p];
        if (!edgeRow && c > 0 && c + 1 < width) {
          // Interior: 8 neighbours, and x / 8 is exactly x * 0.125 (no division on the hot path).
          const box = rowSums[p] + rowSums[p - width] + rowSums[p + width];
          s[v] += Math.abs(v - (box - v) * 0.125);
          n[v]++;
          continue;
        }
        let box = rowSums[p];
        if (r > 0) box += rowSums[p - width];
        if (r + 1 < height) box += rowSums[p + width];
        const cols = 1 + (c > 0 ? 1 : 0) + (c + 1 < width ? 1 : 0);
        // Levels are 0-based here; the +1 of pyradiomics' numbering cancels in the difference.
        s[v] += Math.abs(v - (box - v) / (rows * cols - 1));
        n[v]++;
      }
    }
    return ngtdmFromSums(s, n, levels, this.probabilities);
  }
}

/** `probabilities` is scratch of at least `levels` entries. */
export function ngtdmFromSums(s: Float64Array, n: Float64Array, levels: number, probabilities: Float64Array = new Float64Array(levels)): NgtdmFeatures {
  let nvp = 0;
  for (let i = 0; i < levels; i++) nvp += n[i];
  let sumS = 0;
  let weighted = 0;
  let ngp = 0;
  const p = probabilities;
  for (let i = 0; i < levels; i++) {
    p[i] = n[i] / nvp;
    sumS += s[i];
    weighted += p[i] * s[i];
    if (p[i] > 0) ngp++;
  }
  let contrastPairs = 0;
  let busyDenominator = 0;
  let complexity = 0;
  let strengthNumerator = 0;
  for (let i = 0; i < levels; i++) {
    if (p[i] === 0) continue;
    for (let j = 0; j < levels; j++) {
      if (p[j] === 0) continue;
      const d = i - j;
      contrastPairs += p[i] * p[j] * d * d;
      // i·p_i − j·p_j with 1-based levels.
      busyDenominator += Math.abs((i + 1) * p[i] - (j + 1) * p[j]);
      complexity += (Math.abs(d) * (p[i] * s[i] + p[j] * s[j])) / (p[i] + p[j]);
      strengthNumerator += (p[i] + p[j]) * d * d;
    }
  }
  return {
    // pyradiomics returns 1e6 for a perfectly flat image (Σ p s = 0).
    coarseness: weighted === 0 ? 1e6 : 1 / weighted,
    contrast: ngp > 1 ? (contrastPairs / (ngp * (ngp - 1))) * (sumS / nvp) : 0,
    busyness: busyDenominator === 0 ? 0 : weighted / busyDenominator,
    complexity: complexity / nvp,
    strength: sumS === 0 ? 0 : strengthNumerator / sumS,
  };
}

