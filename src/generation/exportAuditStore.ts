/**
 * The memorisation audits a synthetic export leaves on its run: versioned records under
 * `run/<runId>/audit/<time>` (storage/schema.ts), deleted with the run.
 */
import type { KeyValueStore } from '../storage/keyValueStore';
import { recordCollection } from '../storage/recordCollection';
import { storageKeys, storagePrefixes } from '../storage/schema';
import type { ExportAudit } from './exportAudit';

const audits = recordCollection<ExportAudit>('exportAudit', (audit) => audit.time);

export async function saveExportAudit(store: KeyValueStore, runId: string, audit: ExportAudit): Promise<void> {
  await audits.put(store, storageKeys.exportAudit(runId, audit.time), audit);
}

/** The run's audits, newest first. */
export async function listExportAudits(store: KeyValueStore, runId: string): Promise<ExportAudit[]> {
  return audits.list(store, storagePrefixes.exportAudits(runId));
}
