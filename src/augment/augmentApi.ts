/** The augment experiment as the worker exposes it: a classifier on real images, and on real plus synthetic, scored on real test images. */
import type { KeyValueStore } from '../storage/keyValueStore';
import { newId } from '../storage/schema';
import { listAugmentReports, saveAugmentReport } from './augmentReportStore';
import type { ProgressCallback } from '../core/jobControl';
import { runAugmentExperiment, type AugmentReport, type AugmentRequest } from './augmentExperiment';

export interface AugmentApi {
  /** Trains and scores both arms, then saves the report. */
  run(request: AugmentRequest, onProgress: ProgressCallback): Promise<AugmentReport>;
  /** Saved reports, newest first. */
  list(): Promise<AugmentReport[]>;
}

export function createAugmentApi(store: KeyValueStore, ready: () => Promise<unknown>): AugmentApi {
  return {
    async run(request, onProgress) {
      await ready();
      const report = await runAugmentExperiment(store, newId('aug'), request, onProgress);
      await saveAugmentReport(store, report);
      return report;
    },
    list: () => listAugmentReports(store),
  };
}
