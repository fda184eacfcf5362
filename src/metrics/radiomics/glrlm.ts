/**
 * Grey-level run-length matrix features (pyradiomics RadiomicsGLRLM definitions) at the four
 * in-plane directions 0°, 45°, 90°, 135°, averaged over directions as pyradiomics does.
 */
import { allocateLevelSizeCounts, levelSizeFeatures, type LevelSizeCounts, type LevelSizeFeatures } from './sizeZoneStats';
import { GLCM_OFFSETS } from './glcm';

export interface GlrlmFeatures extends LevelSizeFeatures {
  /** Nr / Np. */
  runPercentage: number;
}

/** The lines of one direction: line l starts at pixel start[l], has length[l] pixels, `step` apart. */
interface DirectionLines {
  step: number;
  start: Int32Array;
  length: Int32Array;
}

/** Lines along (dr, dc) ∈ GLCM_OFFSETS: each starts where its predecessor falls outside the image. */
function directionLines(width: number, height: number, dr: number, dc: number): DirectionLines {
  const start: number[] = [];
  const length: number[] = [];
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const pr = r - dr;
      const pc = c - dc;
      if (pr >= 0 && pr < height && pc >= 0 && pc < width) continue;
      let n = 0;
      for (let rr = r, cc = c; rr >= 0 && rr < height && cc >= 0 && cc < width; rr += dr, cc += dc) n++;
      start.push(r * width + c);
      length.push(n);
    }
  }
  return { step: dr * width + dc, start: Int32Array.from(start), length: Int32Array.from(length) };
}

export class GlrlmCalculator {
  private readonly maxRun: number;
  private readonly directions: DirectionLines[];
  /** Dense (level, run length − 1) counts; only the touched cells are read back and cleared. */
  private readonly dense: Float64Array;
  private readonly touched: Int32Array;
  private readonly sparse;
  private readonly levelTotals: Float64Array;
  private readonly sizeTotals: Float64Array;

  constructor(
    private readonly width: number,
    private readonly height: number,
    levels: number,
  ) {
    this.maxRun = Math.max(width, height);
    this.directions = GLCM_OFFSETS.map(([dr, dc]) => directionLines(width, height, dr, dc));
    this.dense = new Float64Array(levels * this.maxRun);
    this.touched = new Int32Array(levels * this.maxRun);
    this.sparse = allocateLevelSizeCounts(levels * this.maxRun);
    this.levelTotals = new Float64Array(levels + 1);
    this.sizeTotals = new Float64Array(this.maxRun + 1);
  }

  compute(image: Uint8Array): GlrlmFeatures {
    const sum = emptyGlrlm();
    const keys = Object.keys(sum) as (keyof GlrlmFeatures)[];
    const pixels = this.width * this.height;
    for (const lines of this.directions) {
      const f = levelSizeFeatures(this.runs(image, lines), this.levelTotals, this.sizeTotals);
      const one: GlrlmFeatures = { ...f, runPercentage: f.total / pixels };
      for (const key of keys) sum[key] += one[key];
    }
    for (const key of keys) sum[key] /= GLCM_OFFSETS.length;
    return sum;
  }

  /** P(i, run length) of one direction, as sparse counts. */
  private runs(image: Uint8Array, lines: DirectionLines): LevelSizeCounts {
    const { dense, touched, maxRun } = this;
    const { step, start, length } = lines;
    let touchedCount = 0;
    for (let l = 0; l < start.length; l++) {
      let p = start[l];
      let current = image[p];
      let run = 1;
      for (let n = length[l] - 1; n > 0; n--) {
        p += step;
        const v = image[p];
        if (v === current) {
          run++;
          continue;
        }
        const cell = current * maxRun + run - 1;
        if (dense[cell]++ === 0) touched[touchedCount++] = cell;
        current = v;
        run = 1;
      }
      const cell = current * maxRun + run - 1;
      if (dense[cell]++ === 0) touched[touchedCount++] = cell;
    }
    const sparse = this.sparse;
    for (let t = 0; t < touchedCount; t++) {
      const cell = touched[t];
      const level = Math.floor(cell / maxRun);
      sparse.level[t] = level + 1;
      sparse.size[t] = cell - level * maxRun + 1;
      sparse.count[t] = dense[cell];
      dense[cell] = 0;
    }
    sparse.length = touchedCount;
    return sparse;
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
