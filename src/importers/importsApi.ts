/**
 * Imports as the worker exposes them: files are queued in batches (so a huge folder never blocks
 * the page), decoded and staged with a report and preview, and become a dataset only on commit.
 */
import type { DatasetMeta } from '../storage/datasetStore';
import type { CancelToken, ProgressCallback } from '../core/jobControl';
import type { ImportInputFile, ImportJobs, ImportSettings, NearDuplicateResolution, StagedImport } from './importJob';

export interface ImportsApi {
  /** Hands files over ahead of stage(), in batches; resolves with the number queued so far. */
  queue(files: ImportInputFile[]): Promise<number>;
  clearQueue(): Promise<void>;
  /** Decodes and stages the queued files plus `files`; nothing is a dataset until commit. */
  stage(files: ImportInputFile[], settings: ImportSettings, onProgress: ProgressCallback, cancel?: CancelToken): Promise<StagedImport>;
  /** Saves the staged import; `resolutions` move or drop the held-out member of near-duplicate pairs. */
  commit(stagingId: string, name?: string, resolutions?: NearDuplicateResolution[]): Promise<DatasetMeta>;
  discard(stagingId: string): Promise<void>;
}

export function createImportsApi(jobs: ImportJobs): ImportsApi {
  return {
    queue: async (files) => jobs.queue(files),
    clearQueue: async () => jobs.clearQueue(),
    stage: (files, settings, onProgress, cancel) => jobs.stage(files, settings, onProgress, cancel),
    commit: (stagingId, name, resolutions) => jobs.commit(stagingId, name, resolutions),
    discard: (stagingId) => jobs.discard(stagingId),
  };
}
