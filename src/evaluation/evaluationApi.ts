/**
 * The evaluation domain as the worker exposes it: distribution metrics and the memorisation audit
 * of a synthetic set, VAE reconstructions, and the user's own Inception weights for FID.
 */
import type { KeyValueStore } from '../storage/keyValueStore';
import { newId } from '../storage/schema';
import type { CancelToken, ProgressCallback } from '../core/jobControl';
import { cachedInceptionFile, deleteCachedInceptionWeights, loadInceptionWeights, saveInceptionWeightsFile, type CachedInceptionFile } from '../metrics/inception';
import { runEvaluation } from './evaluationJob';
import { deleteEvaluation, listEvaluations, readPairImages, readReportImages, saveEvaluation, type ReportImages } from './evaluationStore';
export type { ReportImages } from './evaluationStore';
import { runReconstruction } from './reconstructionJob';
import { deleteReconstruction, listReconstructions, readReconstructionExamples, saveReconstruction } from './reconstructionStore';
import type { EvaluationRecord, EvaluationRequest, ReconstructionExamples, ReconstructionRecord, ReconstructionRequest } from './evaluationTypes';

export interface PairImages {
  synthetic: Uint8Array;
  train: Uint8Array;
  size: number;
}

export interface EvaluationApi {
  /** Runs in the worker (blocking training meanwhile) and saves the record when done. */
  evaluate(request: EvaluationRequest, onProgress: ProgressCallback, cancel?: CancelToken): Promise<EvaluationRecord>;
  list(): Promise<EvaluationRecord[]>;
  remove(id: string): Promise<void>;
  /** The synthetic images and their nearest training images, for the audit's side-by-side view. */
  readPairImages(id: string, pairs: { synthetic: number; train: number }[]): Promise<PairImages>;
  /** The first `count` synthetic images and as many real training images, for the report's and the comparison's grids. */
  readReportImages(id: string, count: number): Promise<ReportImages>;
  /** A VAE run's reconstructions of held-out real images, scored by SSIM, MS-SSIM, PSNR, MSE and MAE; saved when done. */
  evaluateReconstruction(request: ReconstructionRequest, onProgress: ProgressCallback, cancel?: CancelToken): Promise<ReconstructionRecord>;
  listReconstructions(): Promise<ReconstructionRecord[]>;
  readReconstructionExamples(id: string): Promise<ReconstructionExamples>;
  removeReconstruction(id: string): Promise<void>;
  /** Checks (SHA-256, structure) and caches the user's pytorch-fid Inception weights file. */
  installInceptionWeights(file: Blob, fileName: string): Promise<CachedInceptionFile>;
  inceptionWeightsStatus(): Promise<CachedInceptionFile | null>;
  removeInceptionWeights(): Promise<void>;
}

export function createEvaluationApi(store: KeyValueStore, ready: () => Promise<unknown>): EvaluationApi {
  return {
    async evaluate(request, onProgress, cancel) {
      await ready();
      const record = await runEvaluation(store, newId('eval'), request, onProgress, cancel);
      await saveEvaluation(store, record);
      return record;
    },
    list: () => listEvaluations(store),
    remove: (id) => deleteEvaluation(store, id),
    readPairImages: (id, pairs) => readPairImages(store, id, pairs),
    readReportImages: (id, count) => readReportImages(store, id, count),
    async evaluateReconstruction(request, onProgress, cancel) {
      await ready();
      const record = await runReconstruction(store, newId('recon'), request, onProgress, cancel);
      await saveReconstruction(store, record);
      return record;
    },
    listReconstructions: () => listReconstructions(store),
    readReconstructionExamples: (id) => readReconstructionExamples(store, id),
    removeReconstruction: (id) => deleteReconstruction(store, id),
    async installInceptionWeights(file, fileName) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      // Parsing checks the SHA-256 prefix and every tensor name and shape before anything is stored.
      await loadInceptionWeights(bytes, { fileName });
      return saveInceptionWeightsFile(store, bytes, fileName);
    },
    inceptionWeightsStatus: async () => (await cachedInceptionFile(store)) ?? null,
    removeInceptionWeights: () => deleteCachedInceptionWeights(store),
  };
}
