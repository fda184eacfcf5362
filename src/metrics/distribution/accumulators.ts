/**
 * Consumers of dot-product tiles (see pairwise.ts). Each one keeps only what its metric needs,
 * so a single scan over the real/real, fake/fake and real/fake pairs can feed KID and PRDC.
 */
import { distanceFromDot } from './pairwise';

/** Polynomial kernel of KID (Bińkowski et al. 2018): (x·y / d + 1)³. */
export function polynomialKernel(dot: number, dims: number): number {
  const v = dot / dims + 1;
  return v * v * v;
}

/** Sum of the kernel over all pairs (off-diagonal only for a set against itself). */
export class KernelSum {
  sum = 0;
  constructor(
    private readonly dims: number,
    private readonly symmetric: boolean,
  ) {}

  visit = (i0: number, i1: number, j0: number, j1: number, dots: Float64Array): void => {
    const width = j1 - j0;
    let s = 0;
    for (let i = i0; i < i1; i++) {
      const row = (i - i0) * width;
      const jStart = this.symmetric ? Math.max(j0, i + 1) : j0;
      for (let j = jStart; j < j1; j++) s += polynomialKernel(dots[row + j - j0], this.dims);
    }
    // Off-diagonal pairs of a symmetric scan are visited once but occur twice in the sum.
    this.sum += this.symmetric ? 2 * s : s;
  };
}

/** Dense Float32 copy of the kernel matrix, for KID over many random subsets. */
export class KernelStore {
  readonly values: Float32Array;
  constructor(
    private readonly dims: number,
    readonly rows: number,
    readonly cols: number,
    private readonly symmetric: boolean,
  ) {
    this.values = new Float32Array(rows * cols);
  }

  visit = (i0: number, i1: number, j0: number, j1: number, dots: Float64Array): void => {
    const width = j1 - j0;
    for (let i = i0; i < i1; i++) {
      const row = (i - i0) * width;
      const jStart = this.symmetric ? Math.max(j0, i + 1) : j0;
      for (let j = jStart; j < j1; j++) {
        const k = polynomialKernel(dots[row + j - j0], this.dims);
        this.values[i * this.cols + j] = k;
        if (this.symmetric) this.values[j * this.cols + i] = k;
      }
    }
  };
}

/** k smallest distances from each row to the other rows of the same set (self excluded). */
export class NearestNeighbourRadii {
  private readonly best: Float64Array;
  constructor(
    private readonly norms: Float64Array,
    private readonly k: number,
  ) {
    this.best = new Float64Array(norms.length * k).fill(Infinity);
  }

  visit = (i0: number, i1: number, j0: number, j1: number, dots: Float64Array): void => {
    const width = j1 - j0;
    const norms = this.norms;
    for (let i = i0; i < i1; i++) {
      const row = (i - i0) * width;
      for (let j = Math.max(j0, i + 1); j < j1; j++) {
        const d = distanceFromDot(norms[i], norms[j], dots[row + j - j0]);
        this.offer(i, d);
        this.offer(j, d);
      }
    }
  };

  private offer(row: number, d: number): void {
    const k = this.k;
    const base = row * k;
    const best = this.best;
    if (d >= best[base + k - 1]) return;
    let p = k - 1;
    while (p > 0 && best[base + p - 1] > d) {
      best[base + p] = best[base + p - 1];
      p--;
    }
    best[base + p] = d;
  }

  /** Distance to the k-th nearest other row. */
  radii(): Float64Array {
    const out = new Float64Array(this.norms.length);
    for (let r = 0; r < out.length; r++) out[r] = this.best[r * this.k + this.k - 1];
    return out;
  }
}

/**
 * Real-vs-fake half of PRDC (Naeem et al. 2020), given both sets' k-NN radii. Comparisons are
 * strict (<), as in the reference implementation.
 */
export class PrdcCross {
  /** Per fake sample: number of real balls containing it. */
  readonly realBallsHit: Uint32Array;
  /** Per real sample: inside at least one fake ball. */
  readonly insideFakeBall: Uint8Array;
  /** Per real sample: distance to the nearest fake sample. */
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

  visit = (i0: number, i1: number, j0: number, j1: number, dots: Float64Array): void => {
    const width = j1 - j0;
    for (let i = i0; i < i1; i++) {
      const row = (i - i0) * width;
      const ni = this.realNorms[i];
      const ri = this.realRadii[i];
      let nearest = this.nearestFake[i];
      let inside = this.insideFakeBall[i];
      for (let j = j0; j < j1; j++) {
        const d = distanceFromDot(ni, this.fakeNorms[j], dots[row + j - j0]);
        if (d < ri) this.realBallsHit[j]++;
        if (d < this.fakeRadii[j]) inside = 1;
        if (d < nearest) nearest = d;
      }
      this.nearestFake[i] = nearest;
      this.insideFakeBall[i] = inside;
    }
  };
}
