/** Evaluations as requested by the UI and as stored: plain data that survives structured clone. */
import type { MetricsReport } from '../metrics/report';

export type FakeSource =
  | { kind: 'run'; runId: string; checkpoint: 'latest' | 'best' | 'all'; count: number }
  | { kind: 'dataset'; datasetId: string };

export interface EvaluationRequest {
  realDatasetId: string;
  fake: FakeSource;
  /** radiomics: FRD (the default, no weights); raw: pixels; inception: pytorch-fid FID with the user's weights file. */
  features: 'radiomics' | 'raw' | 'inception';
  /** k of precision/recall/density/coverage. */
  k: number;
  /** At most this many real training images are used (the rest are skipped, seeded). */
  maxReal: number;
  seed: number;
}

export interface Histogram {
  edges: number[];
  counts: number[];
}

export interface AuditSummary {
  method: 'ssim' | 'features';
  threshold: number;
  percentile: number;
  fractionFlagged: number;
  flaggedCount: number;
  /** Every flagged pair (evaluations stored before this kept the first 24), closest first: synthetic index and the training image's dataset index. */
  pairs: { synthetic: number; train: number; distance: number }[];
  synthetic: Histogram;
  validation: Histogram;
  warnings: string[];
}

/**
 * The audit's headline: synthetic images below BOTH thresholds, i.e. likely copies. A copy is near
 * its source in pixels and in features at once; a new image rarely is, so this rule wrongly flags
 * far fewer than the 1 % each criterion alone flags by construction.
 */
export interface LikelyCopiesSummary {
  thresholds: { ssim: number; features: number };
  percentile: number;
  fractionFlagged: number;
  flaggedCount: number;
  /** Share of the held-out calibration images that both rules flag (in-sample false-flag rate). */
  validationFractionFlagged: number;
  /**
   * Every likely copy (evaluations stored before this kept the first 24), closest first. `train` is the dataset index of the nearest training
   * image by SSIM (the one a person compares by eye); `featuresTrain` the nearest by features.
   */
  pairs: { synthetic: number; train: number; ssimDistance: number; featuresTrain: number; featureDistance: number }[];
}

export interface StepPoint {
  step: number;
  frechet: number;
  kid: number;
}

/**
 * One class's figures, when both sets carry class labels (a conditional run, or a labelled synthetic
 * dataset): the Fréchet distance, precision and recall of that class's synthetic images against its
 * real training images, beside the same for its held-out real images (the floor). KID is left out:
 * its subsets are meaningless at a few dozen images per class.
 */
export interface ClassFigures {
  /** Index into the real dataset's classNames (the name is read from the dataset, so renaming follows). */
  classIndex: number;
  /** The class's name when evaluated (shown when the dataset is gone). */
  className: string;
  n: { train: number; validation: number; fake: number };
  /** null with `unavailable` when a side has too few images. */
  synthetic: { frechet: number; precision: number; recall: number } | null;
  floor: { frechet: number; precision: number; recall: number } | null;
  unavailable?: string;
}

export interface EvaluationRecord {
  id: string;
  createdAt: number;
  request: EvaluationRequest;
  realName: string;
  fakeName: string;
  resolution: number;
  n: { train: number; validation: number; fake: number };
  /** Real training images against the synthetic set. */
  main: MetricsReport;
  /** Real training images against held-out real images: the floor a perfect generator would reach. */
  baseline: MetricsReport | null;
  /**
   * `likelyCopies` is the headline; `ssim` and `features` are each criterion on its own, for
   * inspection. Evaluations stored before the combined rule existed have no `likelyCopies`.
   */
  memorization: { likelyCopies?: LikelyCopiesSummary; ssim: AuditSummary; features: AuditSummary } | null;
  /** FRD and KID at each kept checkpoint, when the whole run was evaluated. */
  overSteps: StepPoint[];
  warnings: string[];
  elapsedMs: number;
  /** Key of the stored synthetic images (for the flagged pairs view). */
  fakeKey: string;
  /** The run this evaluation belongs to, for its run card. */
  runId?: string;
  /**
   * The run's checkpoint step whose images were judged: the run may train on (here, or in PyTorch
   * and be continued in place by an import), and the evaluation stays with this step. Absent on
   * evaluations of a dataset and on older ones (their fakeName says "@ step N").
   */
  step?: number;
  /** Per-class figures; absent when the synthetic set has no class labels (or on older evaluations). */
  perClass?: ClassFigures[];
}

/** Reconstruction of held-out real images through a VAE run's encoder and decoder. */
export interface ReconstructionRequest {
  runId: string;
  checkpoint: 'latest' | 'best';
  /** Real images reconstructed at most (a seeded choice when the split holds more). */
  count: number;
  seed: number;
}

/** A per-image metric over N images: mean and sample standard deviation (ddof 1). */
export interface MetricStat {
  /** Infinity for PSNR when any image is reconstructed exactly (its PSNR is infinite). */
  mean: number;
  /** NaN when N < 2 or any value is infinite. */
  std: number;
  n: number;
}

/** Paired metrics on a 0–1 intensity scale (bytes / 255); colour images average their channels. */
export interface ReconstructionMetrics {
  ssim: MetricStat;
  /** null when the images are too small for five scales; `msSsimUnavailable` then says why. */
  msSsim: MetricStat | null;
  msSsimUnavailable?: string;
  /** dB, from each image's MSE over all its channels. */
  psnr: MetricStat;
  mse: MetricStat;
  mae: MetricStat;
}

export interface ReconstructionRecord {
  id: string;
  createdAt: number;
  request: ReconstructionRequest;
  runName: string;
  datasetName: string;
  step: number;
  resolution: number;
  channels: 1 | 3;
  /** The held-out validation split, or every image (training ones included) when there is none. */
  source: 'validation' | 'all';
  n: number;
  metrics: ReconstructionMetrics;
  /** Dataset indices of the example pairs stored beside the record, in their order. */
  exampleIndices: number[];
  warnings: string[];
  elapsedMs: number;
}

/** A few originals and their reconstructions, each count × resolution² × channels bytes. */
export interface ReconstructionExamples {
  originals: Uint8Array;
  reconstructions: Uint8Array;
  count: number;
  resolution: number;
  channels: 1 | 3;
}
