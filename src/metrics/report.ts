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

/** One pair's figures. An identical pair has infinite PSNR, written 'infinite' so that JSON keeps it (JSON has no ∞). */
export interface PairRow {
  index: number;
  ssim: number;
  psnr: number | 'infinite';
  mse: number;
  mae: number;
  msSsim: number | null;
}

export interface PairedSummary {
  pairs: number;
  ssim: number;
  /** Mean PSNR over the pairs that differ (null when none does); identical pairs are counted apart. */
  psnr: number | null;
  psnrFinitePairs: number;
  identicalPairs: number;
  mse: number;
  mae: number;
  msSsim: number | null;
  msSsimError?: string;
  rows: PairRow[];
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
  if (real.count === 0) throw new MetricInputError('--paired needs at least one pair of images');
  const rows: PairRow[] = [];
  let msSsimError: string | undefined;
  for (let i = 0; i < real.count; i++) {
    const m = pairedMetrics(stackImage(real, i), stackImage(fake, i));
    if (m.msSsim === null) msSsimError = m.msSsimError;
    rows.push({ index: i, ssim: m.ssim, psnr: m.psnr === Infinity ? 'infinite' : m.psnr, mse: m.mse, mae: m.mae, msSsim: m.msSsim });
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  // A mean over pairs that include an identical one would be +∞: the mean is over the differing pairs, and the identical ones are counted.
  const finitePsnr = rows.flatMap((r) => (r.psnr === 'infinite' ? [] : [r.psnr]));
  return {
    pairs: rows.length,
    ssim: mean(rows.map((r) => r.ssim)),
    psnr: finitePsnr.length ? mean(finitePsnr) : null,
    psnrFinitePairs: finitePsnr.length,
    identicalPairs: rows.length - finitePsnr.length,
    mse: mean(rows.map((r) => r.mse)),
    mae: mean(rows.map((r) => r.mae)),
    msSsim: msSsimError ? null : mean(rows.map((r) => r.msSsim!)),
    ...(msSsimError ? { msSsimError } : {}),
    rows,
  };
}
