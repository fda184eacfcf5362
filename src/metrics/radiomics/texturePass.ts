/**
 * All five texture families of one discretised view from ONE raster pass over its pixels.
 *
 * GLCM, GLRLM, GLDM and GLSZM all ask the same question of every pixel pair in the four
 * forward directions E, SE, S, SW (the GLCM_OFFSETS): which level is the neighbour, and is it
 * the same as mine? The separate calculators (glcm.ts, glrlm.ts, gldm.ts, glszm.ts) each walk
 * the image for it, 1 + 4 + 1 + 1 times per view; here the answer is computed once per pair and
 * stored as four "equal" bits per pixel, from which
 *  - GLCM counts the (level, neighbour level) pair for each angle,
 *  - GLDM's dependence is 1 + the equal bits of the pixel and of its four backward neighbours,
 *  - GLRLM's run ending at a pixel is one longer than the run ending at its predecessor when the
 *    predecessor's bit says they are equal; a run is recorded where the pixel's own bit is 0,
 *  - GLSZM links the pixel to its equal backward neighbours (8-connected union-find), with the
 *    decision tree of two-pass labelling so that at most two links are made per pixel.
 * The image is copied into a frame one pixel wider on every side holding a sentinel level
 * (`levels`), so no neighbour read needs a bounds test: a sentinel never equals a level and its
 * GLCM counts land in a row and column that the summaries never read.
 *
 * NGTDM (box sums) and the first-order histogram need no pair tests and stay separate.
 *
 * The counts are exactly those of the per-family calculators, and GLCM, GLDM and GLSZM are
 * summarised in the same order, so those features are bit-identical; GLRLM visits its run
 * matrix in (level, length) order instead of first-seen order, which changes only the
 * summation order of its sums (≤ 1e-15 relative). radiomics.test.ts checks both.
 */
import { allocateGlcmCells, GLCM_OFFSETS, GlcmLogTable, propsFromCells, type GlcmCells, type GlcmVectorProps } from './glcm';
import { allocateLevelSizeCounts, levelSizeFeatures, sparseFromDense, type LevelSizeCounts, type LevelSizeFeatures } from './sizeZoneStats';

/** Direction d of the pass: GLCM_OFFSETS[d] = (row, col) step to the forward neighbour. */
const DIRECTIONS = GLCM_OFFSETS.length;
const MAX_DEPENDENCE = 9;
/** Zones up to this size are counted through a dense table. */
const SMALL_ZONE = 64;

export interface TextureCounts {
  glcm: GlcmVectorProps;
  /** GLRLM features averaged over the four directions (runPercentage = Nr / Np). */
  glrlm: LevelSizeFeatures & { runPercentage: number };
  glszm: LevelSizeFeatures & { zonePercentage: number };
  gldm: LevelSizeFeatures;
}

export class TexturePass {
  private readonly stride: number;
  private readonly framed: Int32Array;
  /** Per framed pixel: bit d set when the forward neighbour in direction d has the same level. */
  private readonly equal: Uint8Array;
  /** Per direction but E, per framed pixel: length of the run ending at that pixel (E's is kept in a register). */
  private readonly runEnding: Uint16Array[];
  private readonly parent: Int32Array;
  private readonly zoneSize: Int32Array;
  /** Four (levels+1)² GLCM count matrices, one per angle; row/column `levels` is the sentinel's. */
  private readonly pairCounts: Int32Array;
  private readonly cells: GlcmCells;
  private readonly glcmLogs: GlcmLogTable[];
  /** Four levels x maxRun run matrices. */
  private readonly runCounts: Int32Array;
  private readonly longestRun: Int32Array;
  private readonly maxRun: number;
  private readonly dependence: Int32Array;
  /** Per (level, size ≤ SMALL_ZONE): 1 + its entry in `sparse`, or 0. */
  private readonly smallZoneEntry: Int32Array;
  private readonly sparse: LevelSizeCounts;
  private readonly levelTotals: Float64Array;
  private readonly sizeTotals: Float64Array;

  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly levels: number,
  ) {
    if (width > 65535 || height > 65535) throw new RangeError(`radiomics: ${width}x${height} exceeds the run-length counters (65535)`);
    this.stride = width + 2;
    const framedSize = this.stride * (height + 2);
    this.framed = new Int32Array(framedSize).fill(levels);
    this.equal = new Uint8Array(framedSize);
    this.runEnding = Array.from({ length: DIRECTIONS - 1 }, () => new Uint16Array(framedSize));
    this.parent = new Int32Array(framedSize);
    this.zoneSize = new Int32Array(framedSize);
    const side = levels + 1;
    this.pairCounts = new Int32Array(DIRECTIONS * side * side);
    this.cells = allocateGlcmCells(levels);
    const pairs = GLCM_OFFSETS.map(([dr, dc]) => Math.max(0, height - Math.abs(dr)) * Math.max(0, width - Math.abs(dc)));
    // Angles with the same number of pairs share a table.
    const tables = new Map<number, GlcmLogTable>();
    this.glcmLogs = pairs.map((n) => tables.get(n) ?? tables.set(n, new GlcmLogTable(n)).get(n)!);
    this.maxRun = Math.max(width, height);
    this.runCounts = new Int32Array(DIRECTIONS * levels * this.maxRun);
    this.longestRun = new Int32Array(DIRECTIONS);
    this.dependence = new Int32Array(levels * MAX_DEPENDENCE);
    const pixels = width * height;
    this.smallZoneEntry = new Int32Array(levels * (SMALL_ZONE + 1));
    this.sparse = allocateLevelSizeCounts(Math.max(pixels, levels * Math.max(this.maxRun, MAX_DEPENDENCE)));
    this.levelTotals = new Float64Array(levels + 1);
    this.sizeTotals = new Float64Array(pixels + 1);
  }

  compute(image: Uint8Array): TextureCounts {
    this.scan(image);
    return { glcm: this.glcm(), glrlm: this.glrlm(), glszm: this.glszm(), gldm: this.gldm() };
  }

  private scan(image: Uint8Array): void {
    const { width, height, stride, framed, equal, parent, pairCounts, runCounts, dependence, levels, maxRun } = this;
    const [runSE, runS, runSW] = this.runEnding;
    for (let r = 0; r < height; r++) framed.set(image.subarray(r * width, (r + 1) * width), (r + 1) * stride + 1);
    pairCounts.fill(0);
    dependence.fill(0);
    const side = levels + 1;
    const square = side * side;
    // Run matrices of the four directions, and where each direction's longest run ends.
    const runBlock = levels * maxRun;
    let longestE = 0;
    let longestSE = 0;
    let longestS = 0;
    let longestSW = 0;
    for (let r = 0; r < height; r++) {
      const rowStart = (r + 1) * stride + 1;
      // Along the row, the W neighbour's equal bit and E run are the previous iteration's values:
      // carried in registers rather than re-read from memory just written.
      let fromW = 0;
      let lengthE = 0;
      let east = framed[rowStart];
      for (let p = rowStart; p < rowStart + width; p++) {
        const v = east;
        east = framed[p + 1];
        const southWest = framed[p + stride - 1];
        const south = framed[p + stride];
        const southEast = framed[p + stride + 1];
        const row = v * side;
        pairCounts[row + east]++;
        pairCounts[square + row + southEast]++;
        pairCounts[2 * square + row + south]++;
        pairCounts[3 * square + row + southWest]++;
        // 1 when equal, without a branch: x ^ v is 0 or in [1, 511], so (x ^ v) − 1 is negative only for 0.
        const eqE = ((east ^ v) - 1) >>> 31;
        const eqSE = ((southEast ^ v) - 1) >>> 31;
        const eqS = ((south ^ v) - 1) >>> 31;
        const eqSW = ((southWest ^ v) - 1) >>> 31;
        equal[p] = eqE | (eqSE << 1) | (eqS << 2) | (eqSW << 3);
        // The same pairs seen from the other end: is my W / NW / N / NE neighbour equal to me?
        const fromNW = (equal[p - stride - 1] >> 1) & 1;
        const fromN = (equal[p - stride] >> 2) & 1;
        const fromNE = (equal[p - stride + 1] >> 3) & 1;

        dependence[v * MAX_DEPENDENCE + eqE + eqSE + eqS + eqSW + fromW + fromNW + fromN + fromNE]++;

        // Runs: continue the predecessor's run when equal; record it where it ends (bit 0).
        const base = v * maxRun - 1;
        lengthE = 1 + fromW * lengthE;
        runCounts[base + lengthE] += 1 - eqE;
        const lengthSE = 1 + fromNW * runSE[p - stride - 1];
        runSE[p] = lengthSE;
        runCounts[runBlock + base + lengthSE] += 1 - eqSE;
        const lengthS = 1 + fromN * runS[p - stride];
        runS[p] = lengthS;
        runCounts[2 * runBlock + base + lengthS] += 1 - eqS;
        const lengthSW = 1 + fromNE * runSW[p - stride + 1];
        runSW[p] = lengthSW;
        runCounts[3 * runBlock + base + lengthSW] += 1 - eqSW;
        if (lengthE > longestE) longestE = lengthE;
        if (lengthSE > longestSE) longestSE = lengthSE;
        if (lengthS > longestS) longestS = lengthS;
        if (lengthSW > longestSW) longestSW = lengthSW;

        // Zones: N touches W, NW and NE, so when N is equal it is the only link needed; otherwise
        // W touches NW, and NE is not adjacent to either. Roots stay the zone's smallest index.
        if (fromN) parent[p] = root(parent, p - stride);
        else if (fromW) {
          parent[p] = root(parent, p - 1);
          if (fromNE) link(parent, parent[p], p - stride + 1);
        } else if (fromNW) {
          parent[p] = root(parent, p - stride - 1);
          if (fromNE) link(parent, parent[p], p - stride + 1);
        } else if (fromNE) parent[p] = root(parent, p - stride + 1);
        else parent[p] = p;
        fromW = eqE;
      }
    }
    this.longestRun[0] = longestE;
    this.longestRun[1] = longestSE;
    this.longestRun[2] = longestS;
    this.longestRun[3] = longestSW;
  }

  private glcm(): GlcmVectorProps {
    const { levels, pairCounts, cells } = this;
    const side = levels + 1;
    const mean: GlcmVectorProps = { contrast: 0, dissimilarity: 0, homogeneity: 0, energy: 0, correlation: 0, jointEntropy: 0, clusterShade: 0, clusterProminence: 0 };
    for (let a = 0; a < DIRECTIONS; a++) {
      const counts = a * side * side;
      // Symmetric matrix: its upper triangle holds both orders of each pair.
      let k = 0;
      for (let i = 0; i < levels; i++) {
        for (let j = i; j < levels; j++) {
          const n = i === j ? pairCounts[counts + i * side + i] : pairCounts[counts + i * side + j] + pairCounts[counts + j * side + i];
          if (n === 0) continue;
          cells.i[k] = i;
          cells.j[k] = j;
          cells.count[k++] = n;
        }
      }
      cells.length = k;
      const logs = this.glcmLogs[a];
      const props = propsFromCells(cells, logs.pairs, logs);
      mean.contrast += props.contrast / DIRECTIONS;
      mean.dissimilarity += props.dissimilarity / DIRECTIONS;
      mean.homogeneity += props.homogeneity / DIRECTIONS;
      mean.energy += props.energy / DIRECTIONS;
      mean.correlation += props.correlation / DIRECTIONS;
      mean.jointEntropy += props.jointEntropy / DIRECTIONS;
      mean.clusterShade += props.clusterShade / DIRECTIONS;
      mean.clusterProminence += props.clusterProminence / DIRECTIONS;
    }
    return mean;
  }

  private glrlm(): TextureCounts['glrlm'] {
    const { levels, maxRun, runCounts, sparse } = this;
    const pixels = this.width * this.height;
    const sum = { smallEmphasis: 0, largeEmphasis: 0, greyLevelNonUniformityNormalized: 0, sizeNonUniformityNormalized: 0, greyLevelVariance: 0, sizeVariance: 0, entropy: 0, lowGreyLevelEmphasis: 0, highGreyLevelEmphasis: 0, total: 0, runPercentage: 0 };
    for (let d = 0; d < DIRECTIONS; d++) {
      const block = runCounts.subarray(d * levels * maxRun, (d + 1) * levels * maxRun);
      const longest = this.longestRun[d];
      sparseFromDense(block, levels, maxRun, 1, sparse, longest);
      // Only the first `longest` lengths of each level can hold a run: clear just those.
      for (let i = 0; i < levels; i++) block.fill(0, i * maxRun, i * maxRun + longest);
      const f = levelSizeFeatures(sparse, this.levelTotals, this.sizeTotals, longest);
      sum.smallEmphasis += f.smallEmphasis;
      sum.largeEmphasis += f.largeEmphasis;
      sum.greyLevelNonUniformityNormalized += f.greyLevelNonUniformityNormalized;
      sum.sizeNonUniformityNormalized += f.sizeNonUniformityNormalized;
      sum.greyLevelVariance += f.greyLevelVariance;
      sum.sizeVariance += f.sizeVariance;
      sum.entropy += f.entropy;
      sum.lowGreyLevelEmphasis += f.lowGreyLevelEmphasis;
      sum.highGreyLevelEmphasis += f.highGreyLevelEmphasis;
      sum.total += f.total;
      sum.runPercentage += f.total / pixels;
    }
    for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] /= DIRECTIONS;
    return sum;
  }

  private glszm(): TextureCounts['glszm'] {
    const { width, height, stride, framed, parent, zoneSize, smallZoneEntry, sparse } = this;
    const pixels = width * height;
    // Parents point to smaller indices, so one ascending sweep leaves every pixel on its root.
    for (let r = 0; r < height; r++) {
      const rowStart = (r + 1) * stride + 1;
      for (let p = rowStart; p < rowStart + width; p++) {
        const q = parent[parent[p]];
        parent[p] = q;
        zoneSize[p] = 0;
        zoneSize[q]++;
      }
    }
    // Zones by root in ascending order, as glszm.ts lists them, so the sums run in the same order.
    // A (level, size) cell gets its sparse entry when first seen; small sizes find it through a
    // dense table, the few large zones by a linear search (a dense levels x pixels table would
    // be a megabyte of cache misses).
    let touched = 0;
    let largest = 0;
    let firstLarge = -1;
    for (let r = 0; r < height; r++) {
      const rowStart = (r + 1) * stride + 1;
      for (let p = rowStart; p < rowStart + width; p++) {
        const size = zoneSize[p];
        if (size === 0) continue;
        const level = framed[p] + 1;
        if (size > largest) largest = size;
        let entry: number;
        if (size <= SMALL_ZONE) {
          const cell = (level - 1) * (SMALL_ZONE + 1) + size;
          entry = smallZoneEntry[cell] - 1;
          if (entry < 0) smallZoneEntry[cell] = touched + 1;
        } else {
          entry = firstLarge < 0 ? -1 : findEntry(sparse, firstLarge, touched, level, size);
          if (firstLarge < 0) firstLarge = touched;
        }
        if (entry >= 0) sparse.count[entry]++;
        else {
          sparse.level[touched] = level;
          sparse.size[touched] = size;
          sparse.count[touched] = 1;
          touched++;
        }
      }
    }
    sparse.length = touched;
    for (let t = 0; t < touched; t++) if (sparse.size[t] <= SMALL_ZONE) smallZoneEntry[(sparse.level[t] - 1) * (SMALL_ZONE + 1) + sparse.size[t]] = 0;
    const f = levelSizeFeatures(sparse, this.levelTotals, this.sizeTotals, largest) as TextureCounts['glszm'];
    f.zonePercentage = f.total / pixels;
    return f;
  }

  private gldm(): LevelSizeFeatures {
    sparseFromDense(this.dependence, this.levels, MAX_DEPENDENCE, 1, this.sparse);
    return levelSizeFeatures(this.sparse, this.levelTotals, this.sizeTotals, MAX_DEPENDENCE);
  }
}

/** Index of the (level, size) entry among sparse entries from..to−1, or −1. */
function findEntry(sparse: LevelSizeCounts, from: number, to: number, level: number, size: number): number {
  for (let t = from; t < to; t++) if (sparse.size[t] === size && sparse.level[t] === level) return t;
  return -1;
}

function root(parent: Int32Array, p: number): number {
  let r = p;
  while (parent[r] !== r) r = parent[r];
  // Path compression keeps later lookups short.
  while (parent[p] !== r) {
    const next = parent[p];
    parent[p] = r;
    p = next;
  }
  return r;
}

/** Merges the zone of `other` with the zone whose root is `r`, keeping the smaller root. */
function link(parent: Int32Array, r: number, other: number): void {
  const s = root(parent, other);
  if (s < r) parent[r] = s;
  else if (r < s) parent[s] = r;
}
