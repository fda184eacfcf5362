/**
 * The UI's shared state: what the worker reported and what the user selected. Plain runes state,
 * derived values where possible, one place that talks to the worker for each fact.
 */
import type { BackendChoice, BackendReport } from '../compute/backendTypes';
import type { DatasetMeta } from '../storage/datasetStore';
import { callback, compute } from './computeClient';
import { readStorageStatus, type StorageStatus } from './storageStatus';
import { errorMessage } from '../core/errorMessage';

export interface Notice {
  id: number;
  kind: 'info' | 'warning' | 'error';
  text: string;
}

export const DEFAULT_PHANTOM_DATASET = { modality: 'head-ct', size: 64, count: 1000, seed: 42, name: 'Built-in head CT phantoms' } as const;

export const studio = $state({
  backend: null as BackendReport | null,
  backendError: null as string | null,
  datasets: [] as DatasetMeta[],
  datasetsLoaded: false,
  selectedDatasetId: null as string | null,
  storage: { usedBytes: null, quotaBytes: null, persistent: null } as StorageStatus,
  notices: [] as Notice[],
});

let noticeId = 0;
export function notify(text: string, kind: Notice['kind'] = 'info'): void {
  studio.notices.push({ id: ++noticeId, kind, text });
}
/** Runs an action and shows its failure as an error notice instead of losing it in the console. */
export async function withErrorNotice(action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    notify(errorMessage(error), 'error');
  }
}

export function dismissNotice(id: number): void {
  studio.notices = studio.notices.filter((n) => n.id !== id);
}

function applyBackendReport(report: BackendReport): void {
  const seen = new Set(studio.backend?.notices ?? []);
  for (const text of report.notices) if (!seen.has(text)) notify(text, 'warning');
  studio.backend = report;
}

export async function startStudio(): Promise<void> {
  try {
    applyBackendReport(await compute().start(callback(applyBackendReport)));
  } catch (error) {
    studio.backendError = errorMessage(error);
    notify(`Compute could not start: ${studio.backendError}`, 'error');
  }
  await Promise.all([refreshDatasets(), refreshStorage()]);
}

export async function refreshDatasets(): Promise<void> {
  studio.datasets = await compute().datasets.list();
  studio.datasetsLoaded = true;
  if (!studio.datasets.some((d) => d.id === studio.selectedDatasetId)) {
    studio.selectedDatasetId = studio.datasets[0]?.id ?? null;
  }
}

export async function refreshStorage(): Promise<void> {
  studio.storage = await readStorageStatus();
}

export async function chooseBackend(choice: BackendChoice): Promise<void> {
  applyBackendReport(await compute().settings.setBackendChoice(choice));
}

export async function reprobeBackends(): Promise<void> {
  applyBackendReport(await compute().settings.reprobeBackends());
}

export const selectedDataset = () => studio.datasets.find((d) => d.id === studio.selectedDatasetId) ?? null;
