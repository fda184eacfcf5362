/**
 * One call that turns two image sets (or two precomputed feature matrices) into every metric
 * the studio reports. Pure and synchronous, so a metrics worker and the CLI share it.
 */
import { evaluateDistributions, type DistributionMetrics, type DistributionOptions } from './distribution/index';
import { meanPairwiseSsim, type DiversityResult } from './diversity';
import { pairedMetrics } from './paired/index';
import { normaliseToReal } from './radiomics/frd';
import { radiomicsFeatures } from './radiomics/features';
import { stackImage, stackPixels } from './stack';
import type { FeatureMatrix, ImageStack } from './types';
import { MetricInputError } from './types';

export type FeatureSpace = 'radiomics' | 'raw';

export interface ReportOptions extends DistributionOptions {
  features?: FeatureSpace;
  /** Also compare image i of real with image i of fake (needs equal counts and sizes). */
  paired?: boolean;
  diversityPairs?: number;
  seed?: number;
}

export interface PairedSummary {
  pairs: number;
  ssim: number;
  psnr: number | null;
  mse: number;
  mae: number;
  msSsim: number | null;
  msSsimError?: string;
}

export interface MetricsReport {
  featureSpace: FeatureSpace | 'precomputed' | 'inception';
  /** "FRD" on z-normalised radiomics, "FID-like" on precomputed or raw features. */
  frechetName: string;
  dims: number;
  distribution: DistributionMetrics;
  diversity?: { real: DiversityResult; fake: DiversityResult };
  paired?: PairedSummary;
  warnings: string[];
  timingsMs: Record<string, number>;
}

function timed<T>(timings: Record<string, number>, name: string, f: () => T): T {
  const start = performance.now();
  const result = f();
  timings[name] = Math.round(performance.now() - start);
  return result;
}

/** Metrics on precomputed features (.npy): no normalisation, so numbers compare 1:1 with Python. */
export function reportFromFeatures(real: FeatureMatrix, fake: FeatureMatrix, options: ReportOptions = {}): MetricsReport {
  const timingsMs: Record<string, number> = {};
  const distribution = timed(timingsMs, 'distribution', () => evaluateDistributions(real, fake, options));
  return { featureSpace: 'precomputed', frechetName: 'Fréchet distance', dims: real.cols, distribution, warnings: distribution.warnings, timingsMs };
}

export function reportFromImages(real: ImageStack, fake: ImageStack, options: ReportOptions = {}): MetricsReport {
  const space = options.features ?? 'radiomics';
  if (real.width !== fake.width || real.height !== fake.height) {
    throw new MetricInputError(`real images are ${real.width}x${real.height} but fake images are ${fake.width}x${fake.height}; resize one set first`);
  }
  const timingsMs: Record<string, number> = {};
  const warnings: string[] = [];
  let realFeatures: FeatureMatrix;
  let fakeFeatures: FeatureMatrix;
  if (space === 'radiomics') {
    if (real.width !== real.height) throw new MetricInputError(`radiomics features need square images, got ${real.width}x${real.height}`);
    const r = timed(timingsMs, 'radiomicsReal', () => radiomicsFeatures(real.data, real.width));
    const f = timed(timingsMs, 'radiomicsFake', () => radiomicsFeatures(fake.data, fake.width));
    const normalised = normaliseToReal(r.features, f.features, r.names);
    warnings.push(...normalised.warnings);
    realFeatures = normalised.real;
    fakeFeatures = normalised.fake;
  } else {
    realFeatures = stackPixels(real);
    fakeFeatures = stackPixels(fake);
    if (realFeatures.cols > 1024) warnings.push(`raw features have ${realFeatures.cols} dimensions: the Fréchet distance needs a ${realFeatures.cols}² eigendecomposition and many more samples than dimensions`);
  }
  const distribution = timed(timingsMs, 'distribution', () => evaluateDistributions(realFeatures, fakeFeatures, options));
  warnings.push(...distribution.warnings);
  const diversityOptions = { pairs: options.diversityPairs ?? 1000, seed: options.seed ?? 0 };
  const diversity = timed(timingsMs, 'diversity', () => ({ real: meanPairwiseSsim(real, diversityOptions), fake: meanPairwiseSsim(fake, diversityOptions) }));
  const report: MetricsReport = {
    featureSpace: space,
    frechetName: space === 'radiomics' ? 'FRD (Fréchet radiomic distance)' : 'Fréchet distance on raw pixels',
    dims: realFeatures.cols,
    distribution,
    diversity,
    warnings: [...new Set(warnings)],
    timingsMs,
  };
  if (options.paired) report.paired = timed(timingsMs, 'paired', () => summarisePaired(real, fake));
  return report;
}

/** Mean figures of image i of real against image i of fake (reconstructions; the command line's --paired). */
export function summarisePaired(real: ImageStack, fake: ImageStack): PairedSummary {
  if (real.count !== fake.count) throw new MetricInputError(`--paired needs as many fake as real images (${fake.count} vs ${real.count})`);
  const sums = { ssim: 0, psnr: 0, mse: 0, mae: 0, msSsim: 0 };
  let infinitePsnr = false;
  let msSsimError: string | undefined;
  for (let i = 0; i < real.count; i++) {
    const m = pairedMetrics(stackImage(real, i), stackImage(fake, i));
    sums.ssim += m.ssim;
    sums.mse += m.mse;
    sums.mae += m.mae;
    if (m.psnr === Infinity) infinitePsnr = true;
    else sums.psnr += m.psnr;
    if (m.msSsim === null) msSsimError = m.msSsimError;
    else sums.msSsim += m.msSsim;
  }
  const n = real.count;
  return {
    pairs: n,
    ssim: sums.ssim / n,
    // A mean over pairs containing an identical one is +∞; report null rather than a fake finite number.
    psnr: infinitePsnr ? null : sums.psnr / n,
    mse: sums.mse / n,
    mae: sums.mae / n,
    msSsim: msSsimError ? null : sums.msSsim / n,
    ...(msSsimError ? { msSsimError } : {}),
  };
}
