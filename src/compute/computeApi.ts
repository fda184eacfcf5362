/**
 * The typed contract between the UI thread and the compute worker. The UI only ever talks to
 * the worker through this interface (wrapped by comlink), so every message is type-checked on
 * both sides.
 */
import type { BackendChoice, BackendReport } from './backendTypes';
import type { CancelToken, ProgressCallback } from '../core/jobControl';
export type { CancelToken, Progress, ProgressCallback } from '../core/jobControl';
export { CancelledError } from '../core/jobControl';
import type { DatasetIndex, DatasetMeta, ImagePage } from '../storage/datasetStore';
export type { ImagePage } from '../storage/datasetStore';
import type { PhantomModality, PhantomSize } from '../data/phantom';
import type { ImportInputFile, ImportSettings, StagedImport } from './importJob';
import type { RunEvent, RunRecord, RunSettings, SampleGrid } from '../training/runTypes';
import type { EvaluationRecord, EvaluationRequest, ReconstructionExamples, ReconstructionRecord, ReconstructionRequest } from '../evaluation/evaluationTypes';
import type { SamplerInfo } from '../generation/sampler';
import type { ClassroomUpdate } from '../learn/classroom';
import type { CachedInceptionFile } from '../metrics/inception/cache';
import type { AugmentReport, AugmentRequest } from '../augment/augmentExperiment';
import type { ExportAudit, SyntheticExportRequest } from '../generation/syntheticExport';

export type BackendListener = (report: BackendReport) => void;

export interface PhantomDatasetRequest {
  modality: PhantomModality;
  size: PhantomSize;
  count: number;
  seed: number;
  name?: string;
}


export interface ComputeApi {
  /** Chooses and starts a backend; listener hears every later change (fallback, device loss, override). */
  start(onBackendChange: BackendListener): Promise<BackendReport>;
  backendReport(): Promise<BackendReport>;
  setBackendChoice(choice: BackendChoice): Promise<BackendReport>;
  /** Forgets the cached probe and measures again. */
  reprobeBackends(): Promise<BackendReport>;

  generatePhantomDataset(request: PhantomDatasetRequest, onProgress: ProgressCallback, signal?: CancelToken): Promise<DatasetMeta>;
  listDatasets(): Promise<DatasetMeta[]>;
  /** Labels and split codes of every image (small: one byte each). */
  datasetIndex(datasetId: string): Promise<DatasetIndex>;
  readImages(datasetId: string, start: number, count: number): Promise<ImagePage>;
  deleteDataset(datasetId: string): Promise<void>;
  /** One image with its label, split and stored technical attributes (imports only). */
  imageDetails(datasetId: string, index: number): Promise<{ pixels: Uint8Array; label: number; split: number; attributes: Record<string, unknown> | null }>;
  /** Grey-level histogram (256 bins) over every pixel of a dataset, per class. */
  intensityHistogram(datasetId: string): Promise<number[][]>;

  /** Hands files over ahead of stageImport, in batches, so a huge folder never blocks the page. */
  queueImportFiles(files: ImportInputFile[]): Promise<number>;
  clearImportQueue(): Promise<void>;
  /** Decodes and stages the queued files plus `files`; nothing is a dataset until commitImport. */
  stageImport(files: ImportInputFile[], settings: ImportSettings, onProgress: ProgressCallback, cancel?: CancelToken): Promise<StagedImport>;
  commitImport(stagingId: string, name?: string): Promise<DatasetMeta>;
  discardImport(stagingId: string): Promise<void>;
  /** A MedMNIST-layout npz, or a ZIP of PNGs with labels.csv; both re-import losslessly. */
  exportDataset(datasetId: string, format: 'npz' | 'zip'): Promise<Uint8Array>;
  /** Training: one run trains at a time; events stream to the listener given to subscribeRuns. */
  subscribeRuns(listener: (event: RunEvent) => void): Promise<void>;
  listRuns(): Promise<RunRecord[]>;
  getRun(runId: string): Promise<RunRecord>;
  /** Creates a run (step-0 checkpoint and samples) and starts training it in the background. */
  createRun(settings: RunSettings): Promise<RunRecord>;
  /** Continues a paused, stopped or interrupted run from its newest verified checkpoint. */
  resumeRun(runId: string): Promise<void>;
  pauseRun(runId: string): Promise<RunRecord>;
  stopRun(runId: string): Promise<RunRecord>;
  deleteRun(runId: string): Promise<void>;
  readSampleGrid(runId: string, step: number): Promise<SampleGrid | null>;

  /** Evaluation: runs in this worker, blocking training while it computes. */
  evaluate(request: EvaluationRequest, onProgress: ProgressCallback, cancel?: CancelToken): Promise<EvaluationRecord>;
  listEvaluations(): Promise<EvaluationRecord[]>;
  /** Checks (SHA-256, structure) and caches the user's pytorch-fid Inception weights file. */
  installInceptionWeights(file: Blob, fileName: string): Promise<CachedInceptionFile>;
  inceptionWeightsStatus(): Promise<CachedInceptionFile | null>;
  removeInceptionWeights(): Promise<void>;
  deleteEvaluation(id: string): Promise<void>;
  readPairImages(id: string, pairs: { synthetic: number; train: number }[]): Promise<{ synthetic: Uint8Array; train: Uint8Array; size: number }>;
  /** A VAE run's reconstructions of held-out real images, scored by SSIM, MS-SSIM, PSNR, MSE and MAE; saved when done. */
  evaluateReconstruction(request: ReconstructionRequest, onProgress: ProgressCallback, cancel?: CancelToken): Promise<ReconstructionRecord>;
  listReconstructions(): Promise<ReconstructionRecord[]>;
  readReconstructionExamples(id: string): Promise<ReconstructionExamples>;
  deleteReconstruction(id: string): Promise<void>;

  /** Generation: one trained model stays open for interactive sampling. */
  openSampler(runId: string, checkpoint: 'latest' | 'best'): Promise<SamplerInfo>;
  samplerLatents(n: number, seed: number): Promise<Float32Array>;
  renderLatents(latents: Float32Array, labels: Int32Array | null): Promise<Uint8Array>;
  /** Generates, audits for memorisation (dropping flagged images by default) and saves a dataset. */
  exportSynthetic(request: SyntheticExportRequest, onProgress: ProgressCallback): Promise<{ meta: DatasetMeta; audit: ExportAudit }>;
  listExportAudits(runId: string): Promise<ExportAudit[]>;

  /** The classroom: a GAN and a VAE trained side by side, step by step. */
  classroomStart(datasetId: string): Promise<ClassroomUpdate>;
  classroomStep(steps: number): Promise<ClassroomUpdate>;
  /** Resolves when paused; updates arrive through the listener. */
  classroomPlay(every: number, onUpdate: (update: ClassroomUpdate) => void): Promise<void>;
  classroomPause(): Promise<void>;
  classroomStop(): Promise<void>;

  /** Augment: a classifier trained on real images, and on real plus synthetic, scored on real test images. */
  runAugmentExperiment(request: AugmentRequest, onProgress: ProgressCallback): Promise<AugmentReport>;
  listAugmentReports(): Promise<AugmentReport[]>;

  /** Wipes every dataset, run, checkpoint and setting. */
  deleteAllData(): Promise<void>;
}

