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
 * (Hoare quickselect, median-of-three pivot). Sorting 4096 values per view was the single
 * largest cost of the whole radiomics vector; a handful of selections is ~10x cheaper.
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

/**
 * numpy.percentile (linear interpolation) of several q at once. Order statistics are selected in
 * ascending order, each search starting after the previous one, so later ones scan less.
 */
function percentiles(work: Float64Array): Record<(typeof PERCENTILES)[number], number> {
  const n = work.length;
  const ranks = new Set<number>();
  for (const q of PERCENTILES) {
    const pos = (q / 100) * (n - 1);
    ranks.add(Math.floor(pos));
    ranks.add(Math.min(Math.floor(pos) + 1, n - 1));
  }
  let left = 0;
  for (const k of [...ranks].sort((a, b) => a - b)) {
    selectInPlace(work, k, left, n - 1);
    left = k + 1;
  }
  const out = {} as Record<(typeof PERCENTILES)[number], number>;
  for (const q of PERCENTILES) {
    const pos = (q / 100) * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, n - 1);
    out[q] = work[lo] + (work[hi] - work[lo]) * (pos - lo);
  }
  return out;
}

export class FirstOrderCalculator {
  private readonly work: Float64Array;
  private readonly histogram: Float64Array;

  constructor(pixels: number, private readonly levels: number) {
    this.work = new Float64Array(pixels);
    this.histogram = new Float64Array(levels);
  }

  compute(values: Float64Array, quantised: Uint8Array): FirstOrderFeatures {
    const n = values.length;
    const work = this.work.subarray(0, n);
    work.set(values);
    const pct = percentiles(work);
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
    let robustMean = 0;
    let robustCount = 0;
    for (let i = 0; i < n; i++) {
      if (values[i] >= p10 && values[i] <= p90) {
        robustMean += values[i];
        robustCount++;
      }
    }
    robustMean /= robustCount;
    let robustMad = 0;
    for (let i = 0; i < n; i++) if (values[i] >= p10 && values[i] <= p90) robustMad += Math.abs(values[i] - robustMean);
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
