/** The augment experiment as the worker exposes it: arms A, B and C (or the rare-class arms) over several seeds, scored on real test images. */
import type { KeyValueStore } from '../storage/keyValueStore';
import { newId } from '../storage/schema';
import { listAugmentReports, saveAugmentReport, type StoredAugmentReport } from './augmentReportStore';
import type { CancelToken, ProgressCallback } from '../core/jobControl';
import { runExperiment, type AugmentReport, type AugmentRequest } from './augmentExperiment';
import { readExperimentInput } from './experimentInput';

export interface AugmentApi {
  /** Trains and scores every arm over every seed, then saves the report. Refuses mismatched inputs with the reason. */
  run(request: AugmentRequest, onProgress: ProgressCallback, cancel?: CancelToken): Promise<AugmentReport>;
  /** Saved reports, newest first (those of the earlier one-seed version too). */
  list(): Promise<StoredAugmentReport[]>;
}

export function createAugmentApi(store: KeyValueStore, ready: () => Promise<unknown>): AugmentApi {
  return {
    async run(request, onProgress, cancel) {
      await ready();
      onProgress({ done: 0, total: 1, label: 'Reading the images' });
      const input = await readExperimentInput(store, request);
      const report = await runExperiment(newId('aug'), input, request, { onProgress, cancel });
      await saveAugmentReport(store, report);
      return report;
    },
    list: () => listAugmentReports(store),
  };
}
