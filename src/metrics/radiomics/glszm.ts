/**
 * Grey-level size-zone matrix features (pyradiomics RadiomicsGLSZM): zones are 8-connected
 * regions of one grey level (pyradiomics' full connectivity in 2-D), found with one
 * union-find labelling pass instead of a flood fill per zone.
 */
import { allocateLevelSizeCounts, levelSizeFeatures, type LevelSizeFeatures } from './sizeZoneStats';

export interface GlszmFeatures extends LevelSizeFeatures {
  /** Nz / Np. */
  zonePercentage: number;
}

export class GlszmCalculator {
  private readonly parent: Int32Array;
  private readonly zoneSize: Int32Array;
  /** Dense (level, size) counts; only the touched cells are read back and cleared. */
  private readonly joint: Float64Array;
  private readonly touched: Int32Array;
  private readonly sparse;
  private readonly levelTotals: Float64Array;
  private readonly sizeTotals: Float64Array;

  constructor(
    private readonly width: number,
    private readonly height: number,
    levels: number,
  ) {
    const np = width * height;
    this.parent = new Int32Array(np);
    this.zoneSize = new Int32Array(np);
    this.joint = new Float64Array(levels * (np + 1));
    this.touched = new Int32Array(np);
    this.sparse = allocateLevelSizeCounts(np);
    this.levelTotals = new Float64Array(levels + 1);
    this.sizeTotals = new Float64Array(np + 1);
  }

  compute(image: Uint8Array): GlszmFeatures {
    const { width, height, parent, zoneSize, joint, touched } = this;
    const np = width * height;
    for (let p = 0; p < np; p++) parent[p] = p;
    // Link each pixel to its already-visited 8-neighbours (W, NW, N, NE) of the same level.
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const p = r * width + c;
        const v = image[p];
        if (c > 0 && image[p - 1] === v) union(parent, p, p - 1);
        if (r > 0) {
          const up = p - width;
          if (c > 0 && image[up - 1] === v) union(parent, p, up - 1);
          if (image[up] === v) union(parent, p, up);
          if (c < width - 1 && image[up + 1] === v) union(parent, p, up + 1);
        }
      }
    }
    zoneSize.fill(0);
    for (let p = 0; p < np; p++) zoneSize[find(parent, p)]++;
    let touchedCount = 0;
    for (let p = 0; p < np; p++) {
      const size = zoneSize[p];
      if (size === 0) continue;
      const cell = image[p] * (np + 1) + size;
      if (joint[cell] === 0) touched[touchedCount++] = cell;
      joint[cell]++;
    }
    const sparse = this.sparse;
    for (let t = 0; t < touchedCount; t++) {
      const cell = touched[t];
      const level = Math.floor(cell / (np + 1));
      sparse.level[t] = level + 1;
      sparse.size[t] = cell - level * (np + 1);
      sparse.count[t] = joint[cell];
      joint[cell] = 0;
    }
    sparse.length = touchedCount;
    const f = levelSizeFeatures(sparse, this.levelTotals, this.sizeTotals);
    return { ...f, zonePercentage: f.total / np };
  }
}

function find(parent: Int32Array, p: number): number {
  let root = p;
  while (parent[root] !== root) root = parent[root];
  // Path compression keeps later finds O(1).
  while (parent[p] !== root) {
    const next = parent[p];
    parent[p] = root;
    p = next;
  }
  return root;
}

function union(parent: Int32Array, a: number, b: number): void {
  const ra = find(parent, a);
  const rb = find(parent, b);
  if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
}
