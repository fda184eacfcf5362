/**
 * Image filters whose responses radiomics describes: scale-normalised Laplacian of Gaussian
 * (σ² ∇²G, so responses at different σ share a scale, like SimpleITK's LoG behind pyradiomics)
 * and a one-level decimated Haar wavelet (pyradiomics defaults to an undecimated coif1; Haar
 * on 2x2 blocks is the cheap, exactly invertible choice). Boundaries use scipy.ndimage's
 * 'reflect' (half-sample symmetric) extension.
 */

/** Normalised Gaussian taps, truncated at 4σ like scipy.ndimage. */
export function gaussianTaps4(sigma: number): Float64Array {
  const radius = Math.trunc(4 * sigma + 0.5);
  const taps = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let x = -radius; x <= radius; x++) {
    taps[x + radius] = Math.exp((-0.5 * x * x) / (sigma * sigma));
    sum += taps[x + radius];
  }
  for (let i = 0; i < taps.length; i++) taps[i] /= sum;
  return taps;
}

function reflectIndex(i: number, n: number): number {
  // Half-sample symmetric: -1 → 0, n → n-1; loop for kernels wider than the image.
  for (;;) {
    if (i < 0) i = -i - 1;
    else if (i >= n) i = 2 * n - i - 1;
    else return i;
  }
}

/**
 * Rows are copied into `padded` with their reflected margins, so every tap reads without bounds
 * logic. Four outputs share each tap load; each output still sums its taps in order from 0, so
 * the result is the same to the bit as one output at a time.
 */
function correlateRows(src: Float64Array, width: number, height: number, taps: Float64Array, padded: Float64Array, out: Float64Array): void {
  const r = (taps.length - 1) >> 1;
  const nt = taps.length;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = -r; x < width + r; x++) padded[x + r] = src[row + reflectIndex(x, width)];
    let x = 0;
    for (; x + 3 < width; x += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let t = 0; t < nt; t++) {
        const w = taps[t];
        const p = x + t;
        a0 += w * padded[p];
        a1 += w * padded[p + 1];
        a2 += w * padded[p + 2];
        a3 += w * padded[p + 3];
      }
      out[row + x] = a0;
      out[row + x + 1] = a1;
      out[row + x + 2] = a2;
      out[row + x + 3] = a3;
    }
    for (; x < width; x++) {
      let acc = 0;
      for (let t = 0; t < nt; t++) acc += taps[t] * padded[x + t];
      out[row + x] = acc;
    }
  }
}

/** Columns: the source rows of each tap are looked up once per output row (`sourceRows`). */
function correlateColumns(src: Float64Array, width: number, height: number, taps: Float64Array, sourceRows: Int32Array, out: Float64Array): void {
  const r = (taps.length - 1) >> 1;
  const nt = taps.length;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let t = 0; t < nt; t++) sourceRows[t] = reflectIndex(y + t - r, height) * width;
    let x = 0;
    for (; x + 3 < width; x += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let t = 0; t < nt; t++) {
        const w = taps[t];
        const p = sourceRows[t] + x;
        a0 += w * src[p];
        a1 += w * src[p + 1];
        a2 += w * src[p + 2];
        a3 += w * src[p + 3];
      }
      out[row + x] = a0;
      out[row + x + 1] = a1;
      out[row + x + 2] = a2;
      out[row + x + 3] = a3;
    }
    for (; x < width; x++) {
      let acc = 0;
      for (let t = 0; t < nt; t++) acc += taps[t] * src[sourceRows[t] + x];
      out[row + x] = acc;
    }
  }
}

/**
 * Reusable LoG filter for one image size and σ: Gaussian smoothing (two separable passes) then
 * the 5-point discrete Laplacian, scaled by σ². ∇²(G∗I) = (∇²G)∗I, so this is the LoG up to
 * the stencil's O(h²) error, at half the passes of convolving with both second-derivative
 * kernels — the filter was the largest single cost of the radiomics vector.
 */
export class LaplacianOfGaussian {
  private readonly taps: Float64Array;
  private readonly rows: Float64Array;
  private readonly smooth: Float64Array;
  private readonly padded: Float64Array;
  private readonly sourceRows: Int32Array;

  constructor(
    readonly sigma: number,
    private readonly width: number,
    private readonly height: number,
  ) {
    this.taps = gaussianTaps4(sigma);
    this.rows = new Float64Array(width * height);
    this.smooth = new Float64Array(width * height);
    this.padded = new Float64Array(width + this.taps.length - 1);
    this.sourceRows = new Int32Array(this.taps.length);
  }

  apply(src: Float64Array, out: Float64Array): Float64Array {
    const { width, height, rows, smooth } = this;
    correlateRows(src, width, height, this.taps, this.padded, rows);
    correlateColumns(rows, width, height, this.taps, this.sourceRows, smooth);
    const s2 = this.sigma * this.sigma;
    for (let y = 0; y < height; y++) {
      // Reflect boundary: the missing neighbour equals the edge pixel itself.
      const up = (y > 0 ? y - 1 : 0) * width;
      const down = (y < height - 1 ? y + 1 : y) * width;
      const row = y * width;
      for (let x = 0; x < width; x++) {
        const left = x > 0 ? x - 1 : 0;
        const right = x < width - 1 ? x + 1 : x;
        const centre = smooth[row + x];
        out[row + x] = s2 * (smooth[row + left] + smooth[row + right] + smooth[up + x] + smooth[down + x] - 4 * centre);
      }
    }
    return out;
  }
}

export interface HaarBands {
  LL: Float64Array;
  LH: Float64Array;
  HL: Float64Array;
  HH: Float64Array;
  width: number;
  height: number;
}

export const HAAR_BAND_NAMES = ['LL', 'LH', 'HL', 'HH'] as const;

/**
 * Orthonormal one-level 2-D Haar transform on 2x2 blocks [[a, b], [c, d]]: LL = (a+b+c+d)/2,
 * LH = (a+b−c−d)/2 (vertical change), HL = (a−b+c−d)/2 (horizontal change), HH = (a−b−c+d)/2.
 * An odd last row/column is dropped.
 */
export function haar(src: Float64Array, width: number, height: number, out?: HaarBands): HaarBands {
  const w = width >> 1;
  const h = height >> 1;
  const bands = out ?? { LL: new Float64Array(w * h), LH: new Float64Array(w * h), HL: new Float64Array(w * h), HH: new Float64Array(w * h), width: w, height: h };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = 2 * y * width + 2 * x;
      const a = src[p];
      const b = src[p + 1];
      const c = src[p + width];
      const d = src[p + width + 1];
      const o = y * w + x;
      bands.LL[o] = (a + b + c + d) / 2;
      bands.LH[o] = (a + b - c - d) / 2;
      bands.HL[o] = (a - b + c - d) / 2;
      bands.HH[o] = (a - b - c + d) / 2;
    }
  }
  return bands;
}
