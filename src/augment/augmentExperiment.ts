/**
 * Does synthetic data help a diagnostic classifier? The same classifier, budget and seeds in every
 * arm: A on the real training images, B on real plus synthetic, C on synthetic alone (the
 * Classification Accuracy Score of Ravuri & Vinyals 2019); or, in rare-class mode, A on the full
 * real set, A with one class cut to a fraction, and B with that class topped up by synthetic
 * images of it. Early stopping reads the real validation split; every score is on the real test
 * split, which no arm trains on. Differences between arms are paired by seed, with a 95 %
 * t-interval over seeds (a bootstrap over test images for a single seed), and a plain verdict.
 *
 * `runExperiment` works on images in memory, so the worker (runAugmentExperiment, from the store)
 * and the command line (scripts/augment.ts, from npz files) run the same code.
 */
import type { Classifier } from '../../models/classifier';
import { argmaxRows, bootstrapInterval, confusionMatrix, figuresFromConfusion, meanStd, pairedTInterval, rocCurve, thinCurve, type Interval, type MeanStd, type RocCurve } from '../metrics/classification';
import type { CancelToken, ProgressCallback } from '../core/jobControl';
import { classCounts, concat, subsampleClass, syntheticForMix, syntheticForRare, syntheticOnly, type LabelledImages, type RareClass, type SyntheticMix } from './armSets';
import { checkExperimentInputs, ExperimentRefusedError, type GuardedMeta } from './augmentGuards';
import { predictProbabilities, trainArm, type ClassifierBudget, type ImageShape } from './trainArm';
import { describeVerdict } from './verdict';
import { HEADLINE_METRICS, type ArmId, type ArmReport, type AugmentReport, type AugmentRequest, type Comparison, type ExperimentWarning, type HeadlineMetric, type PerClassScores, type SeedScores, MAX_CELL_IMAGES } from './augmentTypes';

export * from './augmentTypes';


/** The experiment's data, already split; `test.indices` name the images for the report. */
export interface ExperimentInput {
  real: GuardedMeta;
  synthetic: GuardedMeta | null;
  train: LabelledImages;
  validation: LabelledImages;
  test: LabelledImages & { indices: ArrayLike<number> };
  syntheticImages: LabelledImages | null;
  /** Data warnings found while reading (e.g. a validation split carved from training). */
  warnings: ExperimentWarning[];
}

export interface ExperimentHooks {
  onProgress: ProgressCallback;
  cancel?: CancelToken;
}


interface ArmPlan {
  id: ArmId;
  title: string;
  /** The training set of seed `seed` and how much of it is synthetic per class. */
  build(seed: number): { set: LabelledImages; real: number[]; synthetic: number[]; shortfalls: string[] };
}

function plans(input: ExperimentInput, request: AugmentRequest): ArmPlan[] {
  const classes = input.real.classNames.length;
  const names = input.real.classNames;
  const zero = () => new Array<number>(classes).fill(0);
  const realOnly = (set: LabelledImages) => ({ set, real: classCounts(set, classes), synthetic: zero(), shortfalls: [] });
  const A: ArmPlan = { id: 'A', title: request.rare ? 'A · real, full' : 'A · real only', build: () => realOnly(input.train) };
  const synthetic = input.syntheticImages;
  if (request.rare) {
    const rare = request.rare;
    return [
      A,
      { id: 'A-rare', title: `A · real, “${names[rare.classIndex]}” cut to ${Math.round(rare.fraction * 100)} %`, build: (seed) => realOnly(subsampleClass(input.train, rare, seed)) },
      {
        id: 'B-rare',
        title: `B · cut real + synthetic “${names[rare.classIndex]}”`,
        build: (seed) => {
          const cut = subsampleClass(input.train, rare, seed);
          const added = syntheticForRare(input.train, cut, synthetic!, rare, names, seed);
          return { set: concat(cut, added.images), real: classCounts(cut, classes), synthetic: classCounts(added.images, classes), shortfalls: added.shortfalls };
        },
      },
    ];
  }
  if (!synthetic) return [A];
  return [
    A,
    {
      id: 'B',
      title: 'B · real + synthetic',
      build: (seed) => {
        const added = syntheticForMix(input.train, synthetic, request.mix, names, seed);
        return { set: concat(input.train, added.images), real: classCounts(input.train, classes), synthetic: classCounts(added.images, classes), shortfalls: added.shortfalls };
      },
    },
    {
      id: 'C',
      title: 'C · synthetic only',
      build: (seed) => {
        const set = syntheticOnly(input.train, synthetic, names, seed);
        return { set, real: zero(), synthetic: classCounts(set, classes), shortfalls: [] };
      },
    },
  ];
}

interface SeedOutcome {
  scores: SeedScores;
  predicted: Uint8Array;
  probabilities: Float32Array;
}

function scoreSeed(seed: number, epochs: number, bestEpoch: number, probabilities: Float32Array, test: LabelledImages, classes: number): SeedOutcome {
  const predicted = argmaxRows(probabilities, classes);
  const figures = figuresFromConfusion(confusionMatrix(test.labels, predicted, classes));
  const aucs = Array.from({ length: classes }, (_, c) => rocCurve(test.labels, probabilities, classes, c)?.auc ?? NaN);
  const present = aucs.filter(Number.isFinite);
  return {
    predicted,
    probabilities,
    scores: {
      seed,
      epochs,
      bestEpoch,
      accuracy: figures.accuracy,
      balancedAccuracy: figures.balancedAccuracy,
      macroF1: figures.macroF1,
      macroAuc: present.length ? present.reduce((a, b) => a + b, 0) / present.length : NaN,
      perClass: figures.perClass.map((c, k) => ({ sensitivity: c.sensitivity, specificity: c.specificity, precision: c.precision, f1: c.f1, auc: aucs[k] })),
    },
  };
}

/** Balanced accuracy of `predicted` against `labels` over the test positions `indices` (repeats count). */
function balancedAccuracyAt(labels: Uint8Array, predicted: Uint8Array, indices: Int32Array, classes: number): number {
  const hits = new Array<number>(classes).fill(0);
  const counts = new Array<number>(classes).fill(0);
  for (const i of indices) {
    counts[labels[i]]++;
    if (predicted[i] === labels[i]) hits[labels[i]]++;
  }
  let sum = 0;
  let present = 0;
  for (let c = 0; c < classes; c++)
    if (counts[c]) {
      sum += hits[c] / counts[c];
      present++;
    }
  return present ? sum / present : NaN;
}

function sensitivityAt(labels: Uint8Array, predicted: Uint8Array, indices: Int32Array, c: number): number {
  let n = 0;
  let hit = 0;
  for (const i of indices)
    if (labels[i] === c) {
      n++;
      if (predicted[i] === c) hit++;
    }
  return n ? hit / n : NaN;
}

export async function runExperiment(id: string, input: ExperimentInput, request: AugmentRequest, hooks: ExperimentHooks): Promise<AugmentReport> {
  const started = performance.now();
  checkExperimentInputs(input.real, input.synthetic, { mix: request.mix, rare: request.rare, seeds: request.seeds });
  const { real } = input;
  const classes = real.classNames.length;
  const shape: ImageShape = { width: real.width, height: real.height, channels: real.channels };
  const warnings: ExperimentWarning[] = [...input.warnings];
  const armPlans = plans(input, request);
  const seeds = Array.from({ length: request.seeds }, (_, k) => k + 1);
  if (input.test.count < 10) throw new Error(`“${real.name}” has only ${input.test.count} test images; at least 10 are needed to score a classifier`);
  if (input.validation.count < 2) throw new Error(`“${real.name}” has no validation images for early stopping`);

  const firstSets = armPlans.map((p) => p.build(seeds[0]));
  const b = armPlans.findIndex((p) => p.id === 'B' || p.id === 'B-rare');
  if (b >= 0 && firstSets[b].synthetic.every((n) => n === 0)) {
    const counts = classCounts(input.train, classes).map((n, c) => `${real.classNames[c]} ${n}`).join(', ');
    const why =
      request.mix.kind === 'top-up' && !request.rare
        ? `“${real.classNames[request.mix.classIndex]}” already has as many real training images as the largest other class (${counts}), so topping it up adds no synthetic image`
        : request.mix.kind === 'balance' && !request.rare
          ? `the real training classes of “${real.name}” are already balanced (${counts}), so balancing adds no synthetic image`
          : `arm B would add no synthetic image`;
    throw new ExperimentRefusedError(`${why[0].toUpperCase()}${why.slice(1)}; B would equal A. Choose a ratio of synthetic to real images instead`);
  }
  // Progress in training images, planned at the full epoch budget; an arm that stops early skips ahead.
  const sizes = firstSets.map((s) => s.set.count);
  const total = sizes.reduce((a, b) => a + b, 0) * request.budget.maxEpochs * seeds.length;
  let done = 0;
  const outcomes = new Map<ArmId, SeedOutcome[]>(armPlans.map((p) => [p.id, []]));
  const armInfo = new Map<ArmId, { real: number[]; synthetic: number[] }>();
  const shortfalls = new Set<string>();
  const fullBudget = new Map<ArmId, number>();

  for (const [s, seed] of seeds.entries()) {
    for (const [a, plan] of armPlans.entries()) {
      const built = plan.build(seed);
      built.shortfalls.forEach((t) => shortfalls.add(t));
      if (!armInfo.has(plan.id)) armInfo.set(plan.id, { real: built.real, synthetic: built.synthetic });
      if (built.set.count === 0) throw new Error(`Arm ${plan.title} has no training images`);
      const label = `Seed ${s + 1} of ${seeds.length} · arm ${plan.title}`;
      const planned = sizes[a] * request.budget.maxEpochs;
      const scale = planned / (built.set.count * request.budget.maxEpochs);
      const base = done;
      const trained = await trainArm(shape, classes, built.set, input.validation, request.budget, seed, {
        what: 'The experiment',
        cancel: hooks.cancel,
        onImages: (seen) => hooks.onProgress({ done: Math.min(base + planned, Math.round(base + seen * scale)), total, label, detail: `epoch ${Math.min(request.budget.maxEpochs, Math.floor(seen / built.set.count) + 1)}` }),
      });
      done = base + planned;
      if (trained.epochs >= request.budget.maxEpochs && trained.bestEpoch === request.budget.maxEpochs) fullBudget.set(plan.id, (fullBudget.get(plan.id) ?? 0) + 1);
      const probabilities = await predict(trained.classifier, shape, input.test);
      outcomes.get(plan.id)!.push(scoreSeed(seed, trained.epochs, trained.bestEpoch, probabilities, input.test, classes));
      hooks.onProgress({ done, total, label, detail: `stopped after ${trained.epochs} epochs (kept epoch ${trained.bestEpoch})` });
    }
  }

  const arms = armPlans.map((plan): ArmReport => {
    const runs = outcomes.get(plan.id)!;
    const first = runs[0];
    const confusion = confusionMatrix(input.test.labels, first.predicted, classes);
    const cellImages = Array.from({ length: classes }, () => Array.from({ length: classes }, () => [] as number[]));
    for (let i = 0; i < input.test.count; i++) {
      const cell = cellImages[input.test.labels[i]][first.predicted[i]];
      if (cell.length < MAX_CELL_IMAGES) cell.push(i);
    }
    const summary = Object.fromEntries(HEADLINE_METRICS.map((m) => [m, meanStd(runs.map((r) => r.scores[m]))])) as Record<HeadlineMetric, MeanStd>;
    const perClass = real.classNames.map((_, c) => {
      const of = (k: keyof PerClassScores) => meanStd(runs.map((r) => r.scores.perClass[c][k]));
      return { sensitivity: of('sensitivity'), specificity: of('specificity'), precision: of('precision'), f1: of('f1'), auc: of('auc') };
    });
    return {
      id: plan.id,
      title: plan.title,
      trainCounts: armInfo.get(plan.id)!,
      seeds: runs.map((r) => r.scores),
      summary,
      perClass,
      confusion,
      cellImages,
      roc: real.classNames.map((_, c) => {
        const curve = rocCurve(input.test.labels, first.probabilities, classes, c);
        return curve && thinCurve(curve, 101);
      }),
      balancedAccuracyBootstrap: bootstrapInterval(input.test.count, (idx) => balancedAccuracyAt(input.test.labels, first.predicted, idx, classes), { seed: 7 }),
    };
  });

  const comparisons: Comparison[] = [];
  const compare = (from: ArmId, to: ArmId, metric: HeadlineMetric | 'sensitivity', classIndex?: number) => {
    const a = outcomes.get(from);
    const b = outcomes.get(to);
    if (!a || !b) return;
    const value = (o: SeedOutcome) => (metric === 'sensitivity' ? o.scores.perClass[classIndex!].sensitivity : o.scores[metric]);
    const perSeed = b.map((o, k) => value(o) - value(a[k]));
    let interval: Interval;
    if (seeds.length >= 2) {
      // A difference of two proportions lies in [−1, 1]; a t-interval over few seeds can overshoot it.
      const t = pairedTInterval(perSeed);
      interval = { ...t, low: Math.max(-1, t.low), high: Math.min(1, t.high) };
    }
    else {
      // One seed: resample the test images, the same draw for both arms.
      const labels = input.test.labels;
      const stat = (idx: Int32Array) =>
        metric === 'sensitivity'
          ? sensitivityAt(labels, b[0].predicted, idx, classIndex!) - sensitivityAt(labels, a[0].predicted, idx, classIndex!)
          : metric === 'balancedAccuracy'
            ? balancedAccuracyAt(labels, b[0].predicted, idx, classes) - balancedAccuracyAt(labels, a[0].predicted, idx, classes)
            : accuracyAt(labels, b[0].predicted, idx) - accuracyAt(labels, a[0].predicted, idx);
      interval = metric === 'macroAuc' || metric === 'macroF1' ? { ...pairedTInterval(perSeed) } : bootstrapInterval(input.test.count, stat, { seed: 11 });
    }
    comparisons.push({ label: `${armLetter(to)} − ${armLetter(from)}`, from, to, metric, classIndex, interval, perSeed });
  };
  if (request.rare) {
    const c = request.rare.classIndex;
    compare('A', 'A-rare', 'sensitivity', c);
    compare('A-rare', 'B-rare', 'sensitivity', c);
    for (const m of HEADLINE_METRICS) compare('A-rare', 'B-rare', m);
  } else {
    for (const m of HEADLINE_METRICS) compare('A', 'B', m);
    for (const m of HEADLINE_METRICS) compare('A', 'C', m);
  }

  // Warnings: grouped, each said once.
  shortfalls.forEach((text) => warnings.push({ group: 'Data', text: `${text}.` }));
  const a = arms[0];
  if (a.summary.balancedAccuracy.mean < 1 / classes + 0.1)
    warnings.push({ group: 'Training', text: `The real-only classifier stays near chance (balanced accuracy ${(100 * a.summary.balancedAccuracy.mean).toFixed(1)} %, chance ${(100 / classes).toFixed(0)} %), so no comparison here can show anything: give it more epochs or check the labels.` });
  for (const [armId, n] of fullBudget) warnings.push({ group: 'Training', text: `Arm ${armLetter(armId)} was still improving at the last epoch in ${n} of ${seeds.length} seeds; a larger epoch budget might raise its scores.` });
  if (input.test.count < 200) {
    const half = 100 * 1.96 * Math.sqrt(0.25 / input.test.count);
    warnings.push({ group: 'Statistics', text: `Only ${input.test.count} real test images: one seed's accuracy is uncertain by about ±${half.toFixed(0)} points, so read the intervals, not the single figures.` });
  }
  if (seeds.length === 1) warnings.push({ group: 'Statistics', text: 'One seed: the intervals come from resampling the test images and leave out how much the classifier varies from seed to seed; use 3 or more seeds.' });
  else if (seeds.length < 3) warnings.push({ group: 'Statistics', text: `Only ${seeds.length} seeds: a t-interval over so few is very wide; use 5.` });

  const test = classCounts(input.test, classes);
  return {
    format: 2,
    id,
    createdAt: Date.now(),
    request,
    realName: real.name,
    syntheticName: input.synthetic?.name ?? null,
    syntheticRun: input.synthetic?.provenance ? { id: input.synthetic.provenance.runId, name: input.synthetic.provenance.runName } : null,
    classNames: [...real.classNames],
    shape,
    seeds,
    counts: { train: classCounts(input.train, classes), validation: input.validation.count, test, synthetic: input.syntheticImages ? classCounts(input.syntheticImages, classes) : new Array(classes).fill(0) },
    testIndices: Array.from(input.test.indices),
    arms,
    comparisons,
    verdict: describeVerdict({ arms, comparisons, classNames: real.classNames, rare: request.rare, seeds: seeds.length }),
    warnings,
    elapsedMs: Math.round(performance.now() - started),
  };
}

function accuracyAt(labels: Uint8Array, predicted: Uint8Array, indices: Int32Array): number {
  let hit = 0;
  for (const i of indices) if (predicted[i] === labels[i]) hit++;
  return indices.length ? hit / indices.length : NaN;
}

export function armLetter(id: ArmId): string {
  return id === 'A-rare' ? 'A (rare)' : id === 'B-rare' ? 'B (rare)' : id;
}

async function predict(classifier: Classifier, shape: ImageShape, test: LabelledImages): Promise<Float32Array> {
  try {
    return await predictProbabilities(classifier, shape, test);
  } finally {
    classifier.dispose();
  }
}

