/**
 * All distribution metrics of one real/fake comparison. KID and PRDC share the three pairwise
 * scans (real/real, fake/fake, real/fake), which dominate the cost, so asking for both costs
 * about as much as asking for one.
 */
import type { FeatureMatrix, ResultNotes } from '../types';
import { assertFeatureMatrix, assertSameFeatureDims } from '../validate';
import { NearestNeighbourRadii, PrdcCross } from './accumulators';
import { frechetDistance, type FrechetResult } from './frechet';
import { KidScan, finishKid, resolveKidOptions, type KidOptions, type KidResult } from './kid';
import { sampleSizeWarnings } from './notes';
import { runScans, squaredNorms, toDenseRows } from './pairwise';
import { assertPrdcInput, DEFAULT_PRDC_K, summarisePrdc, type PrdcResult } from './prdc';

export { frechetDistance, frechetFromStats, gaussianStats, type FrechetResult, type GaussianStats } from './frechet';
export { inceptionScore, type InceptionScoreResult } from './inceptionScore';
export { kernelInceptionDistance, KID_DEFAULTS, type KidOptions, type KidResult } from './kid';
export { prdc, DEFAULT_PRDC_K, type PrdcResult } from './prdc';
export { SMALL_SAMPLE_WARNING_THRESHOLD } from './notes';

export interface DistributionOptions {
  /** Neighbourhood size of PRDC (default 5). */
  k?: number;
  kid?: KidOptions;
}

export interface DistributionMetrics extends ResultNotes {
  frechet: FrechetResult;
  kid: KidResult;
  prdc: PrdcResult;
}

export function evaluateDistributions(real: FeatureMatrix, fake: FeatureMatrix, options: DistributionOptions = {}): DistributionMetrics {
  assertFeatureMatrix(real, 'real features');
  assertFeatureMatrix(fake, 'fake features');
  assertSameFeatureDims(real, fake);
  assertPrdcInput(real, fake, options.k ?? DEFAULT_PRDC_K);
  const frechet = frechetDistance(real, fake);
  const { kid, prdc } = kidAndPrdc(real, fake, options);
  const warnings = [...new Set([...frechet.warnings, ...kid.warnings, ...prdc.warnings])];
  return { frechet, kid, prdc, n: { real: real.rows, fake: fake.rows }, warnings };
}

/** KID and PRDC from the same three pairwise scans (the O(N²·D) part of evaluateDistributions). */
export function kidAndPrdc(real: FeatureMatrix, fake: FeatureMatrix, options: DistributionOptions = {}): { kid: KidResult; prdc: PrdcResult } {
  assertFeatureMatrix(real, 'real features');
  assertFeatureMatrix(fake, 'fake features');
  assertSameFeatureDims(real, fake);
  const k = options.k ?? DEFAULT_PRDC_K;
  assertPrdcInput(real, fake, k);
  const r = toDenseRows(real);
  const f = toDenseRows(fake);
  const realNorms = squaredNorms(r);
  const fakeNorms = squaredNorms(f);
  const kidOptions = resolveKidOptions(options.kid ?? {}, real.rows, fake.rows);
  const kidScan = new KidScan(real.cols, real.rows, fake.rows, kidOptions);
  const realKnn = new NearestNeighbourRadii(realNorms, k);
  const fakeKnn = new NearestNeighbourRadii(fakeNorms, k);
  runScans(r, f, { xx: [...kidScan.visitors('xx'), realKnn.visit], yy: [...kidScan.visitors('yy'), fakeKnn.visit], xy: [] });
  // The cross scan needs both sets' radii, so it runs after the within-set scans.
  const realRadii = realKnn.squaredRadii();
  const cross = new PrdcCross(realNorms, fakeNorms, realRadii, fakeKnn.squaredRadii());
  runScans(r, f, { xx: [], yy: [], xy: [...kidScan.visitors('xy'), cross.visit] });

  const n = { real: real.rows, fake: fake.rows };
  const kid = finishKid(kidScan, real.rows, fake.rows, kidOptions);
  const prdcResult: PrdcResult = { ...summarisePrdc(cross, realRadii, k), n, warnings: sampleSizeWarnings(n) };
  return { kid, prdc: prdcResult };
}
