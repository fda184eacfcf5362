/**
 * One evaluation, inside the compute worker: synthetic images (from a run's checkpoint or a
 * dataset) against the real training images, with the real-vs-real floor (training against
 * held-out images) beside every distance, diversity, and the memorisation audit. Features are
 * computed once per set and shared by every metric.
 */
import {
  applyZNormalisation,
  auditByFeatures,
  auditBySsim,
  evaluateDistributions,
  fitZNormalisation,
  meanPairwiseSsim,
  stackPixels,
  type AuditResult,
  type FeatureMatrix,
  type ImageStack,
  type MetricsReport,
} from '../metrics';
import { createFidInception, FID_WEIGHTS_FILE_NAME, FID_WEIGHTS_URL, inceptionFeaturesFromPixels, loadCachedInceptionWeights } from '../metrics/inception';
import { deriveSeed } from '../data/random';
import type { KeyValueStore } from '../storage/keyValueStore';
import { storageKeys } from '../storage/schema';
import { getDatasetIndex, getDatasetMeta, readImages, SPLIT_CODES, type DatasetMeta } from '../storage/datasetStore';
import { readSplit, type SplitImages } from '../storage/datasetSplits';
import { loadRun } from '../training/runStore';
import type { CancelToken, ProgressCallback } from '../core/jobControl';
import { distributionsOnWorkers, FeaturePool, type ExtractionControl } from './featurePool';
import { generateFromRun } from '../generation/generateFromRun';
import { combineAudits, type CombinedAudit } from '../metrics/memorization';
import type { AuditSummary, ClassFigures, EvaluationRecord, EvaluationRequest, Histogram, LikelyCopiesSummary, StepPoint } from './evaluationTypes';

const SMALL_SAMPLE = 500;

interface Sets {
  train: ImageStack;
  trainIndex: Int32Array;
  trainLabels: Uint8Array;
  validation: ImageStack;
  validationLabels: Uint8Array;
}

export async function runEvaluation(store: KeyValueStore, id: string, request: EvaluationRequest, onProgress: ProgressCallback, cancel?: CancelToken): Promise<EvaluationRecord> {
  const started = performance.now();
  const stages = ['Reading real images', 'Generating synthetic images', 'Features of the real images', 'Features of the synthetic images', 'Distances', 'Memorisation audit'];
  let stage = 0;
  const progress = (next: number) => {
    stage = next;
    onProgress({ done: stage, total: stages.length, label: stages[stage] ?? 'Done' });
  };

  progress(0);
  const meta = await getDatasetMeta(store, request.realDatasetId);
  if (meta.channels !== 1) throw new Error(`Evaluation supports grey images; "${meta.name}" is RGB`);
  const real = await readRealSets(store, meta, request);

  progress(1);
  const fake = await readFake(store, request, meta);
  if (fake.stack.width !== meta.width) {
    throw new Error(`The synthetic images are ${fake.stack.width} px but "${meta.name}" is ${meta.width} px; evaluate against a dataset of the same size`);
  }

  progress(2);
  // Radiomics runs on every core; the label counts images within the current stage.
  const features = await featureExtractor(store, request.features, {
    cancel,
    onProgress: (done, total) => onProgress({ done: stage, total: stages.length, label: `${stages[stage]}: ${done} / ${total} images` }),
  });
  const trainFeatures = await features(real.train);
  const validationFeatures = real.validation.count > 1 ? await features(real.validation) : null;
  progress(3);
  const fakeFeatures = await features(fake.stack);

  progress(4);
  // z-normalise with the real training set's statistics, as the Fréchet Radiomics Distance does.
  const z = fitZNormalisation(trainFeatures);
  const norm = (m: FeatureMatrix) => (request.features === 'radiomics' ? applyZNormalisation(m, z) : m);
  const trainZ = norm(trainFeatures);
  const fakeZ = norm(fakeFeatures);
  const validationZ = validationFeatures ? norm(validationFeatures) : null;
  const kid = (n: number) => ({ subsets: 50, subsetSize: Math.min(1000, n), seed: request.seed });
  const report = async (a: ImageStack, af: FeatureMatrix, b: ImageStack, bf: FeatureMatrix): Promise<MetricsReport> => {
    const t0 = performance.now();
    // KID and PRDC's pairwise scans on every core, FRD on this thread meanwhile.
    const distribution = await distributionsOnWorkers(af, bf, { k: request.k, kid: kid(Math.min(a.count, b.count)) }, { cancel });
    const diversity = { real: meanPairwiseSsim(a, { seed: request.seed }), fake: meanPairwiseSsim(b, { seed: request.seed }) };
    return {
      featureSpace: request.features,
      frechetName: FRECHET_NAMES[request.features],
      dims: af.cols,
      distribution,
      diversity,
      warnings: [...distribution.warnings, ...diversity.real.warnings, ...diversity.fake.warnings],
      timingsMs: { total: Math.round(performance.now() - t0) },
    };
  };
  const main = await report(real.train, trainZ, fake.stack, fakeZ);
  const baseline = validationZ && real.validation.count > request.k ? await report(real.train, trainZ, real.validation, validationZ) : null;

  const overSteps: StepPoint[] = [];
  if (request.fake.kind === 'run' && request.fake.checkpoint === 'all') {
    const record = await loadRun(store, request.fake.runId);
    for (const ref of record.checkpoints.filter((c) => c.step !== fake.step)) {
      const set = await generateFromRun(store, request.fake.runId, { checkpoint: 'latest', count: fake.stack.count, seed: request.seed, atStep: ref.step });
      const stack = { data: set.pixels, count: set.count, width: set.resolution, height: set.resolution };
      const d = evaluateDistributions(trainZ, norm(await features(stack)), { k: request.k, kid: { subsets: 0 } });
      overSteps.push({ step: set.step, frechet: d.frechet.value, kid: d.kid.full });
    }
    overSteps.push({ step: fake.step, frechet: main.distribution.frechet.value, kid: main.distribution.kid.full });
    overSteps.sort((a, b) => a.step - b.step);
  }

  const perClass =
    fake.labels && meta.classNames.length > 1
      ? perClassFigures(
          meta.classNames,
          request.k,
          { features: trainZ, labels: real.trainLabels },
          validationZ ? { features: validationZ, labels: real.validationLabels } : null,
          { features: fakeZ, labels: fake.labels },
        )
      : undefined;

  progress(5);
  let memorization: EvaluationRecord['memorization'] = null;
  const warnings: string[] = [];
  if (real.validation.count >= 2) {
    const sets = { train: real.train, validation: real.validation, synthetic: fake.stack };
    const ssim = auditBySsim(sets);
    const byFeatures = auditByFeatures({ train: trainZ, validation: validationZ!, synthetic: fakeZ });
    memorization = {
      likelyCopies: summariseLikelyCopies(combineAudits(ssim, byFeatures), real.trainIndex),
      ssim: summarise(ssim, real.trainIndex),
      features: summarise(byFeatures, real.trainIndex),
    };
  } else {
    warnings.push(`"${meta.name}" has no validation images: the memorisation audit needs them to set its threshold, so it was skipped`);
  }
  if (real.train.count < SMALL_SAMPLE || fake.stack.count < SMALL_SAMPLE) {
    warnings.push(`Fewer than ${SMALL_SAMPLE} images on a side (${real.train.count} real, ${fake.stack.count} synthetic): distances are biased upwards and noisy; compare only at equal N`);
  }
  warnings.push(...main.warnings);

  features.dispose?.();
  const fakeKey = storageKeys.evaluationFake(id);
  await store.setMany([[fakeKey, fake.stack.data]]);
  onProgress({ done: stages.length, total: stages.length, label: 'Done' });
  return {
    id,
    createdAt: Date.now(),
    request,
    realName: meta.name,
    fakeName: fake.name,
    resolution: meta.width,
    n: { train: real.train.count, validation: real.validation.count, fake: fake.stack.count },
    main,
    baseline,
    memorization,
    overSteps,
    warnings: [...new Set(warnings)],
    elapsedMs: Math.round(performance.now() - started),
    fakeKey,
    runId: request.fake.kind === 'run' ? request.fake.runId : undefined,
    ...(request.fake.kind === 'run' ? { step: fake.step } : {}),
    perClass,
  };
}

const FRECHET_NAMES: Record<EvaluationRequest['features'], string> = {
  radiomics: 'FRD (Fréchet Radiomics Distance)',
  raw: 'Fréchet distance on pixels',
  inception: 'FID (Inception-v3 pool3, as pytorch-fid)',
};

type Extractor = ((stack: ImageStack) => Promise<FeatureMatrix>) & { dispose?: () => void };

async function featureExtractor(store: KeyValueStore, kind: EvaluationRequest['features'], control: ExtractionControl): Promise<Extractor> {
  if (kind === 'radiomics') {
    return async (stack) => {
      // A pool per set, closed in `finally`, so no worker outlives a failed or cancelled evaluation.
      const pool = new FeaturePool();
      try {
        return (await pool.radiomics(stack.data, stack.width, {}, control)).features;
      } finally {
        pool.dispose();
      }
    };
  }
  if (kind === 'raw') return async (stack) => stackPixels(stack);
  const weights = await loadCachedInceptionWeights(store);
  if (!weights) {
    throw new Error(`FID needs the Inception-v3 weights file ${FID_WEIGHTS_FILE_NAME}. Download it yourself from ${FID_WEIGHTS_URL} and add it under Evaluate › Inception weights; the studio never fetches it.`);
  }
  const net = createFidInception(weights);
  const extract: Extractor = async (stack) => {
    const data = await inceptionFeaturesFromPixels(net, { pixels: stack.data as Uint8Array, count: stack.count, height: stack.height, width: stack.width, channels: 1 });
    return { data, rows: stack.count, cols: data.length / stack.count };
  };
  extract.dispose = () => net.dispose();
  return extract;
}

async function readRealSets(store: KeyValueStore, meta: DatasetMeta, request: EvaluationRequest): Promise<Sets> {
  const stack = (images: SplitImages): ImageStack => ({ data: images.pixels, count: images.count, width: meta.width, height: meta.height });
  const train = await readSplit(store, meta, 'train', { max: request.maxReal, seed: deriveSeed(request.seed, SPLIT_CODES.train) });
  const validation = await readSplit(store, meta, 'val', { max: request.maxReal, seed: deriveSeed(request.seed, SPLIT_CODES.val) });
  if (train.count <= request.k) throw new Error(`"${meta.name}" has only ${train.count} training images; more than k = ${request.k} are needed`);
  return { train: stack(train), trainIndex: train.indices, trainLabels: train.labels, validation: stack(validation), validationLabels: validation.labels };
}

/** `labels` is null when the synthetic images carry no class (an unconditional run, or a dataset whose classes differ from the real one's). */
async function readFake(store: KeyValueStore, request: EvaluationRequest, realMeta: DatasetMeta): Promise<{ stack: ImageStack; name: string; step: number; labels: Uint8Array | null }> {
  if (request.fake.kind === 'dataset') {
    const meta = await getDatasetMeta(store, request.fake.datasetId);
    if (meta.channels !== realMeta.channels) throw new Error(`"${meta.name}" and "${realMeta.name}" differ in colour channels`);
    const data = await readImages(store, meta, 0, meta.count);
    const labelled = meta.classNames.length > 1 && meta.classNames.length === realMeta.classNames.length;
    const labels = labelled ? (await getDatasetIndex(store, meta.id)).labels : null;
    return { stack: { data, count: meta.count, width: meta.width, height: meta.height }, name: meta.name, step: 0, labels };
  }
  const record = await loadRun(store, request.fake.runId);
  const set = await generateFromRun(store, request.fake.runId, {
    checkpoint: request.fake.checkpoint === 'best' ? 'best' : 'latest',
    count: request.fake.count,
    seed: request.seed,
  });
  const labels = record.config.numClasses > 1 ? set.labels : null;
  return { stack: { data: set.pixels, count: set.count, width: set.resolution, height: set.resolution }, name: `${record.settings.name} @ step ${set.step}`, step: set.step, labels };
}

/** The rows of `m` whose label is `c`. */
function rowsOfClass(m: FeatureMatrix, labels: Uint8Array, c: number): FeatureMatrix {
  const rows: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === c) rows.push(i);
  const data = new Float64Array(rows.length * m.cols);
  rows.forEach((r, i) => data.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols));
  return { data, rows: rows.length, cols: m.cols };
}

/**
 * Each class's Fréchet distance, precision and recall, synthetic against real training images and
 * held-out against training (the floor), from the features already computed.
 */
export function perClassFigures(
  classNames: readonly string[],
  k: number,
  train: { features: FeatureMatrix; labels: Uint8Array },
  validation: { features: FeatureMatrix; labels: Uint8Array } | null,
  fake: { features: FeatureMatrix; labels: Uint8Array },
): ClassFigures[] {
  const figures = (a: FeatureMatrix, b: FeatureMatrix) => {
    const d = evaluateDistributions(a, b, { k, kid: { subsets: 0 } });
    return { frechet: d.frechet.value, precision: d.prdc.precision, recall: d.prdc.recall };
  };
  return classNames.map((className, c) => {
    const t = rowsOfClass(train.features, train.labels, c);
    const f = rowsOfClass(fake.features, fake.labels, c);
    const v = validation ? rowsOfClass(validation.features, validation.labels, c) : null;
    const n = { train: t.rows, validation: v?.rows ?? 0, fake: f.rows };
    const need = k + 1;
    if (t.rows < need || f.rows < need) {
      return { classIndex: c, className, n, synthetic: null, floor: null, unavailable: `needs more than k = ${k} images on each side (${t.rows} real, ${f.rows} synthetic)` };
    }
    return { classIndex: c, className, n, synthetic: figures(t, f), floor: v && v.rows >= need ? figures(t, v) : null };
  });
}

/** Every likely copy is kept (closest first), so the Evaluate stage can page through all of them. */
export function summariseLikelyCopies(result: CombinedAudit, trainIndex: Int32Array): LikelyCopiesSummary {
  return {
    thresholds: result.thresholds,
    percentile: result.percentile,
    fractionFlagged: result.fractionFlagged,
    flaggedCount: result.flagged.length,
    validationFractionFlagged: result.validationFractionFlagged,
    pairs: result.flagged.map((c) => ({
      synthetic: c.synthetic,
      train: trainIndex[c.ssim.train],
      ssimDistance: c.ssim.distance,
      featuresTrain: trainIndex[c.features.train],
      featureDistance: c.features.distance,
    })),
  };
}

/** Every flagged pair is kept, closest first. */
export function summarise(result: AuditResult, trainIndex: Int32Array): AuditSummary {
  const pairs = [...result.flagged].sort((a, b) => a.distance - b.distance);
  const all = [...result.nearestDistance, ...result.validationDistance].filter(Number.isFinite);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  return {
    method: result.method,
    threshold: result.threshold,
    percentile: result.percentile,
    fractionFlagged: result.fractionFlagged,
    flaggedCount: result.flagged.length,
    pairs: pairs.map((p) => ({ synthetic: p.synthetic, train: trainIndex[p.train], distance: p.distance })),
    synthetic: histogram(result.nearestDistance, lo, hi),
    validation: histogram(result.validationDistance, lo, hi),
    warnings: result.warnings,
  };
}

export function histogram(values: ArrayLike<number>, lo: number, hi: number, bins = 30): Histogram {
  const width = hi > lo ? (hi - lo) / bins : 1;
  const counts = new Array(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))]++;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, i) => lo + i * width), counts };
}
