/**
 * Datasets in IndexedDB. Images are stored as chunks of typed arrays (never one giant value,
 * which would blow structured-clone memory on large sets) under `dataset/<id>/chunk/<n>`, and
 * the metadata record at `dataset/<id>` is written last. The metadata is the commit pointer: a
 * dataset whose chunks were written but whose pointer was not never shows up, and a failed
 * save removes its own partial chunks, so nothing stored before is touched. The meta and the
 * index are versioned records (schema.ts); chunks and attributes are covered by the meta's version.
 *
 * Chunks without a pointer are also what a save under way looks like, possibly in another tab. A
 * save therefore holds a lock named after its dataset (core/tabLocks.ts) from its first chunk to its
 * commit or discard, and the start-up sweep of orphans leaves alone every dataset whose lock is held.
 *
 * "Delete all my data" (wipeStore) may come in the middle of a save: every write here first checks
 * that the store was not wiped since the save began (throwIfWiped), so a wiped studio is empty, not
 * left holding the late half of a dataset.
 */
import { deleteKeysWithPrefix, isQuotaError, StorageFullError, throwIfWiped, wipeCount, type KeyValueStore, type StoredValue } from './keyValueStore';
import { recordCollection } from './recordCollection';
import { newId, ownerIdOfKey, shapeOfKey, storageKeys, storagePrefixes } from './schema';
import { heldLockNames, tryHoldLock, type ReleaseLock } from '../core/tabLocks';

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
  /** Where a synthetic dataset came from; absent on real (phantom or imported) datasets. */
  provenance?: DatasetProvenance;
}

/** The run, checkpoint, seed and audit behind a synthetic dataset; its exports carry the same. */
export interface DatasetProvenance {
  synthetic: true;
  runId: string;
  runName: string;
  /** The model kind: dcgan, wgan-gp, pggan, vae, ddpm. */
  modelKind: string;
  checkpoint: 'latest' | 'best';
  step: number;
  seed: number;
  /** GAN truncation ψ (latents scaled by ψ), when not 1. */
  truncation?: number;
  /** VAE sampling temperature (latents scaled by it), when not 1. */
  temperature?: number;
  /** Images generated per class (in classNames order), before the memorisation audit. */
  generatedPerClass: number[];
  /** The real dataset the run trained on. */
  realDatasetId: string;
  /** Time of the memorisation audit record this export left on its run (run/<runId>/audit/<time>). */
  auditTime: number;
  /**
   * 'per-image': image i's latent or starting noise came from its own seed imageSeed(seed, i)
   * (src/generation/imageSeeds.ts), so single images can be regenerated. Absent on datasets made
   * before (their latents were drawn per batch of 32).
   */
  seeds?: 'per-image';
  /** Generation indices the memorisation audit left out (stored image k is the k-th one not left out). */
  leftOut?: number[];
  /**
   * Stored images regenerated after the export: the image's index, its new seed, and the draw (the
   * generation index past the export's own that gave the seed); the latest entry for an index wins.
   */
  regenerated?: { index: number; seed: number; draw: number }[];
  /** DDPM: denoising passes per image (DDIM), when not the run's default. */
  samplingSteps?: number;
  /** Class-conditional DDPM: the classifier-free guidance scale w (0 = the conditional sample). */
  guidance?: number;
  /** DDPM: the sampler when it was not DDIM. */
  sampler?: 'dpm-solver++';
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

const metas = recordCollection<DatasetMeta>('dataset', (meta) => meta.createdAt);
const indexes = recordCollection<DatasetIndex>('datasetIndex');
const { dataset: metaKey, datasetIndex: indexKey, datasetChunk: chunkKey, datasetAttributes: attributesKey } = storageKeys;

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
  // Noted before the first await: a wipe while the lock is being taken counts too.
  const began = wipeCount(store);
  await holdSaveLock(meta.id, meta.name, began);
  try {
    for await (const chunk of chunks) {
      const images = chunk.pixels.length / perImage;
      if (!Number.isInteger(images) || images < 1 || images > meta.chunkSize) {
        throw new Error(`Dataset "${meta.name}": chunk ${chunkCount} holds ${chunk.pixels.length} bytes, not a whole number of ${meta.width}×${meta.height}×${meta.channels} images up to ${meta.chunkSize}`);
      }
      throwIfWiped(store, began, savingWhat(meta));
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
    throwIfWiped(store, saveBegan(store, meta.id), savingWhat(meta));
    await store.setMany([
      indexes.entry(indexKey(meta.id), index),
      ...(attributes ? ([[attributesKey(meta.id), attributes]] as [string, StoredValue][]) : []),
      metas.entry(metaKey(meta.id), full),
    ]);
    releaseSaveLock(meta.id);
    return full;
  } catch (error) {
    await discardStaged(store, meta.id, chunkCount);
    if (isQuotaError(error)) throw new StorageFullError(`dataset "${meta.name}"`, error);
    throw error;
  }
}

/**
 * Removes images from staged (not yet committed) chunks, in place: chunk by chunk, the images kept
 * move up, and the chunks left over at the end are deleted. Safe in place because an output chunk
 * is written only after every input chunk up to it was read. Returns the new chunk and image counts.
 */
export async function compactStaged(
  store: KeyValueStore,
  meta: Pick<DatasetMeta, 'id' | 'name' | 'width' | 'height' | 'channels' | 'chunkSize'>,
  chunkCount: number,
  keep: (index: number) => boolean,
): Promise<{ chunkCount: number; count: number }> {
  const perImage = imageBytes(meta);
  const began = saveBegan(store, meta.id);
  const write = async (entries: [string, StoredValue][]) => {
    throwIfWiped(store, began, savingWhat(meta));
    await store.setMany(entries);
  };
  let out = new Uint8Array(meta.chunkSize * perImage);
  let filled = 0;
  let written = 0;
  let count = 0;
  let index = 0;
  for (let c = 0; c < chunkCount; c++) {
    const [chunk] = await store.getMany<Uint8Array>([chunkKey(meta.id, c)]);
    if (!chunk) throw new Error(`The staged import "${meta.name}" is missing chunk ${c}; import the files again`);
    for (let i = 0; i < chunk.length / perImage; i++, index++) {
      if (!keep(index)) continue;
      out.set(chunk.subarray(i * perImage, (i + 1) * perImage), filled * perImage);
      count++;
      if (++filled === meta.chunkSize) {
        await write([[chunkKey(meta.id, written++), out]]);
        out = new Uint8Array(meta.chunkSize * perImage);
        filled = 0;
      }
    }
  }
  if (filled > 0) await write([[chunkKey(meta.id, written++), out.slice(0, filled * perImage)]]);
  if (written < chunkCount) await store.delMany(Array.from({ length: chunkCount - written }, (_, n) => chunkKey(meta.id, written + n)));
  return { chunkCount: written, count };
}

/** Longest class name accepted (names show in selects, charts and file names). */
export const MAX_CLASS_NAME_LENGTH = 64;

/**
 * Renames class `classIndex` of a stored dataset. Labels are indices, so the images, runs trained
 * on the dataset and synthetic sets made from them are untouched; whatever shows class names reads
 * them from the dataset. Refuses an empty, too long or duplicate name, naming the problem.
 */
export async function renameClass(store: KeyValueStore, id: string, classIndex: number, name: string): Promise<DatasetMeta> {
  const began = wipeCount(store);
  const meta = await getDatasetMeta(store, id);
  const trimmed = name.trim();
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= meta.classNames.length) {
    throw new RangeError(`"${meta.name}" has no class ${classIndex} (it has ${meta.classNames.length})`);
  }
  if (!trimmed) throw new Error('A class name cannot be empty');
  if (trimmed.length > MAX_CLASS_NAME_LENGTH) throw new Error(`A class name can have at most ${MAX_CLASS_NAME_LENGTH} characters (this one has ${trimmed.length})`);
  const clash = meta.classNames.findIndex((c, i) => i !== classIndex && c === trimmed);
  if (clash >= 0) throw new Error(`"${meta.name}" already has a class named "${trimmed}"; class names must differ`);
  const renamed: DatasetMeta = { ...meta, classNames: meta.classNames.map((c, i) => (i === classIndex ? trimmed : c)) };
  // A pointer written back into a wiped store would list a dataset with no images.
  throwIfWiped(store, began, `Renaming a class of "${meta.name}"`);
  await store.setMany([metas.entry(metaKey(id), renamed)]);
  return renamed;
}

export async function discardStaged(store: KeyValueStore, id: string, chunkCount: number): Promise<void> {
  await store.delMany(Array.from({ length: chunkCount }, (_, n) => chunkKey(id, n))).catch(() => undefined);
  releaseSaveLock(id);
}

const SAVE_LOCK_PREFIX = 'phantom-studio/dataset-save/';
const saveLockName = (id: string) => `${SAVE_LOCK_PREFIX}${id}`;
/**
 * The saves under way in this worker, by dataset id: the lock each holds (staging, an import's
 * preview, may last minutes) and the store's wipe count when it began.
 */
const saves = new Map<string, { release: ReleaseLock; began: number }>();

async function holdSaveLock(id: string, name: string, began: number): Promise<void> {
  if (saves.has(id)) return;
  const release = await tryHoldLock(saveLockName(id));
  if (!release) throw new Error(`Dataset "${name}" is being saved by another tab; wait for that save to finish`);
  saves.set(id, { release, began });
}

function releaseSaveLock(id: string): void {
  saves.get(id)?.release();
  saves.delete(id);
}

/** The wipe count a staged save began under; for a write outside one, the count now (nothing to compare). */
function saveBegan(store: KeyValueStore, id: string): number {
  return saves.get(id)?.began ?? wipeCount(store);
}

const savingWhat = (meta: Pick<DatasetMeta, 'name'>) => `Saving dataset "${meta.name}"`;

/**
 * How many datasets other tabs are saving right now. Their writes go on after a wipe done here,
 * so "Delete all my data" waits for them (it refuses, and says why).
 */
export async function datasetSavesInOtherTabs(): Promise<number> {
  const held = await heldLockNames(SAVE_LOCK_PREFIX);
  return [...held].filter((name) => !saves.has(name.slice(SAVE_LOCK_PREFIX.length))).length;
}

/** A listed dataset; `damage` says what is missing when its stored parts are incomplete. */
export type DatasetListing = DatasetMeta & { damage?: string };

/**
 * Newest first, each checked against the keys it owns: a dataset whose chunks or labels are gone
 * (lost to a crash, or to another tab's clean-up in older versions) is reported as damaged, by
 * name, rather than shown as empty tiles.
 */
export async function listDatasetsChecked(store: KeyValueStore): Promise<DatasetListing[]> {
  const [list, keys] = await Promise.all([listDatasets(store), store.keysWithPrefix(storagePrefixes.datasets)]);
  const present = new Set(keys);
  return list.map((meta) => {
    const missingChunks = Array.from({ length: meta.chunkCount }, (_, n) => n).filter((n) => !present.has(chunkKey(meta.id, n)));
    const problems = [
      ...(missingChunks.length ? [`${missingChunks.length} of its ${meta.chunkCount} image chunks are missing`] : []),
      ...(present.has(indexKey(meta.id)) ? [] : ['its labels are missing']),
    ];
    return problems.length ? { ...meta, damage: `Dataset "${meta.name}" is damaged: ${problems.join(' and ')}. Delete it and import it again.` } : meta;
  });
}

/** Newest first. */
export async function listDatasets(store: KeyValueStore): Promise<DatasetMeta[]> {
  return metas.list(store, storagePrefixes.datasets);
}

export async function getDatasetMeta(store: KeyValueStore, id: string): Promise<DatasetMeta> {
  const meta = await metas.get(store, metaKey(id));
  if (!meta) throw new Error(`Dataset ${id} does not exist (it may have been deleted)`);
  return meta;
}

export async function getDatasetIndex(store: KeyValueStore, id: string): Promise<DatasetIndex> {
  const index = await indexes.get(store, indexKey(id));
  if (!index) throw new Error(`Dataset ${id} has no label index; it is damaged and should be re-imported`);
  return index;
}

/** The technical attributes of one image, or null for datasets stored without them. */
export async function getImageAttributes(store: KeyValueStore, id: string, index: number): Promise<unknown | null> {
  const all = await store.get<unknown[]>(attributesKey(id));
  return all?.[index] ?? null;
}

/**
 * Replaces one stored image's pixels and, in the same transaction, the dataset's provenance (a
 * regenerated synthetic image and its new seed): the other images and the index are untouched.
 */
export async function replaceImage(store: KeyValueStore, meta: DatasetMeta, index: number, pixels: Uint8Array, provenance: DatasetProvenance | undefined): Promise<DatasetMeta> {
  const perImage = imageBytes(meta);
  const began = wipeCount(store);
  if (!Number.isInteger(index) || index < 0 || index >= meta.count) throw new RangeError(`Image ${index} is outside dataset "${meta.name}" (${meta.count} images)`);
  if (pixels.length !== perImage) throw new Error(`Dataset "${meta.name}": a replacement image must hold ${perImage} bytes, not ${pixels.length}`);
  const key = chunkKey(meta.id, Math.floor(index / meta.chunkSize));
  const chunk = await store.get<Uint8Array>(key);
  if (!chunk) throw new Error(`Dataset "${meta.name}": the chunk holding image ${index} is missing`);
  const next = chunk.slice();
  next.set(pixels, (index % meta.chunkSize) * perImage);
  const updated: DatasetMeta = { ...meta, ...(provenance ? { provenance } : {}) };
  try {
    throwIfWiped(store, began, `Replacing image ${index} of "${meta.name}"`);
    await store.setMany([[key, next], metas.entry(metaKey(meta.id), updated)]);
  } catch (error) {
    if (isQuotaError(error)) throw new StorageFullError(`dataset "${meta.name}"`, error);
    throw error;
  }
  return updated;
}

/** Reads images [start, start + count) as one contiguous array, touching only the chunks needed. */
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
  // The pointer goes first, so an interrupted delete leaves orphan chunks, never a broken dataset.
  // Every part is found by prefix: the meta may be missing or unreadable and still own chunks.
  await store.delMany([metaKey(id)]);
  await deleteKeysWithPrefix(store, storagePrefixes.datasetParts(id));
}

/**
 * Chunks left behind by a save that was interrupted (tab closed mid-import); removed at start-up.
 * The order matters: keys are listed first, the save locks read after, and the pointers read once
 * more last. A save takes its lock before its first chunk, so a chunk listed here belongs to a save
 * that either still holds its lock (kept), has committed (its pointer is found by the last read,
 * kept), or ended without committing (an orphan). Saves begun after the listing are not seen at all.
 */
export async function removeOrphanChunks(store: KeyValueStore): Promise<number> {
  const all = await store.keysWithPrefix(storagePrefixes.datasets);
  const saving = await heldLockNames(SAVE_LOCK_PREFIX);
  // A meta key counts as live even when its record is unreadable: what it owns is kept with it.
  const live = new Set(all.filter((k) => shapeOfKey(k)?.kind === 'dataset').map(ownerIdOfKey));
  const candidates = all.filter((k) => {
    const kind = shapeOfKey(k)?.kind;
    const owner = ownerIdOfKey(k) ?? '';
    return (kind === 'datasetChunk' || kind === 'datasetIndex' || kind === 'datasetAttributes') && !live.has(owner) && !saving.has(saveLockName(owner));
  });
  if (candidates.length === 0) return 0;
  const owners = [...new Set(candidates.map((k) => ownerIdOfKey(k) ?? ''))];
  const committed = await store.getMany(owners.map((id) => metaKey(id)));
  const stillOrphan = new Set(owners.filter((_, i) => committed[i] === undefined));
  const orphans = candidates.filter((k) => stillOrphan.has(ownerIdOfKey(k) ?? ''));
  if (orphans.length) await store.delMany(orphans);
  return orphans.length;
}

/** A new dataset id (`ds-…`); schema.ts's newId makes the ids of every other kind. */
export function newDatasetId(): string {
  return newId('ds');
}
