/**
 * The portable run file (`.phantomrun`): one trained model, its run card and optionally its
 * optimiser state, in one ZIP (stored, uncompressed float data compresses poorly) holding
 *
 *   manifest.json          { format: "phantom-studio/run-file", version: 1, createdAt,
 *                            parts: { "<file>": { sha256, bytes } } }   — written last, read first
 *   runcard.json           RunCard (below): model kind and config, run settings, dataset fingerprint,
 *                          steps, training time, backend, curves, latest evaluation and audit, dates
 *   weights.safetensors    every tensor generating needs, F32, the studio's names and layouts
 *                          (__metadata__: format, kind, step, config as JSON)
 *   optimizer.safetensors  optional: Adam's moments; __metadata__.steps holds its update counts (JSON)
 *
 * Python: `safetensors.torch.load_file("weights.safetensors")` after unzipping, or
 * python/phantom_models.py's read_safetensors; the run card's `model.config` builds the network.
 *
 * This module is types and constants only (no tfjs), so the UI thread can import it.
 */
import type { ModelConfig, ModelKind } from '../../models/types';
import type { ExportAudit } from '../generation/exportAudit';
import type { AugmentSummary } from '../augment/augmentSummary';
import type { MetricRow, RunSettings, RunStatus } from '../training/runTypes';
import type { TrainingSegment } from '../training/trainingSegments';

export const RUN_FILE_FORMAT = 'phantom-studio/run-file';
export const RUN_FILE_VERSION = 1;
export const RUN_CARD_FORMAT = 'phantom-studio/run-card';
/** The file name ending the studio gives run files (any name is accepted on import). */
export const RUN_FILE_EXTENSION = '.phantomrun';

export const PART = {
  manifest: 'manifest.json',
  card: 'runcard.json',
  weights: 'weights.safetensors',
  optimizer: 'optimizer.safetensors',
} as const;

export interface ManifestPart {
  sha256: string;
  bytes: number;
}

export interface RunFileManifest {
  format: typeof RUN_FILE_FORMAT;
  version: number;
  createdAt: string;
  /** Every other file of the archive with its SHA-256; nothing else may be in it. */
  parts: Record<string, ManifestPart>;
}

/** What the run trained on, without a single pixel. */
export interface DatasetFingerprint {
  /** The dataset's id where the run was trained (the import matches datasets by `pixelsSha256`, not by id). */
  id: string;
  name: string;
  width: number;
  height: number;
  channels: 1 | 3;
  count: number;
  classNames: string[];
  /** Images per class (classNames order) in each split. */
  perSplit: { train: number[]; val: number[]; test: number[] };
  /** SHA-256 of every image's uint8 pixels (row-major, channels last) in the dataset's order, concatenated. */
  pixelsSha256: string;
}

/** The latest evaluation's figures as they were (the synthetic images stay behind). */
export interface EvaluationSummary {
  id: string;
  createdAt: number;
  realName: string;
  fakeName: string;
  /** The checkpoint step the evaluated images came from (absent on cards written before it was recorded). */
  step?: number;
  features: string;
  n: { train: number; validation: number; fake: number };
  /** Headline numbers of the evaluation report (main and baseline), as stored by the studio. */
  main: unknown;
  baseline: unknown;
  memorization: unknown;
  perClass?: unknown;
  warnings: string[];
}

export interface RunCard {
  format: typeof RUN_CARD_FORMAT;
  version: 1;
  studio: { name: 'Phantom Studio'; version: string };
  run: {
    /** The id where it was exported; an import as a new run gets a new one, continuing in place keeps it. */
    id: string;
    name: string;
    status: RunStatus;
    createdAt: string;
    updatedAt: string;
    exportedAt: string;
    /** Set when this run was itself imported from a run file. */
    importedFrom?: string;
  };
  model: {
    kind: ModelKind;
    /** The resolved config of the exported checkpoint: architecture and every hyperparameter. */
    config: ModelConfig;
    /** The run's settings: steps, sampling and checkpoint cadence, seed. */
    settings: RunSettings;
    scoreMetric: string;
  };
  checkpoint: {
    step: number;
    /** Which of the run's checkpoints this file holds. */
    which: 'latest' | 'best';
    /** The smoothed training loss at this checkpoint (CheckpointRef.score). */
    score: number;
    /** KID against held-out images at this checkpoint, when measured. */
    quality?: { metric: string; value: number; n: number };
    hasOptimizer: boolean;
  };
  training: {
    steps: number;
    /** Σ (step time × steps) over the metric readbacks: time spent training, pauses excluded. */
    trainingSeconds: number;
    backend: string;
    classNames: string[];
    resolution: number;
    channels: 1 | 3;
    /** The curves (one row per readback), so an imported run can be compared with others. */
    history: MetricRow[];
    /**
     * Which steps up to the checkpoint were trained where (studio, or PyTorch with its device and
     * process count); train.py appends its segment. Absent on cards written before it existed.
     */
    segments?: TrainingSegment[];
  };
  /** Null when the run's dataset was no longer stored when the file was made. */
  dataset: DatasetFingerprint | null;
  evaluation: EvaluationSummary | null;
  audit: ExportAudit | null;
  /**
   * The latest augment experiment that used this run's synthetic images: verdict and key figures.
   * Absent from files written before it was added (read as none).
   */
  augment?: AugmentSummary | null;
}

/** A run file the studio refused: which file, which part, and why. */
export class RunFileError extends Error {
  override name = 'RunFileError';
  constructor(
    readonly fileName: string,
    readonly part: string | null,
    readonly reason: string,
  ) {
    super(`${fileName}${part ? ` › ${part}` : ''}: ${reason}. Nothing was imported.`);
  }
}

export interface ExportRunFileOptions {
  /** Adds Adam's state so the run can continue training where it stopped (about twice the size). Default true. */
  includeOptimizer?: boolean;
  /** Default 'latest'. */
  checkpoint?: 'latest' | 'best';
}

export interface RunFileBytes {
  fileName: string;
  bytes: Uint8Array;
  card: RunCard;
}

export interface ImportedRun {
  runId: string;
  /** True when the file continued the run it came from (same id), false when it became a new run. */
  continued: boolean;
  name: string;
  step: number;
  hasOptimizer: boolean;
  /** The local dataset whose pixels match the card's fingerprint (continuing training needs it), or null. */
  datasetId: string | null;
}
