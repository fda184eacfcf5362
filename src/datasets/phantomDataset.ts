/**
 * The built-in procedural phantoms saved as a dataset: generated and stored one chunk at a time,
 * so a large set never sits in memory whole, with labels alternating between the two classes and
 * seeded, class-stratified splits.
 */
import { generatePhantoms, PHANTOM_CLASS_NAMES, validatePhantomRequest, type PhantomModality, type PhantomSize } from '../data/phantom';
import { DEFAULT_CHUNK_SIZE, newDatasetId, saveDataset, type DatasetChunk, type DatasetMeta } from '../storage/datasetStore';
import type { KeyValueStore } from '../storage/keyValueStore';
import { SPLITS } from '../importers/types';
import { assignSplits } from '../importers/splits';
import { throwIfCancelled, type CancelToken, type ProgressCallback } from '../core/jobControl';

export interface PhantomDatasetRequest {
  modality: PhantomModality;
  size: PhantomSize;
  count: number;
  seed: number;
  name?: string;
}

export async function savePhantomDataset(store: KeyValueStore, request: PhantomDatasetRequest, onProgress: ProgressCallback, cancel?: CancelToken): Promise<DatasetMeta> {
  validatePhantomRequest(request);
  const { modality, size, count, seed } = request;
  const label = `Generating ${count} ${modality} phantoms at ${size} px`;
  const chunkSize = DEFAULT_CHUNK_SIZE;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = i % 2;
  const splits = Uint8Array.from(assignSplits(Array.from(labels, (label) => ({ label })), { seed }), (s) => SPLITS.indexOf(s));
  async function* chunks(): AsyncGenerator<DatasetChunk> {
    for (let offset = 0; offset < count; offset += chunkSize) {
      await throwIfCancelled(cancel, label);
      const set = generatePhantoms({ modality, size, seed, offset, count: Math.min(chunkSize, count - offset) });
      onProgress({ done: offset + set.count, total: count, label });
      yield { pixels: set.images };
    }
  }
  onProgress({ done: 0, total: count, label });
  return saveDataset(
    store,
    {
      id: newDatasetId(),
      name: request.name?.trim() || `${modality} phantoms ${size}px ×${count}`,
      source: 'phantom',
      description: `Procedural ${modality} phantoms, ${size} px, seed ${seed}`,
      width: size,
      height: size,
      channels: 1,
      count,
      classNames: [...PHANTOM_CLASS_NAMES[modality]],
      chunkSize,
      createdAt: Date.now(),
    },
    { labels, splits },
    chunks(),
  );
}
