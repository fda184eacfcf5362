/**
 * The datasets domain as the worker exposes it: the built-in phantoms, browsing stored datasets
 * page by page, their charts, deletion and export. Imports have their own API (importers/importsApi).
 */
import { deleteDataset, renameClass, getDatasetIndex, getDatasetMeta, getImageAttributes, listDatasetsChecked, readImages, type DatasetIndex, type DatasetListing, type DatasetMeta, type ImagePage } from '../storage/datasetStore';
import type { KeyValueStore } from '../storage/keyValueStore';
import type { CancelToken, ProgressCallback } from '../core/jobControl';
import { savePhantomDataset, type PhantomDatasetRequest } from './phantomDataset';
import { intensityHistogram } from './intensityHistogram';
import { exportStoredDataset, type DatasetExportFormat } from './exportStoredDataset';

export type { PhantomDatasetRequest, DatasetExportFormat };

export interface ImageDetails {
  pixels: Uint8Array;
  label: number;
  split: number;
  /** Whitelisted technical attributes kept at import (modality, spacing, window, …); null for phantoms. */
  attributes: Record<string, unknown> | null;
}

export interface DatasetsApi {
  createPhantoms(request: PhantomDatasetRequest, onProgress: ProgressCallback, cancel?: CancelToken): Promise<DatasetMeta>;
  /** Newest first; a dataset with missing parts carries `damage`, a message naming it. */
  list(): Promise<DatasetListing[]>;
  /** Labels and split codes of every image (small: one byte each). */
  index(datasetId: string): Promise<DatasetIndex>;
  readImages(datasetId: string, start: number, count: number): Promise<ImagePage>;
  /** One image with its label, split and stored technical attributes (imports only). */
  imageDetails(datasetId: string, index: number): Promise<ImageDetails>;
  /** Grey-level histogram (256 bins) over every pixel of a dataset, per class. */
  intensityHistogram(datasetId: string): Promise<number[][]>;
  remove(datasetId: string): Promise<void>;
  /** Renames one class (labels are indices: runs and synthetic sets keep working and show the new name). */
  renameClass(datasetId: string, classIndex: number, name: string): Promise<DatasetMeta>;
  /** A MedMNIST-layout npz, or a ZIP of PNGs with labels.csv; both re-import losslessly. */
  export(datasetId: string, format: DatasetExportFormat): Promise<Uint8Array>;
}

export function createDatasetsApi(store: KeyValueStore): DatasetsApi {
  return {
    createPhantoms: (request, onProgress, cancel) => savePhantomDataset(store, request, onProgress, cancel),
    list: () => listDatasetsChecked(store),
    index: (datasetId) => getDatasetIndex(store, datasetId),
    async readImages(datasetId, start, count) {
      const meta = await getDatasetMeta(store, datasetId);
      const index = await getDatasetIndex(store, datasetId);
      const clampedCount = Math.max(0, Math.min(count, meta.count - start));
      return {
        pixels: await readImages(store, meta, start, clampedCount),
        labels: index.labels.slice(start, start + clampedCount),
        splits: index.splits.slice(start, start + clampedCount),
      };
    },
    async imageDetails(datasetId, index) {
      const meta = await getDatasetMeta(store, datasetId);
      const datasetIndex = await getDatasetIndex(store, datasetId);
      return {
        pixels: await readImages(store, meta, index, 1),
        label: datasetIndex.labels[index],
        split: datasetIndex.splits[index],
        attributes: (await getImageAttributes(store, datasetId, index)) as Record<string, unknown> | null,
      };
    },
    intensityHistogram: (datasetId) => intensityHistogram(store, datasetId),
    renameClass: (datasetId, classIndex, name) => renameClass(store, datasetId, classIndex, name),
    remove: (datasetId) => deleteDataset(store, datasetId),
    export: (datasetId, format) => exportStoredDataset(store, datasetId, format),
  };
}
