/**
 * A hand-built augment report (format 2) with known figures, for tests of what reads reports (the
 * run card's summary, the model library): arms with chosen balanced accuracies and sensitivities,
 * paired differences with chosen intervals, and the verdict the studio's own describeVerdict gives.
 */
import type { ArmId, ArmReport, AugmentReport, Comparison } from '../augment/augmentTypes';
import { DEFAULT_BUDGET } from '../augment/augmentTypes';
import { describeVerdict } from '../augment/verdict';

const ms = (mean: number, std: number, n: number) => ({ mean, std, n });

export interface FixtureArm {
  id: ArmId;
  title: string;
  balancedAccuracy: [mean: number, std: number];
  /** Per class: [mean, std]. */
  sensitivity: [number, number][];
}

export interface FixtureDifference {
  from: ArmId;
  to: ArmId;
  metric: Comparison['metric'];
  classIndex?: number;
  mean: number;
  low: number;
  high: number;
}

export function augmentReportFixture(options: {
  id: string;
  createdAt: number;
  syntheticDatasetId: string | null;
  syntheticRun?: { id: string; name: string } | null;
  rare?: { classIndex: number; fraction: number } | null;
  seeds: number;
  arms: FixtureArm[];
  differences: FixtureDifference[];
}): AugmentReport {
  const n = options.seeds;
  const classNames = ['normal', 'pneumonia'];
  const letter = (id: ArmId) => (id === 'A-rare' ? 'A (rare)' : id === 'B-rare' ? 'B (rare)' : id);
  const arms: ArmReport[] = options.arms.map((a) => ({
    id: a.id,
    title: a.title,
    trainCounts: { real: [10, 30], synthetic: [0, 0] },
    seeds: [],
    summary: { balancedAccuracy: ms(...a.balancedAccuracy, n), accuracy: ms(...a.balancedAccuracy, n), macroAuc: ms(0.9, 0.01, n), macroF1: ms(0.8, 0.01, n) },
    perClass: a.sensitivity.map(([m, s]) => ({ sensitivity: ms(m, s, n), specificity: ms(m, s, n), precision: ms(m, s, n), f1: ms(m, s, n), auc: ms(0.9, 0.01, n) })),
    confusion: [],
    cellImages: [],
    roc: [null, null],
    balancedAccuracyBootstrap: { mean: a.balancedAccuracy[0], low: a.balancedAccuracy[0], high: a.balancedAccuracy[0], n: 1, method: 'bootstrap over test images' },
  }));
  const comparisons: Comparison[] = options.differences.map((d) => ({
    label: `${letter(d.to)} − ${letter(d.from)}`,
    from: d.from,
    to: d.to,
    metric: d.metric,
    ...(d.classIndex !== undefined ? { classIndex: d.classIndex } : {}),
    interval: { mean: d.mean, low: d.low, high: d.high, n, method: 't over seeds' },
    perSeed: [],
  }));
  const rare = options.rare ?? null;
  return {
    format: 2,
    id: options.id,
    createdAt: options.createdAt,
    request: { realDatasetId: 'real', syntheticDatasetId: options.syntheticDatasetId, mix: { kind: 'balance' }, rare, seeds: n, budget: DEFAULT_BUDGET },
    realName: 'pneumonia-real',
    syntheticName: options.syntheticDatasetId ? `synthetic ${options.syntheticDatasetId}` : null,
    ...(options.syntheticRun !== undefined ? { syntheticRun: options.syntheticRun } : {}),
    classNames,
    shape: { width: 28, height: 28, channels: 1 },
    seeds: Array.from({ length: n }, (_, i) => i + 1),
    counts: { train: [10, 30], validation: 8, test: [20, 20], synthetic: [20, 20] },
    testIndices: [],
    arms,
    comparisons,
    verdict: describeVerdict({ arms, comparisons, classNames, rare, seeds: n }),
    warnings: [],
    elapsedMs: 1000,
  };
}
