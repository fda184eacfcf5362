/**
 * A stored dataset written out as a MedMNIST-layout npz or a ZIP of PNGs with labels.csv (both
 * re-import losslessly). A synthetic dataset keeps its marks: its ZIP holds `synthetic_` PNGs with
 * their tEXt chunks, the run card and the audit (generation/export/exportSyntheticDataset.ts).
 */
import { getDatasetIndex, getDatasetMeta, readImages } from '../storage/datasetStore';
import type { KeyValueStore } from '../storage/keyValueStore';
import { exportNpz, exportPngZip } from '../importers/exportDataset';
import { SPLITS } from '../importers/types';
import { exportSyntheticDataset } from '../generation/export/exportSyntheticDataset';

export type DatasetExportFormat = 'npz' | 'zip';

export async function exportStoredDataset(store: KeyValueStore, datasetId: string, format: DatasetExportFormat): Promise<Uint8Array> {
  const meta = await getDatasetMeta(store, datasetId);
  if (meta.provenance) return (await exportSyntheticDataset(store, datasetId, format)).bytes;
  if (meta.width !== meta.height) throw new Error(`Dataset "${meta.name}" is not square; export needs square images`);
  const index = await getDatasetIndex(store, datasetId);
  const pixels = await readImages(store, meta, 0, meta.count);
  const perImage = meta.width * meta.height * meta.channels;
  const dataset = {
    size: meta.width,
    channels: meta.channels,
    classNames: meta.classNames,
    images: Array.from(index.labels, (label, i) => ({
      pixels: pixels.subarray(i * perImage, (i + 1) * perImage),
      label,
      split: SPLITS[index.splits[i]],
      size: meta.width,
      channels: meta.channels,
    })),
  };
  return format === 'npz' ? exportNpz(dataset) : exportPngZip(dataset);
}
