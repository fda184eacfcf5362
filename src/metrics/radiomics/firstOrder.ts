/**
 * First-order statistics (pyradiomics RadiomicsFirstOrder definitions) of raw intensities;
 * entropy and uniformity use the discretised levels, as pyradiomics does.
 */
import { LOG_EPS } from './sizeZoneStats';

export interface FirstOrderFeatures {
  mean: number;
  standardDeviation: number;
  skewness: number;
  kurtosis: number;
  minimum: number;
  percentile10: number;
  median: number;
  percentile90: number;
  maximum: number;
  interquartileRange: number;
  meanAbsoluteDeviation: number;
  robustMeanAbsoluteDeviation: number;
  entropy: number;
  uniformity: number;
}

/**
 * Places the k-th smallest of a[left..right] at index k, smaller ones before it, larger after
 * (Hoare quickselect, median-of-three pivot).
 */
function selectInPlace(a: Float64Array, k: number, left: number, right: number): void {
  while (right > left) {
    const mid = (left + right) >> 1;
    if (a[mid] < a[left]) swap(a, mid, left);
    if (a[right] < a[left]) swap(a, right, left);
    if (a[right] < a[mid]) swap(a, right, mid);
    const pivot = a[mid];
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

const PERCENTILES = [10, 25, 50, 75, 90] as const;
type Percentiles = Record<(typeof PERCENTILES)[number], number>;

/**
 * numpy.percentile (linear interpolation) of several q at once, from exact order statistics
 * found without sorting: values are counted into equal-width buckets over [min, max] (a
 * monotone map, so bucket b holds exactly the ranks cum[b]..cum[b+1]−1), then only the few
 * buckets holding a wanted rank are gathered and selected in. Two passes over the values plus
 * a selection among a handful of them; a quickselect per rank over all values cost several
 * times more, and this was the largest single cost of the radiomics vector.
 */
class PercentileFinder {
  private readonly bucketOf: Uint16Array;
  /** counts[b]: number of values in buckets below b, once prefix-summed; counts[buckets] = n. */
  private readonly counts: Int32Array;
  /** Per bucket: its segment in `gathered` when it holds a wanted rank, else −1. */
  private readonly segmentOf: Int16Array;
  private readonly segmentFill: Int32Array;
  private readonly gathered: Float64Array;
  private readonly ranks: Int32Array;
  private readonly rankBucket: Int32Array;
  private readonly rankValues: Float64Array;
  private readonly positions: Float64Array;

  constructor(private readonly n: number) {
    this.bucketOf = new Uint16Array(n);
    // About four values per bucket, at most 4096 buckets.
    const buckets = Math.min(4096, Math.max(1, n >> 2));
    this.counts = new Int32Array(buckets + 1);
    this.segmentOf = new Int16Array(buckets).fill(-1);
    this.gathered = new Float64Array(n);
    this.positions = Float64Array.from(PERCENTILES, (q) => (q / 100) * (n - 1));
    const ranks: number[] = [];
    for (const pos of this.positions) ranks.push(Math.floor(pos), Math.min(Math.floor(pos) + 1, n - 1));
    this.ranks = Int32Array.from(ranks);
    this.rankBucket = new Int32Array(ranks.length);
    this.segmentFill = new Int32Array(ranks.length);
    this.rankValues = new Float64Array(ranks.length);
  }

  compute(values: Float64Array, minimum: number, maximum: number): Percentiles {
    if (maximum > minimum) this.orderStatistics(values, minimum, maximum);
    else this.rankValues.fill(minimum);
    const out = {} as Percentiles;
    PERCENTILES.forEach((q, i) => {
      const pos = this.positions[i];
      const lo = this.rankValues[2 * i];
      out[q] = lo + (this.rankValues[2 * i + 1] - lo) * (pos - Math.floor(pos));
    });
    return out;
  }

  /** rankValues[r] = the ranks[r]-th smallest value. */
  private orderStatistics(values: Float64Array, minimum: number, maximum: number): void {
    const { n, bucketOf, counts, segmentOf, segmentFill, gathered, ranks, rankBucket, rankValues } = this;
    const buckets = counts.length - 1;
    const scale = buckets / (maximum - minimum);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const b = Math.min(buckets - 1, Math.floor((values[i] - minimum) * scale));
      bucketOf[i] = b;
      counts[b + 1]++;
    }
    for (let b = 1; b <= buckets; b++) counts[b] += counts[b - 1];
    // Segments of `gathered`, one per distinct bucket holding a wanted rank, in bucket order.
    let segments = 0;
    let offset = 0;
    let b = 0;
    for (let r = 0; r < ranks.length; r++) {
      // Ranks ascend except for tiny n, where neighbouring percentiles share and revisit ranks.
      if (r > 0 && ranks[r] < ranks[r - 1]) b = 0;
      while (counts[b + 1] <= ranks[r]) b++;
      rankBucket[r] = b;
      if (segmentOf[b] < 0) {
        segmentOf[b] = segments;
        segmentFill[segments++] = offset;
        offset += counts[b + 1] - counts[b];
      }
    }
    for (let i = 0; i < n; i++) {
      const s = segmentOf[bucketOf[i]];
      if (s >= 0) gathered[segmentFill[s]++] = values[i];
    }
    for (let r = 0; r < ranks.length; r++) {
      const bucket = rankBucket[r];
      const size = counts[bucket + 1] - counts[bucket];
      // The segment was filled up to its end, so it starts `size` before that.
      const start = segmentFill[segmentOf[bucket]] - size;
      const k = start + ranks[r] - counts[bucket];
      selectInPlace(gathered, k, start, start + size - 1);
      rankValues[r] = gathered[k];
    }
    for (let r = 0; r < ranks.length; r++) segmentOf[rankBucket[r]] = -1;
  }
}

export class FirstOrderCalculator {
  private readonly percentiles: PercentileFinder;
  private readonly histogram: Float64Array;

  constructor(private readonly pixels: number, private readonly levels: number) {
    this.percentiles = new PercentileFinder(pixels);
    this.histogram = new Float64Array(levels);
  }

  compute(values: Float64Array, quantised: Uint8Array): FirstOrderFeatures {
    const n = values.length;
    if (n !== this.pixels) throw new RangeError(`first order: calculator is for ${this.pixels} values, got ${n}`);
    let mean = 0;
    let minimum = Infinity;
    let maximum = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      mean += v;
      if (v < minimum) minimum = v;
      if (v > maximum) maximum = v;
    }
    mean /= n;
    const pct = this.percentiles.compute(values, minimum, maximum);
    let m2 = 0;
    let m3 = 0;
    let m4 = 0;
    let mad = 0;
    for (let i = 0; i < n; i++) {
      const d = values[i] - mean;
      const d2 = d * d;
      m2 += d2;
      m3 += d2 * d;
      m4 += d2 * d2;
      mad += Math.abs(d);
    }
    m2 /= n;
    m3 /= n;
    m4 /= n;
    const p10 = pct[10];
    const p90 = pct[90];
    // Robust MAD: mean absolute deviation of the values between the 10th and 90th percentiles.
    // `inside` is 0 or 1 from a bitwise and, so there is no branch to mispredict on noisy views;
    // adding 0 · v leaves a sum unchanged, so the sums equal those of an if.
    let robustMean = 0;
    let robustCount = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      const inside = (v >= p10 ? 1 : 0) & (v <= p90 ? 1 : 0);
      robustMean += inside * v;
      robustCount += inside;
    }
    robustMean /= robustCount;
    let robustMad = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      const inside = (v >= p10 ? 1 : 0) & (v <= p90 ? 1 : 0);
      robustMad += inside * Math.abs(v - robustMean);
    }
    robustMad /= robustCount;

    const hist = this.histogram;
    hist.fill(0);
    for (let i = 0; i < n; i++) hist[quantised[i]]++;
    let entropy = 0;
    let uniformity = 0;
    for (let l = 0; l < this.levels; l++) {
      const p = hist[l] / n;
      if (p === 0) continue;
      entropy -= p * Math.log2(p + LOG_EPS);
      uniformity += p * p;
    }
    return {
      mean,
      standardDeviation: Math.sqrt(m2),
      // pyradiomics returns 0 for a flat region instead of 0/0.
      skewness: m2 === 0 ? 0 : m3 / m2 ** 1.5,
      kurtosis: m2 === 0 ? 0 : m4 / (m2 * m2),
      minimum,
      percentile10: p10,
      median: pct[50],
      percentile90: p90,
      maximum,
      interquartileRange: pct[75] - pct[25],
      meanAbsoluteDeviation: mad / n,
      robustMeanAbsoluteDeviation: robustMad,
      entropy,
      uniformity,
    };
  }
}
