/**
 * Datasets as the UI sees them: the stored list, the one selected, and the built-in phantoms that
 * a fresh install gets at start (whatever stage opens first), so every stage has data from the first minute.
 */
import type { DatasetListing, DatasetMeta } from '../../storage/datasetStore';
import type { PhantomDatasetRequest } from '../../datasets/datasetsApi';
import { compute } from '../computeClient';
import { notify, refreshStorage } from '../studioState.svelte';
import { requestPersistence } from '../storageStatus';
import { BackgroundJob } from '../jobs/backgroundJob.svelte';

export const DEFAULT_PHANTOM_DATASET = { modality: 'head-ct', size: 64, count: 1000, seed: 42, name: 'Built-in head CT phantoms' } as const satisfies PhantomDatasetRequest;

export const datasets = $state({
  list: [] as DatasetListing[],
  loaded: false,
  selectedId: null as string | null,
});

/** Phantom generation is one job for the whole app: the Data stage shows it, and start-up may begin it. */
export const phantomJob = new BackgroundJob();

export async function refreshDatasets(): Promise<void> {
  datasets.list = await compute().datasets.list();
  datasets.loaded = true;
  if (!datasets.list.some((d) => d.id === datasets.selectedId)) datasets.selectedId = datasets.list[0]?.id ?? null;
}

export const selectedDataset = (): DatasetListing | null => datasets.list.find((d) => d.id === datasets.selectedId) ?? null;

/** Generates and stores a phantom dataset, selecting it when done; null when cancelled or failed (the user is told). */
export async function createPhantomDataset(request: PhantomDatasetRequest): Promise<DatasetMeta | null> {
  if (!Number.isInteger(request.count) || request.count < 1 || request.count > 100_000) {
    notify('Choose between 1 and 100,000 images.', 'warning');
    return null;
  }
  void requestPersistence().then(refreshStorage);
  const created = await phantomJob.run({ what: 'Generation', total: request.count }, (onProgress, cancel) =>
    // Primitives only: a $state proxy cannot be structured-cloned to the worker.
    compute().datasets.createPhantoms({ ...request }, onProgress, cancel),
  );
  if (!created) return null;
  await refreshDatasets();
  datasets.selectedId = created.id;
  notify(`Created “${created.name}” (${created.count} images).`);
  return created;
}

/** A fresh install (no dataset stored) gets the built-in phantom set; called once the worker has started. */
export async function ensureBuiltInPhantoms(): Promise<void> {
  await refreshDatasets();
  if (datasets.list.length === 0 && !phantomJob.running) await createPhantomDataset(DEFAULT_PHANTOM_DATASET);
}
