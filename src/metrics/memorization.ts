/**
 * Memorisation audit: does the generator reproduce training images? For every synthetic image
 * we find its nearest training image (a) by SSIM distance 1 − SSIM and (b) by Euclidean distance
 * of z-normalised features. Each criterion's threshold is calibrated on held-out real images: the
 * given percentile (default 1st) of validation-to-train nearest distances, i.e. "closer to a
 * training image than 99 % of genuinely new real images are".
 *
 * A synthetic image is a *likely copy* only when it is below BOTH thresholds. Either criterion
 * alone wrongly flags its percentile of new images by construction (1 % in expectation, more on an
 * unlucky draw of a small calibration set), whereas a copy is near its source in pixels and in
 * texture at once, and a new image rarely is: the two nearest distances of new images are nearly
 * uncorrelated (Spearman 0.04–0.18 on head-CT phantoms), so the combined rule's false-flag rate is
 * far below 1 % while every exact or near copy is still caught. Each criterion's own flags stay in
 * the result for inspection.
 *
 * SSIM search: exhaustive SSIM over all pairs costs ~20k flops per pair (1000 x 4000 at 32 px
 * is minutes in JS), so by default the `candidates` nearest training images in 2x2-downsampled
 * pixel space are re-ranked by exact SSIM. Copies and near-copies are always among those
 * candidates (they are also nearest in pixels); `candidates: Infinity` makes the search exact.
 */
import { prepareSsimImage, ssimPrepared, type PreparedSsimImage } from './paired/ssim';
import { exactDistance, kNearest } from './nearest';
import { applyZNormalisation, droppedFeatureWarning, fitZNormalisation } from './normalise';
import { radiomicsFeatures } from './radiomics/features';
import { stackImage, stackPixelsHalved } from './stack';
import type { FeatureMatrix, ImageStack } from './types';
import { MetricInputError } from './types';
import { assertFeatureMatrix, assertImageStack } from './validate';

export interface MemorizationSets<T> {
  train: T;
  /** Held-out real images never seen in training; they calibrate the threshold. */
  validation: T;
  synthetic: T;
}

export interface MemorizationOptions {
  /** Percentile of validation-to-train nearest distances used as threshold (default 1). */
  percentile?: number;
  /** Training candidates re-ranked by exact SSIM per query (default 32; Infinity = exhaustive). */
  candidates?: number;
  /** Feature space for audit (b): precomputed matrices, 'radiomics' (default) or 'pixels'. */
  features?: MemorizationSets<FeatureMatrix> | 'radiomics' | 'pixels';
  /** Intensity range of float images for SSIM (bytes are scaled to [0, 1]); default 1. */
  dataRange?: number;
}

export interface FlaggedPair {
  synthetic: number;
  train: number;
  distance: number;
}

export interface AuditResult {
  method: 'ssim' | 'features';
  /** Distance below which a synthetic image is flagged. */
  threshold: number;
  percentile: number;
  flagged: FlaggedPair[];
  fractionFlagged: number;
  /** Per synthetic image: nearest training index and its distance. */
  nearestTrain: Int32Array;
  nearestDistance: Float64Array;
  /** Per validation image: distance to its nearest training image (threshold's sample). */
  validationDistance: Float64Array;
  n: { train: number; validation: number; synthetic: number };
  warnings: string[];
}

/** A synthetic image below both thresholds, with its nearest training image by each criterion. */
export interface LikelyCopy {
  synthetic: number;
  ssim: { train: number; distance: number };
  features: { train: number; distance: number };
  /** The larger of distance / threshold over the two criteria (< 1); sorts the closest copies first. */
  relativeDistance: number;
}

/** The audit's headline: synthetic images flagged by SSIM AND by features. */
export interface CombinedAudit {
  flagged: LikelyCopy[];
  fractionFlagged: number;
  /** Held-out calibration images that both rules flag: the combined rule's in-sample false-flag rate. */
  validationFractionFlagged: number;
  thresholds: { ssim: number; features: number };
  percentile: number;
  n: { train: number; validation: number; synthetic: number };
}

export interface MemorizationResult {
  ssim: AuditResult;
  features: AuditResult;
  combined: CombinedAudit;
}

export function auditMemorization(images: MemorizationSets<ImageStack>, options: MemorizationOptions = {}): MemorizationResult {
  for (const key of ['train', 'validation', 'synthetic'] as const) assertImageStack(images[key], `memorisation ${key} images`);
  const { train, validation, synthetic } = images;
  if (validation.width !== train.width || synthetic.width !== train.width || validation.height !== train.height || synthetic.height !== train.height) {
    throw new MemorizationInputError('train, validation and synthetic images must share one size');
  }
  const ssim = auditBySsim(images, options);
  const features = auditByFeatures(featureSets(images, options.features ?? 'radiomics'), options);
  return { ssim, features, combined: combineAudits(ssim, features) };
}

/**
 * Likely copies: synthetic images flagged by both criteria. The audits must come from the same
 * synthetic, validation and training sets (same order), which their sizes are checked against.
 */
export function combineAudits(ssim: AuditResult, features: AuditResult): CombinedAudit {
  if (ssim.method !== 'ssim' || features.method !== 'features') {
    throw new MemorizationInputError(`combineAudits needs an SSIM audit and a feature audit, got ${ssim.method} and ${features.method}`);
  }
  if (ssim.n.train !== features.n.train || ssim.n.validation !== features.n.validation || ssim.n.synthetic !== features.n.synthetic) {
    throw new MemorizationInputError(
      `the SSIM and feature audits cover different sets (train/validation/synthetic ${ssim.n.train}/${ssim.n.validation}/${ssim.n.synthetic} vs ${features.n.train}/${features.n.validation}/${features.n.synthetic})`,
    );
  }
  if (ssim.percentile !== features.percentile) {
    throw new MemorizationInputError(`the SSIM and feature audits use different percentiles (${ssim.percentile} and ${features.percentile})`);
  }
  const flagged: LikelyCopy[] = [];
  for (let s = 0; s < ssim.n.synthetic; s++) {
    const ds = ssim.nearestDistance[s];
    const df = features.nearestDistance[s];
    if (!(ds < ssim.threshold && df < features.threshold)) continue;
    flagged.push({
      synthetic: s,
      ssim: { train: ssim.nearestTrain[s], distance: ds },
      features: { train: features.nearestTrain[s], distance: df },
      relativeDistance: Math.max(ds / ssim.threshold, df / features.threshold),
    });
  }
  flagged.sort((a, b) => a.relativeDistance - b.relativeDistance);
  let validationFlagged = 0;
  for (let v = 0; v < ssim.n.validation; v++) {
    if (ssim.validationDistance[v] < ssim.threshold && features.validationDistance[v] < features.threshold) validationFlagged++;
  }
  return {
    flagged,
    fractionFlagged: flagged.length / ssim.n.synthetic,
    validationFractionFlagged: validationFlagged / ssim.n.validation,
    thresholds: { ssim: ssim.threshold, features: features.threshold },
    percentile: ssim.percentile,
    n: { ...ssim.n },
  };
}

class MemorizationInputError extends MetricInputError {}

function featureSets(images: MemorizationSets<ImageStack>, features: NonNullable<MemorizationOptions['features']>): MemorizationSets<FeatureMatrix> {
  if (typeof features !== 'string') return features;
  const toFeatures = (s: ImageStack): FeatureMatrix => {
    if (features === 'pixels') {
      return { data: s.data instanceof Uint8Array ? Float64Array.from(s.data, (v) => v / 255) : Float64Array.from(s.data), rows: s.count, cols: s.width * s.height };
    }
    if (s.width !== s.height) throw new MemorizationInputError(`radiomics features need square images, got ${s.width}x${s.height}`);
    return radiomicsFeatures(s.data, s.width).features;
  };
  return { train: toFeatures(images.train), validation: toFeatures(images.validation), synthetic: toFeatures(images.synthetic) };
}

/** numpy.percentile with linear interpolation. */
export function percentileOf(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function finishAudit(
  method: AuditResult['method'],
  nearestTrain: Int32Array,
  nearestDistance: Float64Array,
  validationDistance: Float64Array,
  nTrain: number,
  percentile: number,
  warnings: string[],
): AuditResult {
  const threshold = percentileOf(validationDistance, percentile);
  const flagged: FlaggedPair[] = [];
  for (let s = 0; s < nearestDistance.length; s++) {
    if (nearestDistance[s] < threshold) flagged.push({ synthetic: s, train: nearestTrain[s], distance: nearestDistance[s] });
  }
  flagged.sort((a, b) => a.distance - b.distance);
  const notes = [...warnings];
  if (threshold === 0) notes.push(`${method}: threshold is 0 — some validation images are exact copies of training images (leaked split?); nothing can be flagged`);
  if (validationDistance.length * (percentile / 100) < 1) {
    notes.push(`${method}: ${validationDistance.length} validation images are too few for a ${percentile}th-percentile threshold (it is then just the minimum); use >= ${Math.ceil(100 / percentile)}`);
  }
  return {
    method,
    threshold,
    percentile,
    flagged,
    fractionFlagged: flagged.length / nearestDistance.length,
    nearestTrain,
    nearestDistance,
    validationDistance,
    n: { train: nTrain, validation: validationDistance.length, synthetic: nearestDistance.length },
    warnings: notes,
  };
}

function checkPercentile(options: MemorizationOptions): number {
  const p = options.percentile ?? 1;
  if (!(p > 0 && p < 100)) throw new MemorizationInputError(`memorisation percentile must be in (0, 100), got ${p}`);
  return p;
}

export function auditBySsim(images: MemorizationSets<ImageStack>, options: MemorizationOptions = {}): AuditResult {
  const percentile = checkPercentile(options);
  const candidates = options.candidates ?? 32;
  if (!(candidates >= 1)) throw new MemorizationInputError(`memorisation candidates must be >= 1, got ${candidates}`);
  const ssimOptions = { dataRange: options.dataRange ?? 1 };
  const { train } = images;
  const trainPrepared: (PreparedSsimImage | undefined)[] = new Array(train.count);
  const preparedTrain = (j: number): PreparedSsimImage => (trainPrepared[j] ??= prepareSsimImage(stackImage(train, j), ssimOptions));

  const exhaustive = candidates >= train.count;
  const trainProxy = exhaustive ? null : stackPixelsHalved(train);
  const search = (stack: ImageStack): { index: Int32Array; distance: Float64Array } => {
    const index = new Int32Array(stack.count);
    const distance = new Float64Array(stack.count);
    const shortlist = trainProxy ? kNearest(stackPixelsHalved(stack), trainProxy, candidates) : null;
    for (let q = 0; q < stack.count; q++) {
      const query = prepareSsimImage(stackImage(stack, q), ssimOptions);
      let best = Infinity;
      let bestIndex = -1;
      const count = shortlist ? shortlist.k : train.count;
      for (let c = 0; c < count; c++) {
        const j = shortlist ? shortlist.index[q * shortlist.k + c] : c;
        const d = 1 - ssimPrepared(query, preparedTrain(j)).ssim;
        if (d < best) {
          best = d;
          bestIndex = j;
        }
      }
      index[q] = bestIndex;
      distance[q] = best;
    }
    return { index, distance };
  };
  const synthetic = search(images.synthetic);
  const validation = search(images.validation);
  const warnings = exhaustive ? [] : [`ssim: nearest training image searched among the ${candidates} nearest in downsampled pixel space, then ranked by exact SSIM`];
  return finishAudit('ssim', synthetic.index, synthetic.distance, validation.distance, train.count, percentile, warnings);
}

export function auditByFeatures(features: MemorizationSets<FeatureMatrix>, options: MemorizationOptions = {}): AuditResult {
  const percentile = checkPercentile(options);
  for (const key of ['train', 'validation', 'synthetic'] as const) assertFeatureMatrix(features[key], `memorisation ${key} features`);
  if (features.validation.cols !== features.train.cols || features.synthetic.cols !== features.train.cols) {
    throw new MemorizationInputError('train, validation and synthetic features must have the same number of columns');
  }
  const z = fitZNormalisation(features.train);
  const train = applyZNormalisation(features.train, z);
  const nearestOf = (m: FeatureMatrix) => {
    const normalised = applyZNormalisation(m, z);
    const knn = kNearest(normalised, train, 1);
    // The dot-product form leaves ~1e-8 of round-off at distance 0; report exact distances.
    for (let i = 0; i < m.rows; i++) knn.distance[i] = exactDistance(normalised, i, train, knn.index[i]);
    return knn;
  };
  const synthetic = nearestOf(features.synthetic);
  const validation = nearestOf(features.validation);
  return finishAudit('features', synthetic.index, synthetic.distance, validation.distance, features.train.rows, percentile, droppedFeatureWarning(z));
}
