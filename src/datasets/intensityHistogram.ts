/** Grey-level histograms of a stored dataset, one per class, for the Data stage's charts. */
import { getDatasetIndex, getDatasetMeta, readImages } from '../storage/datasetStore';
import type { KeyValueStore } from '../storage/keyValueStore';

/** 256 bins per class over every pixel, read one stored chunk at a time so a large set never sits in memory whole. */
export async function intensityHistogram(store: KeyValueStore, datasetId: string): Promise<number[][]> {
  const meta = await getDatasetMeta(store, datasetId);
  const { labels } = await getDatasetIndex(store, datasetId);
  const perImage = meta.width * meta.height * meta.channels;
  const bins = meta.classNames.map(() => new Array<number>(256).fill(0));
  for (let start = 0; start < meta.count; start += meta.chunkSize) {
    const n = Math.min(meta.chunkSize, meta.count - start);
    const pixels = await readImages(store, meta, start, n);
    for (let i = 0; i < n; i++) {
      const hist = bins[labels[start + i]];
      for (let p = i * perImage; p < (i + 1) * perImage; p++) hist[pixels[p]]++;
    }
  }
  return bins;
}
