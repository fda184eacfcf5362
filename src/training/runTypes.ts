/** Training runs as stored and as reported to the UI. Plain data: every field survives structured clone. */
import type { ModelConfig, ModelConfigInput } from '../../models/types';
import type { TrainingSegment } from './trainingSegments';

export type RunStatus = 'running' | 'paused' | 'stopped' | 'failed' | 'finished' | 'interrupted';

export interface RunSettings {
  name: string;
  datasetId: string;
  model: ModelConfigInput;
  /** Stop after this many steps. */
  totalSteps: number;
  /** Losses are read back from the device every N steps (one async download, never a sync per step). */
  readbackEvery: number;
  /** A sample grid from fixed noise every N steps. */
  sampleEvery: number;
  /** A checkpoint every N steps, and on pause. */
  checkpointEvery: number;
  /** How many recent checkpoints to keep, besides the best. */
  keepCheckpoints: number;
  /** Images of the fixed-noise grid per class (or in all, for unconditional models). */
  samplesPerClass: number;
  /** Seeds batch order and the fixed noise; the model's own seed is in `model`. */
  seed: number;
}

/** One readback: the step and the model's metrics by name, plus throughput and learning rate. */
export interface MetricRow {
  step: number;
  time: number;
  values: Record<string, number>;
}

export interface LogEntry {
  time: number;
  step: number;
  level: 'info' | 'warning' | 'error';
  text: string;
}

export interface CheckpointRef {
  step: number;
  key: string;
  /** SHA-256 of the encoded state, checked before every restore. */
  sha256: string;
  bytes: number;
  /** The smoothed training loss at this checkpoint (ranks "best" only for runs stored before `quality`). */
  score: number;
  /**
   * The quality measure that ranks "best" (lower is better): KID of generated images against held-out
   * real images (training/quality.ts), with its sample size and its cost. Absent on older runs.
   */
  quality?: CheckpointQuality;
}

export interface CheckpointQuality {
  metric: 'kid';
  value: number;
  /** Generated and real images compared. */
  n: number;
  /** Milliseconds it took in the worker (generate, features, KID). */
  ms: number;
}

/** Diversity of a fixed-noise grid against real images of the same classes (training/quality.ts). */
export interface GridDiversity {
  step: number;
  /** Mean pairwise SSIM within a class, averaged over classes: of the grid, and of real images. */
  fakeSsim: number;
  realSsim: number;
  /** The grid is far less varied than the real images (mode collapse). */
  collapsed: boolean;
}

export interface SampleRef {
  step: number;
  key: string;
  /** Absent on grids stored before diversity was measured. */
  diversity?: GridDiversity;
}

export interface RunRecord {
  id: string;
  settings: RunSettings;
  /** The fully resolved model config (defaults filled in), including the current learning rate. */
  config: ModelConfig;
  /** Name of the metric used for "best", and what it means. */
  scoreMetric: string;
  status: RunStatus;
  step: number;
  createdAt: number;
  updatedAt: number;
  history: MetricRow[];
  samples: SampleRef[];
  checkpoints: CheckpointRef[];
  best: CheckpointRef | null;
  log: LogEntry[];
  rollbacks: number;
  /** The dataset's class names, for sample grid labels. */
  classNames: string[];
  /** Width/height/channels of the images the run trains on. */
  resolution: number;
  channels: 1 | 3;
  backend: string;
  message?: string;
  /** Set on a run imported from a run file (src/runfiles): where it came from. */
  imported?: RunImport;
  /** Set on a built-in pretrained model (src/runfiles/builtInModels.ts): read-only, never deleted by accident. */
  builtIn?: BuiltInInfo;
  /**
   * Which steps were trained where, as of the last run-file import (trainingSegments.ts): set by an
   * import (as a new run, or continuing this run in place from a PyTorch checkpoint). Absent on a
   * run trained only here. Steps past the last segment were trained in the studio.
   */
  segments?: TrainingSegment[];
  /**
   * Set on the records a tab lists, never stored: another tab trains this run right now, so this tab
   * shows it read-only (training/runOwnership.ts).
   */
  trainingElsewhere?: boolean;
}

/** A built-in model shipped with the studio: what it was trained on, how long, and how to rebuild it. */
export interface BuiltInInfo {
  id: string;
  title: string;
  trainedOn: string;
  steps: number;
  trainingSeconds: number;
  command: string;
}

/** Where an imported run came from. */
export interface RunImport {
  fileName: string;
  importedAt: number;
  /** The run's id in the studio that exported it. */
  originalRunId: string;
  /** The file's run card as imported (src/runfiles/runFileFormat.ts RunCard): dataset fingerprint, evaluation, audit, training time. */
  card: unknown;
}

export interface SampleGrid {
  step: number;
  /** n × resolution × resolution × channels, 0..255. */
  pixels: Uint8Array;
  labels: Int32Array;
  resolution: number;
  channels: 1 | 3;
}

export type RunEvent =
  | { type: 'record'; record: RunRecord }
  | { type: 'metrics'; runId: string; rows: MetricRow[]; step: number }
  | { type: 'samples'; runId: string; grid: SampleGrid; diversity?: GridDiversity }
  | { type: 'log'; runId: string; entry: LogEntry };
