/**
 * All distribution metrics of one real/fake comparison. KID and PRDC share the three pairwise
 * scans (real/real, fake/fake, real/fake), which dominate the cost, so asking for both costs
 * about as much as asking for one.
 */
import type { FeatureMatrix, ResultNotes } from '../types';
import { assertFeatureMatrix, assertSameFeatureDims } from '../validate';
import { frechetDistance, type FrechetResult } from './frechet';
import { resolveKidOptions, type KidOptions, type KidResult } from './kid';
import { kidAndPrdcScans, pairScanSetup, type PairScanSetup } from './pairScans';
import { assertPrdcInput, DEFAULT_PRDC_K, type PrdcResult } from './prdc';

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
  return kidAndPrdcScans(checkedPairScanSetup(real, fake, options));
}

/** Validated inputs of the pairwise scans, for this thread (kidAndPrdc) or a pool of workers. */
export function checkedPairScanSetup(real: FeatureMatrix, fake: FeatureMatrix, options: DistributionOptions = {}): PairScanSetup {
  assertFeatureMatrix(real, 'real features');
  assertFeatureMatrix(fake, 'fake features');
  assertSameFeatureDims(real, fake);
  const k = options.k ?? DEFAULT_PRDC_K;
  assertPrdcInput(real, fake, k);
  return pairScanSetup(real, fake, k, resolveKidOptions(options.kid ?? {}, real.rows, fake.rows));
}
