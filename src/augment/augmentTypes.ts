/**
 * The shapes of an augment experiment's report (arms, per-seed scores, paired differences, the
 * verdict and warnings), shared by the experiment, the verdict, the store, the CLI and the UI.
 */
import type { Interval, MeanStd, RocCurve } from '../metrics/classification';
import type { RareClass, SyntheticMix } from './armSets';
import type { ClassifierArchitecture } from '../../models/classifier';

export interface ClassifierBudget {
  architecture: ClassifierArchitecture;
  /** The most epochs an arm trains. */
  maxEpochs: number;
  /** Stop after this many epochs without a lower validation loss. */
  patience: number;
  batchSize: number;
  learningRate: number;
  /** Channels of the first conv block (doubled twice after it). */
  width: number;
}

export const DEFAULT_BUDGET: ClassifierBudget = { architecture: 'cnn', maxEpochs: 15, patience: 3, batchSize: 32, learningRate: 2e-3, width: 16 };

export interface ImageShape {
  width: number;
  height: number;
  channels: 1 | 3;
}

export interface AugmentRequest {
  realDatasetId: string;
  syntheticDatasetId: string | null;
  mix: SyntheticMix;
  /** Rare-class mode when set: arms A, A (rare), B (rare + synthetic). */
  rare: RareClass | null;
  /** Seeds 1..seeds; 5 by default. */
  seeds: number;
  budget: ClassifierBudget;
}

export type VerdictTone = 'helped' | 'hurt' | 'no-evidence' | 'baseline';

export interface Verdict {
  tone: VerdictTone;
  /** One sentence at the top of the report. */
  headline: string;
  /** Further sentences: the synthetic-only arm, the rare class, what the figures rest on. */
  details: string[];
}

export type ArmId = 'A' | 'B' | 'C' | 'A-rare' | 'B-rare';
export const HEADLINE_METRICS = ['balancedAccuracy', 'accuracy', 'macroAuc', 'macroF1'] as const;
export type HeadlineMetric = (typeof HEADLINE_METRICS)[number];
export const METRIC_NAMES: Record<HeadlineMetric, string> = { balancedAccuracy: 'balanced accuracy', accuracy: 'accuracy', macroAuc: 'ROC AUC (macro)', macroF1: 'F1 (macro)' };

export interface PerClassScores {
  sensitivity: number;
  specificity: number;
  precision: number;
  f1: number;
  auc: number;
}

export interface SeedScores extends Record<HeadlineMetric, number> {
  seed: number;
  epochs: number;
  bestEpoch: number;
  perClass: PerClassScores[];
}

export interface ArmReport {
  id: ArmId;
  /** "A · real only" */
  title: string;
  /** Training images per class (first seed): real and synthetic. */
  trainCounts: { real: number[]; synthetic: number[] };
  seeds: SeedScores[];
  summary: Record<HeadlineMetric, MeanStd>;
  perClass: Record<keyof PerClassScores, MeanStd>[];
  /** Of the first seed: confusion counts [true][predicted]. */
  confusion: number[][];
  /** Of the first seed: positions in the test split (see AugmentReport.testIndices) per confusion cell, at most MAX_CELL_IMAGES each. */
  cellImages: number[][][];
  /** Of the first seed, one-vs-rest per class (null where the test split lacks the class or its complement). */
  roc: (RocCurve | null)[];
  /** Of the first seed: a 95 % bootstrap interval of balanced accuracy over the test images. */
  balancedAccuracyBootstrap: Interval;
}

export interface Comparison {
  /** "B − A" */
  label: string;
  from: ArmId;
  to: ArmId;
  /** A headline metric, or a per-class sensitivity. */
  metric: HeadlineMetric | 'sensitivity';
  classIndex?: number;
  /** Differences in proportion units (0.01 = 1 point). */
  interval: Interval;
  /** to − from per seed. */
  perSeed: number[];
}

export type WarningGroup = 'Data' | 'Training' | 'Statistics';
export interface ExperimentWarning {
  group: WarningGroup;
  text: string;
}

export interface AugmentReport {
  /** 2: the multi-seed experiment. Reports of the one-seed version before it have no format. */
  format: 2;
  id: string;
  createdAt: number;
  request: AugmentRequest;
  realName: string;
  syntheticName: string | null;
  /**
   * The run that generated the synthetic set (its provenance), so the run's card can show this
   * experiment. Absent in reports made before it was recorded: the synthetic dataset's provenance
   * stands in while that dataset is stored.
   */
  syntheticRun?: { id: string; name: string } | null;
  classNames: string[];
  shape: ImageShape;
  seeds: number[];
  counts: { train: number[]; validation: number; test: number[]; synthetic: number[] };
  /** The test images' indices in the real dataset (or the npz test array), for opening them. */
  testIndices: number[];
  arms: ArmReport[];
  comparisons: Comparison[];
  verdict: Verdict;
  warnings: ExperimentWarning[];
  elapsedMs: number;
}


/** Test images kept per confusion cell (first seed), for opening them. */
export const MAX_CELL_IMAGES = 48;
