/**
 * Kernel Inception Distance (Bińkowski et al. 2018): unbiased MMD² with the cubic polynomial
 * kernel (x·y/d + 1)³, over the full sets and as mean ± std over random subsets (the form
 * torch-fidelity and clean-fid report).
 */
import { Random } from '../../data/random';
import type { FeatureMatrix, ResultNotes } from '../types';
import { MetricInputError } from '../types';
import { assertFeatureMatrix, assertSameFeatureDims } from '../validate';
import { KernelSum, type SubsetMembership } from './accumulators';
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

/**
 * The tile visitors KID needs from each of the three scans. The random subsets are drawn up
 * front (same seeded draws as always) and turned into membership masks, so the subset sums are
 * gathered during the scans.
 */
export class KidScan {
  readonly xx: KernelSum;
  readonly yy: KernelSum;
  readonly xy: KernelSum;
  readonly subsetCount: number;

  constructor(dims: number, nReal: number, nFake: number, opts: ResolvedKidOptions) {
    const members = opts.subsets > 0 ? subsetMembership(nReal, nFake, opts.subsets, opts.subsetSize, opts.seed) : null;
    this.subsetCount = members ? opts.subsets : 0;
    this.xx = new KernelSum(dims, true, nReal, members?.real ?? null, members?.real ?? null, this.subsetCount);
    this.yy = new KernelSum(dims, true, nFake, members?.fake ?? null, members?.fake ?? null, this.subsetCount);
    this.xy = new KernelSum(dims, false, nReal, members?.real ?? null, members?.fake ?? null, this.subsetCount);
  }

  visitors(which: 'xx' | 'yy' | 'xy'): TileVisitor[] {
    return [this[which].visit];
  }
}

/** Subset t takes `size` samples of each set without replacement (partial Fisher–Yates, seeded). */
function subsetMembership(nReal: number, nFake: number, count: number, size: number, seed: number): { real: SubsetMembership; fake: SubsetMembership } {
  const rng = new Random(seed);
  const realPool = Int32Array.from({ length: nReal }, (_, i) => i);
  const fakePool = Int32Array.from({ length: nFake }, (_, i) => i);
  const realDraws: Int32Array[] = [];
  const fakeDraws: Int32Array[] = [];
  // Same draw order as ever (real then fake, subset by subset), so a seed keeps its subsets.
  for (let t = 0; t < count; t++) {
    realDraws.push(sampleWithoutReplacement(realPool, size, rng).slice());
    fakeDraws.push(sampleWithoutReplacement(fakePool, size, rng).slice());
  }
  return { real: toMembership(realDraws, nReal), fake: toMembership(fakeDraws, nFake) };
}

function toMembership(draws: Int32Array[], samples: number): SubsetMembership {
  const start = new Int32Array(samples + 1);
  for (const draw of draws) for (const x of draw) start[x + 1]++;
  for (let i = 0; i < samples; i++) start[i + 1] += start[i];
  const next = start.slice(0, samples);
  const subsets = new Int32Array(start[samples]);
  draws.forEach((draw, t) => {
    for (const x of draw) subsets[next[x]++] = t;
  });
  return { start, subsets };
}

/** Partial Fisher–Yates: the first `size` entries of the (reshuffled) pool. */
function sampleWithoutReplacement(pool: Int32Array, size: number, rng: Random): Int32Array {
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(pool.length - i);
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.subarray(0, size);
}

export type ResolvedKidOptions = ReturnType<typeof resolveKidOptions>;

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

export function finishKid(scan: KidScan, nReal: number, nFake: number, opts: ResolvedKidOptions): KidResult {
  const full = unbiasedMmd2(scan.xx.total, scan.yy.total, scan.xy.total, nReal, nFake);
  const n = { real: nReal, fake: nFake };
  const warnings = [...sampleSizeWarnings(n), ...opts.warnings];
  if (scan.subsetCount === 0) return { full, subsets: null, n, warnings };
  const values = new Float64Array(scan.subsetCount);
  for (let t = 0; t < values.length; t++) {
    values[t] = unbiasedMmd2(scan.xx.subsetTotal(t), scan.yy.subsetTotal(t), scan.xy.subsetTotal(t), opts.subsetSize, opts.subsetSize);
  }
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  // Population std, like numpy's default in torch-fidelity / clean-fid.
  const std = Math.sqrt(variance / values.length);
  return { full, subsets: { mean, std, count: values.length, size: opts.subsetSize }, n, warnings };
}

export function kernelInceptionDistance(real: FeatureMatrix, fake: FeatureMatrix, options: KidOptions = {}): KidResult {
  assertFeatureMatrix(real, 'real features');
  assertFeatureMatrix(fake, 'fake features');
  assertSameFeatureDims(real, fake);
  if (real.rows < 2 || fake.rows < 2) throw new MetricInputError(`KID needs at least 2 samples per set, got ${real.rows} real and ${fake.rows} fake`);
  const opts = resolveKidOptions(options, real.rows, fake.rows);
  const scan = new KidScan(real.cols, real.rows, fake.rows, opts);
  runScans(toDenseRows(real), toDenseRows(fake), { xx: scan.visitors('xx'), yy: scan.visitors('yy'), xy: scan.visitors('xy') });
  return finishKid(scan, real.rows, fake.rows, opts);
}
