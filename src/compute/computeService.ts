/**
 * The compute worker's implementation of ComputeApi. It only builds the domain APIs and wires them
 * to one store and one backend manager; the logic lives in the domains. workers/compute.worker.ts
 * exposes it over comlink.
 */
import { BackendManager } from './backendManager';
import type { BackendListener, ComputeApi } from './computeApi';
import type { BackendReport } from './backendTypes';
import { createSettingsApi, type SettingsApi } from './settingsApi';
import { openIdbStore, wipeStore, type KeyValueStore } from '../storage/keyValueStore';
import { datasetSavesInOtherTabs, removeOrphanChunks } from '../storage/datasetStore';
import { withLock } from '../core/tabLocks';
import { migrateStore, type MigrationReport } from '../storage/migrateStore';
import { createDatasetsApi, type DatasetsApi } from '../datasets/datasetsApi';
import { ImportJobs } from '../importers/importJob';
import { createImportsApi, type ImportsApi } from '../importers/importsApi';
import { RunManager } from '../training/runManager';
import { createRunsApi, type RunsApi } from '../training/runsApi';
import { Sampler } from '../generation/sampler';
import { createGenerationApi, type GenerationApi } from '../generation/generationApi';
import { createEvaluationApi, type EvaluationApi } from '../evaluation/evaluationApi';
import { createAugmentApi, type AugmentApi } from '../augment/augmentApi';
import { Classroom } from '../learn/classroom';
import { createClassroomApi, type ClassroomApi } from '../learn/classroomApi';
import { createRunFilesApi, type RunFilesApi } from '../runfiles/runFilesApi';
import { createPytorchExportApi, type PytorchExportApi } from '../export/pytorchExportApi';
import { createReaderStudyApi } from '../readerStudy/readerStudyApi';
import type { ReaderStudyApi } from '../readerStudy/studyTypes';
import { createReaderTakes, type ReaderTakesApi } from '../readerStudy/readerTakes';

/** Held while a tab runs start-up maintenance (migrations, orphan sweep); see core/tabLocks.ts. */
const MAINTENANCE_LOCK = 'phantom-studio/maintenance';

export class ComputeService implements ComputeApi {
  readonly settings: SettingsApi;
  readonly datasets: DatasetsApi;
  readonly imports: ImportsApi;
  readonly runs: RunsApi;
  readonly generation: GenerationApi;
  readonly evaluation: EvaluationApi;
  readonly augment: AugmentApi;
  readonly classroom: ClassroomApi;
  readonly runFiles: RunFilesApi;
  readonly pytorchExport: PytorchExportApi;
  readonly readerStudy: ReaderStudyApi;
  readonly readerTakes: ReaderTakesApi;

  private readonly backends: BackendManager;
  private readonly runManager: RunManager;
  private readonly sampler: Sampler;
  private readonly classroomModels: Classroom;
  private started: Promise<BackendReport> | null = null;
  private migration: Promise<MigrationReport> | null = null;

  constructor(private readonly store: KeyValueStore = openIdbStore()) {
    this.backends = new BackendManager(store);
    this.runManager = new RunManager(store, {
      name: () => this.backends.active ?? 'none',
      replace: async (reason) => (await this.backends.fallback(reason)).backend,
    });
    this.sampler = new Sampler(store);
    this.classroomModels = new Classroom(store);
    // Model work waits for a running backend; browsing stored data does not.
    const ready = () => this.started ?? Promise.resolve();
    this.settings = createSettingsApi(this.backends);
    this.datasets = createDatasetsApi(store);
    this.imports = createImportsApi(new ImportJobs(store));
    this.runs = createRunsApi(this.runManager, ready);
    this.generation = createGenerationApi(store, this.sampler, ready);
    this.evaluation = createEvaluationApi(store, ready);
    this.augment = createAugmentApi(store, ready);
    this.classroom = createClassroomApi(this.classroomModels, ready);
    this.runFiles = createRunFilesApi(store, ready, (runId, doing, work) => this.runManager.whileIdle(runId, doing, work));
    this.pytorchExport = createPytorchExportApi(store);
    this.readerStudy = createReaderStudyApi(store);
    this.readerTakes = createReaderTakes(store);
  }

  start(onBackendChange: BackendListener): Promise<BackendReport> {
    this.backends.onChange(onBackendChange);
    this.started ??= (async () => {
      // Older records are brought to the current schema before anything reads them; what cannot be read stays as it was.
      // Tabs opened together take turns (one lock for start-up maintenance), so no two migrate or sweep at once.
      this.migration = withLock(MAINTENANCE_LOCK, async () => {
        const report = await migrateStore(this.store);
        await removeOrphanChunks(this.store);
        return report;
      });
      await this.migration;
      return this.backends.start();
    })();
    return this.started;
  }

  async storageReport(): Promise<MigrationReport | null> {
    return this.migration;
  }

  async deleteAllData(): Promise<void> {
    // Another tab's training would keep writing checkpoints into the emptied store: refuse, and say which run.
    await this.runManager.refuseIfAnyTrainedElsewhere('deleted');
    // Likewise a dataset another tab is saving: its late chunks and pointer would stand as a damaged dataset.
    const saving = await datasetSavesInOtherTabs();
    if (saving > 0) {
      throw new Error(`Another tab of Phantom Studio is saving ${saving === 1 ? 'a dataset' : `${saving} datasets`}; let it finish (or cancel it there), then delete again. Nothing was deleted.`);
    }
    await this.runManager.stopActive();
    this.classroomModels.stop();
    this.sampler.close();
    // Saves under way in this tab (the built-in phantoms at first start, an import in its preview) stop at their next write.
    await wipeStore(this.store);
  }
}
