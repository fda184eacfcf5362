/**
 * Consumers of dot-product tiles (see pairwise.ts). Each one keeps only what its metric needs,
 * so a single scan over the real/real, fake/fake and real/fake pairs can feed KID and PRDC, and
 * nothing of size N x N is ever stored. Distances stay squared: every PRDC test is a comparison
 * of two distances, which squaring preserves, so no pair pays for a square root.
 */
import { TILE_ROWS } from '../linalg/dotTiles';
import { squaredDistanceFromDot } from './pairwise';

/** Polynomial kernel of KID (Bińkowski et al. 2018): (x·y / d + 1)³. */
export function polynomialKernel(dot: number, dims: number): number {
  const v = dot / dims + 1;
  return v * v * v;
}

/**
 * Which KID subsets each sample belongs to, as compressed rows: sample i is in subsets
 * subsets[start[i] .. start[i + 1]). With 100 subsets of 1,000 out of 5,000 a sample is in ~20
 * and a pair in ~4, so folding the subset sums into the scan costs a few adds per pair instead
 * of a stored N x N kernel matrix (300 MB of Float32 at 5,000).
 */
export interface SubsetMembership {
  start: Int32Array;
  subsets: Int32Array;
}

/**
 * Per-tile lists of the tile's rows (or columns) in each subset: items[t * capacity + c] for
 * c < count[t], as offsets from the tile's first row.
 */
class TileMembers {
  count: Int32Array;
  items: Int32Array;
  /** First row of the tile the lists describe (−1: none yet). */
  origin = -1;
  capacity = 0;

  constructor(private readonly subsetCount: number) {
    this.count = new Int32Array(subsetCount);
    this.items = new Int32Array(0);
  }

  fill(members: SubsetMembership, r0: number, r1: number): void {
    if (this.origin === r0) return;
    const size = r1 - r0;
    if (size > this.capacity) {
      this.capacity = size;
      this.items = new Int32Array(this.subsetCount * size);
    }
    const { count, items, capacity } = this;
    count.fill(0);
    const { start, subsets } = members;
    for (let r = r0; r < r1; r++) {
      for (let m = start[r]; m < start[r + 1]; m++) {
        const t = subsets[m];
        items[t * capacity + count[t]++] = r - r0;
      }
    }
    this.origin = r0;
  }
}

/**
 * What a KernelSum has added up, per row block (TILE_ROWS rows of the scan's first matrix): the
 * kernel sum and the per-subset sums. A row block is always scanned whole by one scan, tile by
 * tile in column order, so its partial sums do not depend on how the rows were split between
 * workers, and neither do the totals, which add the blocks in order.
 */
export interface KernelSumState {
  blockSums: Float64Array;
  /** blocks x subsets. */
  blockSubsetSums: Float64Array;
}

/**
 * Sums of the KID kernel over all pairs (off-diagonal only for a set against itself), in total
 * and per subset (pairs with both samples in the subset). Each tile's kernel values are kept in
 * a scratch tile, then every subset gathers its rows x columns of it.
 */
export class KernelSum {
  readonly state: KernelSumState;
  private kernels = new Float64Array(0);
  private readonly rowMembers: TileMembers | null;
  private readonly colMembers: TileMembers | null;

  constructor(
    private readonly dims: number,
    private readonly symmetric: boolean,
    rows: number,
    private readonly rowMembership: SubsetMembership | null,
    private readonly colMembership: SubsetMembership | null,
    private readonly subsetCount: number,
  ) {
    const blocks = Math.ceil(rows / TILE_ROWS);
    this.state = { blockSums: new Float64Array(blocks), blockSubsetSums: new Float64Array(blocks * subsetCount) };
    this.rowMembers = rowMembership && subsetCount > 0 ? new TileMembers(subsetCount) : null;
    this.colMembers = colMembership && subsetCount > 0 ? new TileMembers(subsetCount) : null;
  }

  visit = (i0: number, i1: number, j0: number, j1: number, dots: Float64Array, stride: number): void => {
    const { dims, symmetric } = this;
    const keep = this.rowMembers !== null;
    if (keep && this.kernels.length < dots.length) this.kernels = new Float64Array(dots.length);
    const kernels = this.kernels;
    let s = 0;
    for (let i = i0; i < i1; i++) {
      const row = (i - i0) * stride - j0;
      const jStart = symmetric ? Math.max(j0, i + 1) : j0;
      for (let j = jStart; j < j1; j++) {
        const v = dots[row + j] / dims + 1;
        const k = v * v * v;
        s += k;
        if (keep) kernels[row + j] = k;
      }
    }
    this.state.blockSums[i0 / TILE_ROWS] += s;
    if (keep) this.gatherSubsets(i0, i1, j0, j1, stride);
  };

  /** Adds another scan's blocks (each block is non-zero in exactly one of them, so this is exact). */
  merge(other: KernelSumState): void {
    add(this.state.blockSums, other.blockSums);
    add(this.state.blockSubsetSums, other.blockSubsetSums);
  }

  private gatherSubsets(i0: number, i1: number, j0: number, j1: number, stride: number): void {
    const rows = this.rowMembers!;
    const cols = this.colMembers!;
    rows.fill(this.rowMembership!, i0, i1);
    // The scan walks the row tiles of one column block in turn, so column lists are reused.
    cols.fill(this.colMembership!, j0, j1);
    const { kernels } = this;
    const subsetSums = this.state.blockSubsetSums.subarray((i0 / TILE_ROWS) * this.subsetCount, (i0 / TILE_ROWS + 1) * this.subsetCount);
    // Only tiles that straddle the diagonal hold pairs with j <= i, which a set against itself skips.
    const diagonal = this.symmetric && j0 < i1;
    for (let t = 0; t < this.subsetCount; t++) {
      const nr = rows.count[t];
      const nc = cols.count[t];
      if (nr === 0 || nc === 0) continue;
      const rBase = t * rows.capacity;
      const cBase = t * cols.capacity;
      let s = 0;
      for (let a = 0; a < nr; a++) {
        const r = rows.items[rBase + a];
        const row = r * stride;
        if (diagonal) {
          const i = i0 + r;
          for (let b = 0; b < nc; b++) {
            const c = cols.items[cBase + b];
            if (j0 + c > i) s += kernels[row + c];
          }
        } else {
          for (let b = 0; b < nc; b++) s += kernels[row + cols.items[cBase + b]];
        }
      }
      subsetSums[t] += s;
    }
  }

  /** Off-diagonal pairs of a symmetric scan are visited once but occur twice in the sums. */
  get total(): number {
    let sum = 0;
    for (const s of this.state.blockSums) sum += s;
    return this.symmetric ? 2 * sum : sum;
  }

  subsetTotal(t: number): number {
    const { blockSubsetSums } = this.state;
    let sum = 0;
    for (let b = t; b < blockSubsetSums.length; b += this.subsetCount) sum += blockSubsetSums[b];
    return this.symmetric ? 2 * sum : sum;
  }
}

function add(into: Float64Array, from: Float64Array): void {
  if (into.length !== from.length) throw new RangeError(`accumulators: cannot merge ${from.length} values into ${into.length}`);
  for (let i = 0; i < into.length; i++) into[i] += from[i];
}

/** k smallest squared distances from each row to the other rows of the same set (self excluded). */
export class NearestNeighbourRadii {
  /** rows x k, ascending per row. */
  readonly best: Float64Array;
  constructor(
    private readonly norms: Float64Array,
    private readonly k: number,
  ) {
    this.best = new Float64Array(norms.length * k).fill(Infinity);
  }

  visit = (i0: number, i1: number, j0: number, j1: number, dots: Float64Array, stride: number): void => {
    const { norms, best, k } = this;
    const last = k - 1;
    for (let i = i0; i < i1; i++) {
      const row = (i - i0) * stride - j0;
      const ni = norms[i];
      for (let j = Math.max(j0, i + 1); j < j1; j++) {
        const d = squaredDistanceFromDot(ni, norms[j], dots[row + j]);
        if (d < best[i * k + last]) this.offer(i, d);
        if (d < best[j * k + last]) this.offer(j, d);
      }
    }
  };

  private offer(row: number, d: number): void {
    const k = this.k;
    const base = row * k;
    const best = this.best;
    let p = k - 1;
    while (p > 0 && best[base + p - 1] > d) {
      best[base + p] = best[base + p - 1];
      p--;
    }
    best[base + p] = d;
  }

  /**
   * Takes in another scan's lists (of other rows of the same set): each row keeps the k smallest
   * of both. Every pair was offered to exactly one of the two, so this is the full scan's result.
   */
  merge(otherBest: Float64Array): void {
    if (otherBest.length !== this.best.length) throw new RangeError(`accumulators: cannot merge ${otherBest.length} neighbour distances into ${this.best.length}`);
    const { k, best } = this;
    for (let row = 0; row < this.norms.length; row++) {
      for (let m = row * k; m < (row + 1) * k; m++) {
        const d = otherBest[m];
        if (d < best[row * k + k - 1]) this.offer(row, d);
        else break;
      }
    }
  }

  /** Squared distance to the k-th nearest other row. */
  squaredRadii(): Float64Array {
    const out = new Float64Array(this.norms.length);
    for (let r = 0; r < out.length; r++) out[r] = this.best[r * this.k + this.k - 1];
    return out;
  }
}

/**
 * Real-vs-fake half of PRDC (Naeem et al. 2020), given both sets' squared k-NN radii.
 * Comparisons are strict (<), as in the reference implementation.
 */
export class PrdcCross {
  /** Per fake sample: number of real balls containing it. */
  readonly realBallsHit: Uint32Array;
  /** Per real sample: inside at least one fake ball. */
  readonly insideFakeBall: Uint8Array;
  /** Per real sample: squared distance to the nearest fake sample. */
  readonly nearestFake: Float64Array;

  constructor(
    private readonly realNorms: Float64Array,
    private readonly fakeNorms: Float64Array,
    private readonly realRadii: Float64Array,
    private readonly fakeRadii: Float64Array,
  ) {
    this.realBallsHit = new Uint32Array(fakeNorms.length);
    this.insideFakeBall = new Uint8Array(realNorms.length);
    this.nearestFake = new Float64Array(realNorms.length).fill(Infinity);
  }

  /**
   * Takes in a scan of other real rows: per-real results are copied for `rows`, ball hits per
   * fake sample (integer counts) are added.
   */
  merge(other: Pick<PrdcCross, 'realBallsHit' | 'insideFakeBall' | 'nearestFake'>, rows: { start: number; end: number }): void {
    for (let j = 0; j < this.realBallsHit.length; j++) this.realBallsHit[j] += other.realBallsHit[j];
    this.insideFakeBall.set(other.insideFakeBall.subarray(rows.start, rows.end), rows.start);
    this.nearestFake.set(other.nearestFake.subarray(rows.start, rows.end), rows.start);
  }

  visit = (i0: number, i1: number, j0: number, j1: number, dots: Float64Array, stride: number): void => {
    const { realNorms, fakeNorms, realRadii, fakeRadii, realBallsHit } = this;
    for (let i = i0; i < i1; i++) {
      const row = (i - i0) * stride - j0;
      const ni = realNorms[i];
      const ri = realRadii[i];
      let nearest = this.nearestFake[i];
      let inside = this.insideFakeBall[i];
      for (let j = j0; j < j1; j++) {
        const d = squaredDistanceFromDot(ni, fakeNorms[j], dots[row + j]);
        if (d < ri) realBallsHit[j]++;
        if (d < fakeRadii[j]) inside = 1;
        if (d < nearest) nearest = d;
      }
      this.nearestFake[i] = nearest;
      this.insideFakeBall[i] = inside;
    }
  };
}
