/** Reports of the augment experiment: versioned records under `augment/<id>` (storage/schema.ts). */
import type { KeyValueStore } from '../storage/keyValueStore';
import { recordCollection } from '../storage/recordCollection';
import { storageKeys, storagePrefixes } from '../storage/schema';
import type { AugmentReport } from './augmentExperiment';

const reports = recordCollection<AugmentReport>('augmentReport', (report) => report.createdAt);

export async function saveAugmentReport(store: KeyValueStore, report: AugmentReport): Promise<void> {
  await reports.put(store, storageKeys.augmentReport(report.id), report);
}

/** Newest first. */
export async function listAugmentReports(store: KeyValueStore): Promise<AugmentReport[]> {
  return reports.list(store, storagePrefixes.augmentReports);
}
