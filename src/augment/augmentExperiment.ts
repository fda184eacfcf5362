/**
 * Does synthetic data help a diagnostic classifier? The same small CNN is trained twice with the
 * same seed and step budget: on the real training images alone, and on real plus synthetic. Both
 * are scored on the real test split, which synthetic data never touches. The real-only classifier
 * also gives the Inception Score of the synthetic set and per-class Fréchet distances in its
 * feature space.
 */
import * as tf from '@tensorflow/tfjs';
import { Classifier } from '../../models/classifier';
import { imagesFromBytes } from '../../models';
import { frechetDistance, inceptionScore } from '../metrics';
import { deriveSeed, Random } from '../data/random';
import type { KeyValueStore } from '../storage/keyValueStore';
import { getDatasetIndex, getDatasetMeta, readImages, type DatasetMeta } from '../storage/datasetStore';
import { readSplit } from '../storage/datasetSplits';
import type { ProgressCallback } from '../core/jobControl';

export interface AugmentRequest {
  realDatasetId: string;
  syntheticDatasetId: string | null;
  steps: number;
  batchSize: number;
  seed: number;
}

export interface ClassifierScores {
  accuracy: number;
  /** 95 % Wilson interval of the accuracy. */
  accuracyCi: [number, number];
  balancedAccuracy: number;
  /** Macro one-vs-rest ROC AUC. */
  auc: number;
  perClassRecall: number[];
  n: number;
}

export interface AugmentReport {
  id: string;
  createdAt: number;
  realName: string;
  syntheticName: string | null;
  classNames: string[];
  trainCounts: { real: number; synthetic: number };
  realOnly: ClassifierScores;
  withSynthetic: ClassifierScores | null;
  inceptionScore: { mean: number; std: number } | null;
  perClassFrechet: { className: string; value: number; n: { real: number; fake: number } }[];
  warnings: string[];
  elapsedMs: number;
}

interface LabelledImages {
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export async function runAugmentExperiment(store: KeyValueStore, id: string, request: AugmentRequest, onProgress: ProgressCallback): Promise<AugmentReport> {
  const started = performance.now();
  const warnings: string[] = [];
  const meta = await getDatasetMeta(store, request.realDatasetId);
  const train = await readSplit(store, meta, 'train');
  const test = await readSplit(store, meta, 'test');
  if (meta.classNames.length < 2) throw new Error(`"${meta.name}" has one class; a classifier needs at least two`);
  if (test.count < 10) throw new Error(`"${meta.name}" has only ${test.count} test images; at least 10 are needed to score a classifier`);
  let synthetic: LabelledImages | null = null;
  let syntheticName: string | null = null;
  if (request.syntheticDatasetId) {
    const s = await getDatasetMeta(store, request.syntheticDatasetId);
    if (s.width !== meta.width || s.channels !== meta.channels) throw new Error(`"${s.name}" (${s.width} px) does not match "${meta.name}" (${meta.width} px)`);
    if (s.classNames.length !== meta.classNames.length) throw new Error(`"${s.name}" has ${s.classNames.length} classes but "${meta.name}" has ${meta.classNames.length}; use synthetic images from a conditional model of this dataset`);
    synthetic = { pixels: await readImages(store, s, 0, s.count), labels: (await getDatasetIndex(store, s.id)).labels, count: s.count };
    syntheticName = s.name;
  }
  const total = request.steps * (synthetic ? 2 : 1);
  const progress = (done: number, label: string) => onProgress({ done, total, label });

  const realOnly = await trainClassifier(meta, [train], request, (s) => progress(s, 'Training on real images'));
  const realScores = await score(realOnly, meta, test);
  let withSynthetic: ClassifierScores | null = null;
  let is: AugmentReport['inceptionScore'] = null;
  const perClassFrechet: AugmentReport['perClassFrechet'] = [];
  if (synthetic) {
    const mixed = await trainClassifier(meta, [train, synthetic], request, (s) => progress(request.steps + s, 'Training on real and synthetic images'));
    withSynthetic = await score(mixed, meta, test);
    mixed.dispose();
    const probs = await predict(realOnly, meta, synthetic, 'probabilities');
    const splits = Math.min(10, synthetic.count);
    const result = inceptionScore({ data: probs, rows: synthetic.count, cols: meta.classNames.length }, splits);
    is = { mean: result.mean, std: result.std };
    const realFeatures = await predict(realOnly, meta, train, 'features');
    const fakeFeatures = await predict(realOnly, meta, synthetic, 'features');
    meta.classNames.forEach((className, c) => {
      const r = rowsOf(realFeatures, train.labels, c, 64);
      const f = rowsOf(fakeFeatures, synthetic!.labels, c, 64);
      if (r.rows < 2 || f.rows < 2) return;
      const d = frechetDistance(r, f);
      perClassFrechet.push({ className, value: d.value, n: { real: r.rows, fake: f.rows } });
      warnings.push(...d.warnings.map((w) => `${className}: ${w}`));
    });
  }
  realOnly.dispose();
  if (test.count < 200) warnings.push(`Only ${test.count} test images: differences smaller than the accuracy intervals are not evidence`);
  return {
    id,
    createdAt: Date.now(),
    realName: meta.name,
    syntheticName,
    classNames: meta.classNames,
    trainCounts: { real: train.count, synthetic: synthetic?.count ?? 0 },
    realOnly: realScores,
    withSynthetic,
    inceptionScore: is,
    perClassFrechet,
    warnings: [...new Set(warnings)],
    elapsedMs: Math.round(performance.now() - started),
  };
}

function toTensor(meta: DatasetMeta, pixels: Uint8Array, count: number): tf.Tensor4D {
  return imagesFromBytes(pixels, [count, meta.height, meta.width, meta.channels]);
}

async function trainClassifier(meta: DatasetMeta, pools: LabelledImages[], request: AugmentRequest, onStep: (step: number) => void): Promise<Classifier> {
  const classifier = new Classifier({ resolution: meta.width, channels: meta.channels, numClasses: meta.classNames.length, width: 16, learningRate: 1e-3, seed: request.seed });
  const per = meta.width * meta.height * meta.channels;
  const sizes = pools.map((p) => p.count);
  const total = sizes.reduce((a, b) => a + b, 0);
  const classes = meta.classNames.length;
  for (let step = 0; step < request.steps; step++) {
    const rng = new Random(deriveSeed(request.seed, step));
    const pixels = new Uint8Array(request.batchSize * per);
    const oneHot = new Float32Array(request.batchSize * classes);
    for (let b = 0; b < request.batchSize; b++) {
      let i = rng.int(total);
      let pool = 0;
      while (i >= sizes[pool]) i -= sizes[pool++];
      pixels.set(pools[pool].pixels.subarray(i * per, (i + 1) * per), b * per);
      oneHot[b * classes + pools[pool].labels[i]] = 1;
    }
    const x = toTensor(meta, pixels, request.batchSize);
    const y = tf.tensor2d(oneHot, [request.batchSize, classes]);
    const loss = classifier.trainStep(x, y);
    x.dispose();
    y.dispose();
    if (step % 25 === 24 || step === request.steps - 1) {
      // An occasional readback keeps the queue short and lets progress (and cancel) through.
      await loss.data();
      onStep(step + 1);
    }
    loss.dispose();
  }
  return classifier;
}

async function predict(classifier: Classifier, meta: DatasetMeta, set: LabelledImages, what: 'probabilities' | 'features'): Promise<Float32Array> {
  const per = meta.width * meta.height * meta.channels;
  const chunks: Float32Array[] = [];
  for (let start = 0; start < set.count; start += 64) {
    const n = Math.min(64, set.count - start);
    const x = toTensor(meta, set.pixels.subarray(start * per, (start + n) * per), n);
    const out = what === 'probabilities' ? tf.tidy(() => tf.softmax(classifier.logits(x))) : classifier.features(x);
    chunks.push((await out.data()) as Float32Array);
    x.dispose();
    out.dispose();
  }
  const result = new Float32Array(chunks.reduce((s, c) => s + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    result.set(c, offset);
    offset += c.length;
  }
  return result;
}

async function score(classifier: Classifier, meta: DatasetMeta, test: LabelledImages): Promise<ClassifierScores> {
  const classes = meta.classNames.length;
  const probs = await predict(classifier, meta, test, 'probabilities');
  let correct = 0;
  const hits = new Array(classes).fill(0);
  const counts = new Array(classes).fill(0);
  for (let i = 0; i < test.count; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[i * classes + c] > probs[i * classes + best]) best = c;
    counts[test.labels[i]]++;
    if (best === test.labels[i]) {
      correct++;
      hits[test.labels[i]]++;
    }
  }
  const recall = hits.map((h, c) => (counts[c] ? h / counts[c] : NaN));
  const present = recall.filter(Number.isFinite);
  const aucs = Array.from({ length: classes }, (_, c) => rocAuc(test, probs, classes, c)).filter(Number.isFinite);
  const accuracy = correct / test.count;
  return {
    accuracy,
    accuracyCi: wilson(correct, test.count),
    balancedAccuracy: present.reduce((a, b) => a + b, 0) / present.length,
    auc: aucs.reduce((a, b) => a + b, 0) / aucs.length,
    perClassRecall: recall,
    n: test.count,
  };
}

/** One-vs-rest ROC AUC by the Mann–Whitney statistic, ties counted half. */
export function rocAuc(test: { labels: Uint8Array; count: number }, probs: Float32Array, classes: number, c: number): number {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < test.count; i++) (test.labels[i] === c ? pos : neg).push(probs[i * classes + c]);
  if (!pos.length || !neg.length) return NaN;
  const all = [...pos.map((v) => ({ v, p: 1 })), ...neg.map((v) => ({ v, p: 0 }))].sort((a, b) => a.v - b.v);
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j].v === all[i].v) j++;
    const rank = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if (all[k].p) rankSum += rank;
    i = j;
  }
  return (rankSum - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

/** 95 % Wilson score interval for a proportion. */
export function wilson(successes: number, n: number): [number, number] {
  const z = 1.959964;
  const p = successes / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [centre - half, centre + half];
}

function rowsOf(features: Float32Array, labels: Uint8Array, c: number, dims: number) {
  const rows: number[] = [];
  labels.forEach((l, i) => l === c && rows.push(i));
  const data = new Float64Array(rows.length * dims);
  rows.forEach((r, k) => data.set(features.subarray(r * dims, (r + 1) * dims), k * dims));
  return { data, rows: rows.length, cols: dims };
}
