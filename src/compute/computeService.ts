/**
 * The compute worker's implementation of ComputeApi. It owns the tfjs backend and the stored
 * datasets; workers/compute.worker.ts only exposes it over comlink.
 */
import { BackendManager } from './backendManager';
import { CancelledError, type BackendListener, type CancelToken, type ComputeApi, type ImagePage, type PhantomDatasetRequest, type ProgressCallback } from './computeApi';
import type { BackendChoice, BackendReport } from './backendTypes';
import { generatePhantoms, PHANTOM_CLASS_NAMES, validatePhantomRequest } from '../data/phantom';
import { openIdbStore, type KeyValueStore } from '../storage/keyValueStore';
import {
  DEFAULT_CHUNK_SIZE,
  deleteDataset,
  getDatasetIndex,
  getDatasetMeta,
  getImageAttributes,
  listDatasets,
  newDatasetId,
  readImages,
  removeOrphanChunks,
  saveDataset,
  type DatasetChunk,
  type DatasetMeta,
} from '../storage/datasetStore';
import { ImportJobs, type ImportInputFile, type ImportSettings, type StagedImport } from './importJob';
import { exportNpz, exportPngZip } from '../importers/exportDataset';
import { SPLITS } from '../importers/types';
import { assignSplits } from '../importers/splits';
import { RunManager } from '../training/runManager';
import type { RunEvent, RunRecord, RunSettings, SampleGrid } from '../training/runTypes';
import { runEvaluation } from '../evaluation/evaluationJob';
import { deleteEvaluation, listEvaluations, readPairImages, saveEvaluation } from '../evaluation/evaluationStore';
import type { EvaluationRecord, EvaluationRequest, ReconstructionExamples, ReconstructionRecord, ReconstructionRequest } from '../evaluation/evaluationTypes';
import { runReconstruction } from '../evaluation/reconstructionJob';
import { deleteReconstruction, listReconstructions, readReconstructionExamples, saveReconstruction } from '../evaluation/reconstructionStore';
import { Sampler, type SamplerInfo } from '../generation/sampler';
import { Classroom, type ClassroomUpdate } from '../learn/classroom';
import { cachedInceptionFile, deleteCachedInceptionWeights, loadInceptionWeights, saveInceptionWeightsFile, type CachedInceptionFile } from '../metrics/inception';
import { runAugmentExperiment, type AugmentReport, type AugmentRequest } from '../augment/augmentExperiment';
import { exportSynthetic, listExportAudits, type ExportAudit, type SyntheticExportRequest } from '../generation/syntheticExport';

export class ComputeService implements ComputeApi {
  private readonly backends: BackendManager;
  private readonly imports: ImportJobs;
  private readonly runs: RunManager;
  private readonly sampler: Sampler;
  private readonly classroom: Classroom;
  private started: Promise<BackendReport> | null = null;

  constructor(private readonly store: KeyValueStore = openIdbStore()) {
    this.backends = new BackendManager(store);
    this.imports = new ImportJobs(store);
    this.sampler = new Sampler(store);
    this.classroom = new Classroom(store);
    this.runs = new RunManager(store, {
      name: () => this.backends.active ?? 'none',
      replace: async (reason) => (await this.backends.fallback(reason)).backend,
    });
  }

  start(onBackendChange: BackendListener): Promise<BackendReport> {
    this.backends.onChange(onBackendChange);
    this.started ??= (async () => {
      await removeOrphanChunks(this.store);
      return this.backends.start();
    })();
    return this.started;
  }

  async backendReport(): Promise<BackendReport> {
    return this.backends.report();
  }

  setBackendChoice(choice: BackendChoice): Promise<BackendReport> {
    return this.backends.setChoice(choice);
  }

  reprobeBackends(): Promise<BackendReport> {
    return this.backends.start(true);
  }

  async generatePhantomDataset(request: PhantomDatasetRequest, onProgress: ProgressCallback, cancel?: CancelToken): Promise<DatasetMeta> {
    validatePhantomRequest(request);
    const { modality, size, count, seed } = request;
    const label = `Generating ${count} ${modality} phantoms at ${size} px`;
    const chunkSize = DEFAULT_CHUNK_SIZE;
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) labels[i] = i % 2;
    const splits = Uint8Array.from(assignSplits(Array.from(labels, (label) => ({ label })), { seed }), (s) => SPLITS.indexOf(s));
    async function* chunks(): AsyncGenerator<DatasetChunk> {
      for (let offset = 0; offset < count; offset += chunkSize) {
        if (cancel && (await cancel.isCancelled())) throw new CancelledError(label);
        const set = generatePhantoms({ modality, size, seed, offset, count: Math.min(chunkSize, count - offset) });
        onProgress({ done: offset + set.count, total: count, label });
        yield { pixels: set.images };
      }
    }
    onProgress({ done: 0, total: count, label });
    return saveDataset(
      this.store,
      {
        id: newDatasetId(),
        name: request.name?.trim() || `${modality} phantoms ${size}px ×${count}`,
        source: 'phantom',
        description: `Procedural ${modality} phantoms, ${size} px, seed ${seed}`,
        width: size,
        height: size,
        channels: 1,
        count,
        classNames: [...PHANTOM_CLASS_NAMES[modality]],
        chunkSize,
        createdAt: Date.now(),
      },
      { labels, splits },
      chunks(),
    );
  }

  listDatasets(): Promise<DatasetMeta[]> {
    return listDatasets(this.store);
  }

  datasetIndex(datasetId: string) {
    return getDatasetIndex(this.store, datasetId);
  }

  async readImages(datasetId: string, start: number, count: number): Promise<ImagePage> {
    const meta = await getDatasetMeta(this.store, datasetId);
    const index = await getDatasetIndex(this.store, datasetId);
    const clampedCount = Math.max(0, Math.min(count, meta.count - start));
    return {
      pixels: await readImages(this.store, meta, start, clampedCount),
      labels: index.labels.slice(start, start + clampedCount),
      splits: index.splits.slice(start, start + clampedCount),
    };
  }

  async imageDetails(datasetId: string, index: number) {
    const meta = await getDatasetMeta(this.store, datasetId);
    const datasetIndex = await getDatasetIndex(this.store, datasetId);
    return {
      pixels: await readImages(this.store, meta, index, 1),
      label: datasetIndex.labels[index],
      split: datasetIndex.splits[index],
      attributes: (await getImageAttributes(this.store, datasetId, index)) as Record<string, unknown> | null,
    };
  }

  async intensityHistogram(datasetId: string): Promise<number[][]> {
    const meta = await getDatasetMeta(this.store, datasetId);
    const { labels } = await getDatasetIndex(this.store, datasetId);
    const perImage = meta.width * meta.height * meta.channels;
    const bins = meta.classNames.map(() => new Array<number>(256).fill(0));
    // One stored chunk at a time, so a large dataset never sits in memory whole.
    for (let start = 0; start < meta.count; start += meta.chunkSize) {
      const n = Math.min(meta.chunkSize, meta.count - start);
      const pixels = await readImages(this.store, meta, start, n);
      for (let i = 0; i < n; i++) {
        const hist = bins[labels[start + i]];
        for (let p = i * perImage; p < (i + 1) * perImage; p++) hist[pixels[p]]++;
      }
    }
    return bins;
  }

  deleteDataset(datasetId: string): Promise<void> {
    return deleteDataset(this.store, datasetId);
  }

  async queueImportFiles(files: ImportInputFile[]): Promise<number> {
    return this.imports.queue(files);
  }

  async clearImportQueue(): Promise<void> {
    this.imports.clearQueue();
  }

  stageImport(files: ImportInputFile[], settings: ImportSettings, onProgress: ProgressCallback, cancel?: CancelToken): Promise<StagedImport> {
    return this.imports.stage(files, settings, onProgress, cancel);
  }

  commitImport(stagingId: string, name?: string): Promise<DatasetMeta> {
    return this.imports.commit(stagingId, name);
  }

  discardImport(stagingId: string): Promise<void> {
    return this.imports.discard(stagingId);
  }

  async exportDataset(datasetId: string, format: 'npz' | 'zip'): Promise<Uint8Array> {
    const meta = await getDatasetMeta(this.store, datasetId);
    if (meta.width !== meta.height) throw new Error(`Dataset "${meta.name}" is not square; export needs square images`);
    const index = await getDatasetIndex(this.store, datasetId);
    const pixels = await readImages(this.store, meta, 0, meta.count);
    const perImage = meta.width * meta.height * meta.channels;
    const dataset = {
      size: meta.width,
      channels: meta.channels,
      classNames: meta.classNames,
      images: Array.from(index.labels, (label, i) => ({
        pixels: pixels.subarray(i * perImage, (i + 1) * perImage),
        label,
        split: SPLITS[index.splits[i]],
        size: meta.width,
        channels: meta.channels,
      })),
    };
    return format === 'npz' ? exportNpz(dataset) : exportPngZip(dataset);
  }

  async subscribeRuns(listener: (event: RunEvent) => void): Promise<void> {
    this.runs.subscribe(listener);
  }

  listRuns(): Promise<RunRecord[]> {
    return this.runs.list();
  }

  getRun(runId: string): Promise<RunRecord> {
    return this.runs.get(runId);
  }

  async createRun(settings: RunSettings): Promise<RunRecord> {
    await this.started;
    return this.runs.create(settings);
  }

  async resumeRun(runId: string): Promise<void> {
    await this.started;
    return this.runs.resume(runId);
  }

  pauseRun(runId: string): Promise<RunRecord> {
    return this.runs.pause(runId);
  }

  stopRun(runId: string): Promise<RunRecord> {
    return this.runs.stop(runId);
  }

  deleteRun(runId: string): Promise<void> {
    return this.runs.remove(runId);
  }

  readSampleGrid(runId: string, step: number): Promise<SampleGrid | null> {
    return this.runs.readSamples(runId, step);
  }

  async evaluate(request: EvaluationRequest, onProgress: ProgressCallback, cancel?: CancelToken): Promise<EvaluationRecord> {
    await this.started;
    const record = await runEvaluation(this.store, newDatasetId().replace(/^ds-/, 'eval-'), request, onProgress, cancel);
    await saveEvaluation(this.store, record);
    return record;
  }

  async installInceptionWeights(file: Blob, fileName: string): Promise<CachedInceptionFile> {
    const bytes = new Uint8Array(await file.arrayBuffer());
    // Parsing checks the SHA-256 prefix and every tensor name and shape before anything is stored.
    await loadInceptionWeights(bytes, { fileName });
    return saveInceptionWeightsFile(this.store, bytes, fileName);
  }

  async inceptionWeightsStatus(): Promise<CachedInceptionFile | null> {
    return (await cachedInceptionFile(this.store)) ?? null;
  }

  removeInceptionWeights(): Promise<void> {
    return deleteCachedInceptionWeights(this.store);
  }

  listEvaluations(): Promise<EvaluationRecord[]> {
    return listEvaluations(this.store);
  }

  deleteEvaluation(id: string): Promise<void> {
    return deleteEvaluation(this.store, id);
  }

  readPairImages(id: string, pairs: { synthetic: number; train: number }[]) {
    return readPairImages(this.store, id, pairs);
  }

  async evaluateReconstruction(request: ReconstructionRequest, onProgress: ProgressCallback, cancel?: CancelToken): Promise<ReconstructionRecord> {
    await this.started;
    const record = await runReconstruction(this.store, newDatasetId().replace(/^ds-/, 'recon-'), request, onProgress, cancel);
    await saveReconstruction(this.store, record);
    return record;
  }

  listReconstructions(): Promise<ReconstructionRecord[]> {
    return listReconstructions(this.store);
  }

  readReconstructionExamples(id: string): Promise<ReconstructionExamples> {
    return readReconstructionExamples(this.store, id);
  }

  deleteReconstruction(id: string): Promise<void> {
    return deleteReconstruction(this.store, id);
  }

  async openSampler(runId: string, checkpoint: 'latest' | 'best'): Promise<SamplerInfo> {
    await this.started;
    return this.sampler.open(runId, checkpoint);
  }

  samplerLatents(n: number, seed: number): Promise<Float32Array> {
    return this.sampler.latents(n, seed);
  }

  renderLatents(latents: Float32Array, labels: Int32Array | null): Promise<Uint8Array> {
    return this.sampler.render(latents, labels);
  }

  async exportSynthetic(request: SyntheticExportRequest, onProgress: ProgressCallback): Promise<{ meta: DatasetMeta; audit: ExportAudit }> {
    await this.started;
    return exportSynthetic(this.store, request, onProgress);
  }

  listExportAudits(runId: string): Promise<ExportAudit[]> {
    return listExportAudits(this.store, runId);
  }

  async classroomStart(datasetId: string): Promise<ClassroomUpdate> {
    await this.started;
    return this.classroom.start(datasetId);
  }

  classroomStep(steps: number): Promise<ClassroomUpdate> {
    return this.classroom.step(steps);
  }

  classroomPlay(every: number, onUpdate: (update: ClassroomUpdate) => void): Promise<void> {
    return this.classroom.play(every, onUpdate);
  }

  async classroomPause(): Promise<void> {
    this.classroom.pause();
  }

  async classroomStop(): Promise<void> {
    this.classroom.stop();
  }

  async runAugmentExperiment(request: AugmentRequest, onProgress: ProgressCallback): Promise<AugmentReport> {
    await this.started;
    const report = await runAugmentExperiment(this.store, newDatasetId().replace(/^ds-/, 'aug-'), request, onProgress);
    await this.store.setMany([[`augment/${report.id}`, report]]);
    return report;
  }

  async listAugmentReports(): Promise<AugmentReport[]> {
    const keys = (await this.store.keys()).filter((k) => k.startsWith('augment/'));
    return (await this.store.getMany<AugmentReport>(keys)).filter((r): r is AugmentReport => !!r).sort((a, b) => b.createdAt - a.createdAt);
  }

  async deleteAllData(): Promise<void> {
    await this.runs.stopActive();
    this.classroom.stop();
    this.sampler.close();
    await this.store.clear();
  }
}
