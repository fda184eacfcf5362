/**
 * Consumers of dot-product tiles (see pairwise.ts). Each one keeps only what its metric needs,
 * so a single scan over the real/real, fake/fake and real/fake pairs can feed KID and PRDC, and
 * nothing of size N x N is ever stored. Distances stay squared: every PRDC test is a comparison
 * of two distances, which squaring preserves, so no pair pays for a square root.
 */
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
 * Sums of the KID kernel over all pairs (off-diagonal only for a set against itself), in total
 * and per subset (pairs with both samples in the subset). Each tile's kernel values are kept in
 * a scratch tile, then every subset gathers its rows x columns of it.
 */
export class KernelSum {
  sum = 0;
  readonly subsetSums: Float64Array;
  private kernels = new Float64Array(0);
  private readonly rowMembers: TileMembers | null;
  private readonly colMembers: TileMembers | null;

  constructor(
    private readonly dims: number,
    private readonly symmetric: boolean,
    private readonly rowMembership: SubsetMembership | null,
    private readonly colMembership: SubsetMembership | null,
    private readonly subsetCount: number,
  ) {
    this.subsetSums = new Float64Array(subsetCount);
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
    this.sum += s;
    if (keep) this.gatherSubsets(i0, i1, j0, j1, stride);
  };

  private gatherSubsets(i0: number, i1: number, j0: number, j1: number, stride: number): void {
    const rows = this.rowMembers!;
    const cols = this.colMembers!;
    rows.fill(this.rowMembership!, i0, i1);
    // The scan walks the row tiles of one column block in turn, so column lists are reused.
    cols.fill(this.colMembership!, j0, j1);
    const { kernels, subsetSums } = this;
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
    return this.symmetric ? 2 * this.sum : this.sum;
  }

  subsetTotal(t: number): number {
    return this.symmetric ? 2 * this.subsetSums[t] : this.subsetSums[t];
  }
}

/** k smallest squared distances from each row to the other rows of the same set (self excluded). */
export class NearestNeighbourRadii {
  private readonly best: Float64Array;
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
