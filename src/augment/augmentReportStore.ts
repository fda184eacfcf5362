/** Reports of the augment experiment: versioned records under `augment/<id>` (storage/schema.ts). */
import type { KeyValueStore } from '../storage/keyValueStore';
import { recordCollection } from '../storage/recordCollection';
import { storageKeys, storagePrefixes } from '../storage/schema';
import type { AugmentReport } from './augmentExperiment';

/**
 * A report of the earlier one-seed version (two arms, one seed): kept as stored and listed with
 * its own figures; the fields here are the ones the page shows.
 */
export interface LegacyAugmentReport {
  format?: undefined;
  id: string;
  createdAt: number;
  realName: string;
  syntheticName: string | null;
  classNames: string[];
  realOnly: { accuracy: number; balancedAccuracy: number; auc: number; n: number };
  withSynthetic: { accuracy: number; balancedAccuracy: number; auc: number; n: number } | null;
}

export type StoredAugmentReport = AugmentReport | LegacyAugmentReport;

const reports = recordCollection<StoredAugmentReport>('augmentReport', (report) => report.createdAt);

export async function saveAugmentReport(store: KeyValueStore, report: AugmentReport): Promise<void> {
  await reports.put(store, storageKeys.augmentReport(report.id), report);
}

/** Newest first. */
export async function listAugmentReports(store: KeyValueStore): Promise<StoredAugmentReport[]> {
  return reports.list(store, storagePrefixes.augmentReports);
}
