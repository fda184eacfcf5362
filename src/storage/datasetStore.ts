/**
 * Datasets in IndexedDB. Images are stored as chunks of typed arrays (never one giant value,
 * which would blow structured-clone memory on large sets) under `dataset/<id>/chunk/<n>`, and
 * the metadata record at `dataset/<id>` is written last. The metadata is the commit pointer: a
 * dataset whose chunks were written but whose pointer was not never shows up, and a failed
 * save removes its own partial chunks, so nothing stored before is touched.
 */
import { isQuotaError, StorageFullError, type KeyValueStore } from './keyValueStore';

export type DatasetSource = 'phantom' | 'import';
export type Split = 'train' | 'val' | 'test';
export const SPLIT_CODES: Record<Split, number> = { train: 0, val: 1, test: 2 };

export interface DatasetMeta {
  id: string;
  name: string;
  source: DatasetSource;
  /** Free-form description of the source, e.g. "head-ct phantoms, seed 42". Never patient data. */
  description: string;
  width: number;
  height: number;
  channels: 1 | 3;
  count: number;
  classNames: string[];
  /** Images per stored chunk. */
  chunkSize: number;
  chunkCount: number;
  createdAt: number;
  /** Bytes of pixel data, for the storage view. */
  byteLength: number;
}

/** Per-image labels and split codes (0 train, 1 val, 2 test), stored beside the metadata. */
export interface DatasetIndex {
  labels: Uint8Array;
  splits: Uint8Array;
}

export interface DatasetChunk {
  /** chunkSize (or fewer, for the last chunk) images, each width × height × channels, 0..255. */
  pixels: Uint8Array;
}

export const DEFAULT_CHUNK_SIZE = 256;

/** A page of a dataset's images with their labels and split codes. */
export interface ImagePage {
  /** count × width × height × channels, 0..255. */
  pixels: Uint8Array;
  labels: Uint8Array;
  splits: Uint8Array;
}

const metaKey = (id: string) => `dataset/${id}`;
const indexKey = (id: string) => `dataset/${id}/index`;
const chunkKey = (id: string, n: number) => `dataset/${id}/chunk/${n}`;
const attributesKey = (id: string) => `dataset/${id}/attributes`;
const isMetaKey = (key: string) => /^dataset\/[^/]+$/.test(key);

export function imageBytes(meta: Pick<DatasetMeta, 'width' | 'height' | 'channels'>): number {
  return meta.width * meta.height * meta.channels;
}

/**
 * Saves a dataset whose pixels arrive as a stream of chunks (so a 10,000-image import never
 * holds everything at once). Chunks must hold `meta.chunkSize` images except the last.
 */
export async function saveDataset(
  store: KeyValueStore,
  meta: Omit<DatasetMeta, 'chunkCount' | 'byteLength'>,
  index: DatasetIndex,
  chunks: AsyncIterable<DatasetChunk> | Iterable<DatasetChunk>,
): Promise<DatasetMeta> {
  const staged = await stageChunks(store, meta, chunks);
  if (staged.count !== meta.count) {
    await discardStaged(store, meta.id, staged.chunkCount);
    throw new Error(`Dataset "${meta.name}": expected ${meta.count} images, received ${staged.count}`);
  }
  return commitDataset(store, meta, index, staged.chunkCount);
}

/**
 * Writes pixel chunks without the metadata pointer: the dataset stays invisible until
 * commitDataset (an import's preview stage), and is swept at start-up if never committed.
 * On failure it removes what it wrote.
 */
export async function stageChunks(
  store: KeyValueStore,
  meta: Pick<DatasetMeta, 'id' | 'name' | 'width' | 'height' | 'channels' | 'chunkSize'>,
  chunks: AsyncIterable<DatasetChunk> | Iterable<DatasetChunk>,
): Promise<{ chunkCount: number; count: number }> {
  const perImage = imageBytes(meta);
  let chunkCount = 0;
  let count = 0;
  try {
    for await (const chunk of chunks) {
      const images = chunk.pixels.length / perImage;
      if (!Number.isInteger(images) || images < 1 || images > meta.chunkSize) {
        throw new Error(`Dataset "${meta.name}": chunk ${chunkCount} holds ${chunk.pixels.length} bytes, not a whole number of ${meta.width}×${meta.height}×${meta.channels} images up to ${meta.chunkSize}`);
      }
      await store.setMany([[chunkKey(meta.id, chunkCount), chunk.pixels]]);
      chunkCount++;
      count += images;
    }
    return { chunkCount, count };
  } catch (error) {
    await discardStaged(store, meta.id, chunkCount);
    if (isQuotaError(error)) throw new StorageFullError(`dataset "${meta.name}"`, error);
    throw error;
  }
}

/** Makes staged chunks a dataset: the index and the metadata land together in one transaction. */
export async function commitDataset(
  store: KeyValueStore,
  meta: Omit<DatasetMeta, 'chunkCount' | 'byteLength'>,
  index: DatasetIndex,
  chunkCount: number,
  /** Per-image technical (never identifying) attributes, e.g. modality and pixel spacing of imports. */
  attributes?: unknown[],
): Promise<DatasetMeta> {
  if (index.labels.length !== meta.count || index.splits.length !== meta.count) {
    await discardStaged(store, meta.id, chunkCount);
    throw new Error(`Dataset "${meta.name}": labels (${index.labels.length}) and splits (${index.splits.length}) must match the image count (${meta.count})`);
  }
  const full: DatasetMeta = { ...meta, chunkCount, byteLength: meta.count * imageBytes(meta) };
  try {
    await store.setMany([
      [indexKey(meta.id), index],
      ...(attributes ? ([[attributesKey(meta.id), attributes]] as [string, unknown][]) : []),
      [metaKey(meta.id), full],
    ]);
    return full;
  } catch (error) {
    await discardStaged(store, meta.id, chunkCount);
    if (isQuotaError(error)) throw new StorageFullError(`dataset "${meta.name}"`, error);
    throw error;
  }
}

export async function discardStaged(store: KeyValueStore, id: string, chunkCount: number): Promise<void> {
  await store.delMany(Array.from({ length: chunkCount }, (_, n) => chunkKey(id, n))).catch(() => undefined);
}

export async function listDatasets(store: KeyValueStore): Promise<DatasetMeta[]> {
  const metaKeys = (await store.keys()).filter(isMetaKey);
  const metas = await store.getMany<DatasetMeta>(metaKeys);
  return metas.filter((m): m is DatasetMeta => m !== undefined).sort((a, b) => b.createdAt - a.createdAt);
}

export async function getDatasetMeta(store: KeyValueStore, id: string): Promise<DatasetMeta> {
  const meta = await store.get<DatasetMeta>(metaKey(id));
  if (!meta) throw new Error(`Dataset ${id} does not exist (it may have been deleted)`);
  return meta;
}

export async function getDatasetIndex(store: KeyValueStore, id: string): Promise<DatasetIndex> {
  const index = await store.get<DatasetIndex>(indexKey(id));
  if (!index) throw new Error(`Dataset ${id} has no label index; it is damaged and should be re-imported`);
  return index;
}

/** Reads images [start, start + count) as one contiguous array, touching only the chunks needed. */
export async function getImageAttributes(store: KeyValueStore, id: string, index: number): Promise<unknown | null> {
  const all = await store.get<unknown[]>(attributesKey(id));
  return all?.[index] ?? null;
}

export async function readImages(store: KeyValueStore, meta: DatasetMeta, start: number, count: number): Promise<Uint8Array> {
  if (start < 0 || count < 0 || start + count > meta.count) {
    throw new RangeError(`Images ${start}..${start + count} are outside dataset "${meta.name}" (${meta.count} images)`);
  }
  const perImage = imageBytes(meta);
  const out = new Uint8Array(count * perImage);
  if (count === 0) return out;
  const first = Math.floor(start / meta.chunkSize);
  const last = Math.floor((start + count - 1) / meta.chunkSize);
  const keys = Array.from({ length: last - first + 1 }, (_, i) => chunkKey(meta.id, first + i));
  const chunks = await store.getMany<Uint8Array>(keys);
  chunks.forEach((chunk, i) => {
    if (!chunk) throw new Error(`Dataset "${meta.name}" is missing chunk ${first + i}; it is damaged and should be re-imported`);
    const chunkStart = (first + i) * meta.chunkSize;
    const from = Math.max(start, chunkStart) - chunkStart;
    const to = Math.min(start + count, chunkStart + chunk.length / perImage) - chunkStart;
    out.set(chunk.subarray(from * perImage, to * perImage), (chunkStart + from - start) * perImage);
  });
  return out;
}

export async function deleteDataset(store: KeyValueStore, id: string): Promise<void> {
  const meta = await store.get<DatasetMeta>(metaKey(id));
  // The pointer goes first, so an interrupted delete leaves orphan chunks, never a broken dataset.
  await store.delMany([metaKey(id), indexKey(id), attributesKey(id)]);
  const prefix = `dataset/${id}/chunk/`;
  const chunkKeys = meta
    ? Array.from({ length: meta.chunkCount }, (_, n) => chunkKey(id, n))
    : (await store.keys()).filter((k) => k.startsWith(prefix));
  await store.delMany(chunkKeys);
}

/** Chunks left behind by a save that was interrupted (tab closed mid-import); removed at start-up. */
export async function removeOrphanChunks(store: KeyValueStore): Promise<number> {
  const all = await store.keys();
  const live = new Set(all.filter(isMetaKey).map((k) => k.slice('dataset/'.length)));
  const orphans = all.filter((k) => {
    const match = /^dataset\/([^/]+)\/(chunk\/\d+|index|attributes)$/.exec(k);
    return match !== null && !live.has(match[1]);
  });
  if (orphans.length) await store.delMany(orphans);
  return orphans.length;
}

export function newDatasetId(): string {
  return `ds-${Date.now().toString(36)}-${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}`;
}
