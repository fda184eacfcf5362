/**
 * Grey-level run-length matrix features (pyradiomics RadiomicsGLRLM definitions) at the four
 * in-plane directions 0°, 45°, 90°, 135°, averaged over directions as pyradiomics does.
 */
import { allocateLevelSizeCounts, levelSizeFeatures, sparseFromDense, type LevelSizeFeatures } from './sizeZoneStats';
import { GLCM_OFFSETS } from './glcm';

export interface GlrlmFeatures extends LevelSizeFeatures {
  /** Nr / Np. */
  runPercentage: number;
}

/** Accumulates P(i, run length) for one direction into `dense` (levels x maxRun, column = length − 1). */
function accumulateRuns(image: Uint8Array, width: number, height: number, dr: number, dc: number, dense: Float64Array, maxRun: number): void {
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      // A line starts where its predecessor along the direction falls outside the image.
      const pr = r - dr;
      const pc = c - dc;
      if (pr >= 0 && pr < height && pc >= 0 && pc < width) continue;
      let rr = r;
      let cc = c;
      let current = image[rr * width + cc];
      let length = 0;
      while (rr >= 0 && rr < height && cc >= 0 && cc < width) {
        const v = image[rr * width + cc];
        if (v === current) {
          length++;
        } else {
          dense[current * maxRun + length - 1]++;
          current = v;
          length = 1;
        }
        rr += dr;
        cc += dc;
      }
      dense[current * maxRun + length - 1]++;
    }
  }
}

export class GlrlmCalculator {
  private readonly maxRun: number;
  private readonly dense: Float64Array;
  private readonly sparse;
  private readonly levelTotals: Float64Array;
  private readonly sizeTotals: Float64Array;

  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly levels: number,
  ) {
    this.maxRun = Math.max(width, height);
    this.dense = new Float64Array(levels * this.maxRun);
    this.sparse = allocateLevelSizeCounts(levels * this.maxRun);
    this.levelTotals = new Float64Array(levels + 1);
    this.sizeTotals = new Float64Array(this.maxRun + 1);
  }

  compute(image: Uint8Array): GlrlmFeatures {
    const sum = emptyGlrlm();
    const keys = Object.keys(sum) as (keyof GlrlmFeatures)[];
    for (const [dr, dc] of GLCM_OFFSETS) {
      this.dense.fill(0);
      accumulateRuns(image, this.width, this.height, dr, dc, this.dense, this.maxRun);
      sparseFromDense(this.dense, this.levels, this.maxRun, (col) => col + 1, this.sparse);
      const f = levelSizeFeatures(this.sparse, this.levelTotals, this.sizeTotals);
      const one: GlrlmFeatures = { ...f, runPercentage: f.total / (this.width * this.height) };
      for (const key of keys) sum[key] += one[key];
    }
    for (const key of keys) sum[key] /= GLCM_OFFSETS.length;
    return sum;
  }
}

function emptyGlrlm(): GlrlmFeatures {
  return {
    smallEmphasis: 0,
    largeEmphasis: 0,
    greyLevelNonUniformityNormalized: 0,
    sizeNonUniformityNormalized: 0,
    greyLevelVariance: 0,
    sizeVariance: 0,
    entropy: 0,
    lowGreyLevelEmphasis: 0,
    highGreyLevelEmphasis: 0,
    total: 0,
    runPercentage: 0,
  };
}
