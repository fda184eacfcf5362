/**
 * Kernel Inception Distance (Bińkowski et al. 2018): unbiased MMD² with the cubic polynomial
 * kernel (x·y/d + 1)³, over the full sets and as mean ± std over random subsets (the form
 * torch-fidelity and clean-fid report).
 */
import { Random } from '../../data/random';
import type { FeatureMatrix, ResultNotes } from '../types';
import { MetricInputError } from '../types';
import { assertFeatureMatrix, assertSameFeatureDims } from '../validate';
import { KernelStore, KernelSum } from './accumulators';
import { sampleSizeWarnings } from './notes';
import { runScans, toDenseRows, type TileVisitor } from './pairwise';

export interface KidOptions {
  /** Number of random subsets; 0 computes only the full-set value. Default 100. */
  subsets?: number;
  /** Samples per subset from each side; capped to the smaller set. Default 1000. */
  subsetSize?: number;
  seed?: number;
}

export interface KidResult extends ResultNotes {
  /** Unbiased MMD² over the whole sets. */
  full: number;
  /** Over random subsets (drawn without replacement within a subset); null when subsets = 0. */
  subsets: { mean: number; std: number; count: number; size: number } | null;
}

export const KID_DEFAULTS = { subsets: 100, subsetSize: 1000, seed: 0 } as const;

/** Unbiased MMD² from kernel sums (off-diagonal sums for the within-set terms). */
export function unbiasedMmd2(sumXX: number, sumYY: number, sumXY: number, n: number, m: number): number {
  return sumXX / (n * (n - 1)) + sumYY / (m * (m - 1)) - (2 * sumXY) / (n * m);
}

/** The tile visitors KID needs from each of the three scans. */
export class KidScan {
  readonly xx: KernelSum;
  readonly yy: KernelSum;
  readonly xy: KernelSum;
  readonly stores: { xx: KernelStore; yy: KernelStore; xy: KernelStore } | null;

  constructor(dims: number, nReal: number, nFake: number, keepKernels: boolean) {
    this.xx = new KernelSum(dims, true);
    this.yy = new KernelSum(dims, true);
    this.xy = new KernelSum(dims, false);
    this.stores = keepKernels
      ? {
          xx: new KernelStore(dims, nReal, nReal, true),
          yy: new KernelStore(dims, nFake, nFake, true),
          xy: new KernelStore(dims, nReal, nFake, false),
        }
      : null;
  }

  visitors(which: 'xx' | 'yy' | 'xy'): TileVisitor[] {
    const list: TileVisitor[] = [this[which].visit];
    if (this.stores) list.push(this.stores[which].visit);
    return list;
  }
}

export function resolveKidOptions(options: KidOptions, nReal: number, nFake: number) {
  const subsets = options.subsets ?? KID_DEFAULTS.subsets;
  const requested = options.subsetSize ?? KID_DEFAULTS.subsetSize;
  const seed = options.seed ?? KID_DEFAULTS.seed;
  if (!Number.isInteger(subsets) || subsets < 0) throw new MetricInputError(`KID subsets must be a non-negative integer, got ${subsets}`);
  if (!Number.isInteger(requested) || requested < 2) throw new MetricInputError(`KID subset size must be an integer >= 2, got ${requested}`);
  const warnings: string[] = [];
  const subsetSize = Math.min(requested, nReal, nFake);
  if (subsets > 0 && subsetSize < requested) {
    warnings.push(`KID subset size capped from ${requested} to ${subsetSize} (smaller set size); subset std is then only sampling noise of a reshuffle`);
  }
  return { subsets, subsetSize, seed, warnings };
}

export function finishKid(scan: KidScan, nReal: number, nFake: number, opts: ReturnType<typeof resolveKidOptions>): KidResult {
  const full = unbiasedMmd2(scan.xx.sum, scan.yy.sum, scan.xy.sum, nReal, nFake);
  const n = { real: nReal, fake: nFake };
  const warnings = [...sampleSizeWarnings(n), ...opts.warnings];
  if (!scan.stores || opts.subsets === 0) return { full, subsets: null, n, warnings };
  const values = subsetMmd2(scan.stores, nReal, nFake, opts.subsets, opts.subsetSize, opts.seed);
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  // Population std, like numpy's default in torch-fidelity / clean-fid.
  const std = Math.sqrt(variance / values.length);
  return { full, subsets: { mean, std, count: values.length, size: opts.subsetSize }, n, warnings };
}

function subsetMmd2(
  stores: NonNullable<KidScan['stores']>,
  nReal: number,
  nFake: number,
  count: number,
  size: number,
  seed: number,
): Float64Array {
  const rng = new Random(seed);
  const out = new Float64Array(count);
  const realPool = Int32Array.from({ length: nReal }, (_, i) => i);
  const fakePool = Int32Array.from({ length: nFake }, (_, i) => i);
  for (let t = 0; t < count; t++) {
    const xs = sampleWithoutReplacement(realPool, size, rng);
    const ys = sampleWithoutReplacement(fakePool, size, rng);
    out[t] = unbiasedMmd2(
      offDiagonalSum(stores.xx.values, nReal, xs),
      offDiagonalSum(stores.yy.values, nFake, ys),
      crossSum(stores.xy.values, nFake, xs, ys),
      size,
      size,
    );
  }
  return out;
}

/** Partial Fisher–Yates: the first `size` entries of the (reshuffled) pool. */
function sampleWithoutReplacement(pool: Int32Array, size: number, rng: Random): Int32Array {
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(pool.length - i);
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, size);
}

function offDiagonalSum(kernel: Float32Array, stride: number, idx: Int32Array): number {
  let sum = 0;
  for (let a = 0; a < idx.length; a++) {
    const row = idx[a] * stride;
    let s = 0;
    for (let b = a + 1; b < idx.length; b++) s += kernel[row + idx[b]];
    sum += s;
  }
  return 2 * sum;
}

function crossSum(kernel: Float32Array, stride: number, xs: Int32Array, ys: Int32Array): number {
  let sum = 0;
  for (let a = 0; a < xs.length; a++) {
    const row = xs[a] * stride;
    let s = 0;
    for (let b = 0; b < ys.length; b++) s += kernel[row + ys[b]];
    sum += s;
  }
  return sum;
}

export function kernelInceptionDistance(real: FeatureMatrix, fake: FeatureMatrix, options: KidOptions = {}): KidResult {
  assertFeatureMatrix(real, 'real features');
  assertFeatureMatrix(fake, 'fake features');
  assertSameFeatureDims(real, fake);
  if (real.rows < 2 || fake.rows < 2) throw new MetricInputError(`KID needs at least 2 samples per set, got ${real.rows} real and ${fake.rows} fake`);
  const opts = resolveKidOptions(options, real.rows, fake.rows);
  const scan = new KidScan(real.cols, real.rows, fake.rows, opts.subsets > 0);
  runScans(toDenseRows(real), toDenseRows(fake), { xx: scan.visitors('xx'), yy: scan.visitors('yy'), xy: scan.visitors('xy') });
  return finishKid(scan, real.rows, fake.rows, opts);
}
