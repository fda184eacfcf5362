/**
 * The typed contract between the UI thread and the compute worker: one small API per domain,
 * composed into one object (comlink forwards nested calls such as `compute().runs.list()`). The UI
 * only ever talks to the worker through this interface, so every message is type-checked on both sides.
 */
import type { BackendReport } from './backendTypes';
import type { MigrationReport } from '../storage/migrateStore';
import type { SettingsApi } from './settingsApi';
import type { DatasetsApi } from '../datasets/datasetsApi';
import type { ImportsApi } from '../importers/importsApi';
import type { RunsApi } from '../training/runsApi';
import type { GenerationApi } from '../generation/generationApi';
import type { EvaluationApi } from '../evaluation/evaluationApi';
import type { AugmentApi } from '../augment/augmentApi';
import type { ClassroomApi } from '../learn/classroomApi';
import type { RunFilesApi } from '../runfiles/runFilesApi';
import type { PytorchExportApi } from '../export/pytorchExportApi';
import type { ReaderStudyApi } from '../readerStudy/studyTypes';
import type { ReaderTakesApi } from '../readerStudy/readerTakes';

export type BackendListener = (report: BackendReport) => void;

export interface ComputeApi {
  /** Opens storage and chooses and starts a backend; the listener hears every later change (fallback, device loss, override). */
  start(onBackendChange: BackendListener): Promise<BackendReport>;
  /** What start-up's storage migration did: records brought to the current schema, and any it could not read (kept untouched). Null before start. */
  storageReport(): Promise<MigrationReport | null>;
  readonly settings: SettingsApi;
  readonly datasets: DatasetsApi;
  readonly imports: ImportsApi;
  readonly runs: RunsApi;
  readonly generation: GenerationApi;
  readonly evaluation: EvaluationApi;
  readonly augment: AugmentApi;
  readonly classroom: ClassroomApi;
  /** Portable run files (.phantomrun): export a run, every run, or import one. */
  readonly runFiles: RunFilesApi;
  /** A run as a PyTorch project ZIP (phantom_models.py, train.py, run file, README; optionally its data). */
  readonly pytorchExport: PytorchExportApi;
  /** Blinded reader studies (visual Turing tests): set up, readers' answers, results. */
  readonly readerStudy: ReaderStudyApi;
  /** A reader's sessions on reader-study files on this machine: import a study file, save progress, write the answers file. */
  readonly readerTakes: ReaderTakesApi;
  /** Wipes every dataset, run, checkpoint and setting (it stops training, the classroom and the sampler first). */
  deleteAllData(): Promise<void>;
}
