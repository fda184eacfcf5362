/**
 * Keeps the user's Inception weights file in the studio's storage so it is asked for once. The raw
 * file is stored (not the parsed arrays), so every load re-checks the SHA-256 it was accepted with.
 * Layout, all under `inception/`: chunks of at most 16 MiB at `inception/file/chunk/<n>` (no
 * single value near IndexedDB's structured-clone limits), then the record `inception/file`,
 * written last: a save that dies midway leaves no record, so nothing half-written is ever read.
 * The record is versioned (storage/schema.ts); the chunks are covered by its version.
 */
import { deleteKeysWithPrefix, isQuotaError, StorageFullError, type KeyValueStore } from '../../storage/keyValueStore';
import { recordCollection } from '../../storage/recordCollection';
import { storageKeys, storagePrefixes } from '../../storage/schema';
import { loadInceptionWeights, sha256Hex, type InceptionWeights } from './weights';

const RECORD_KEY = storageKeys.inceptionFile();
const chunkKey = storageKeys.inceptionChunk;
export const INCEPTION_CACHE_CHUNK_BYTES = 16 * 1024 * 1024;

export interface CachedInceptionFile {
  fileName: string;
  sha256: string;
  byteLength: number;
  chunkCount: number;
  savedAt: number;
}

const files = recordCollection<CachedInceptionFile>('inceptionFile', (file) => file.savedAt);

/**
 * Stores `bytes` (already accepted by loadInceptionWeights) in place of any earlier file.
 * `chunkBytes` exists for tests; keep the default otherwise.
 */
export async function saveInceptionWeightsFile(store: KeyValueStore, bytes: Uint8Array, fileName: string, chunkBytes = INCEPTION_CACHE_CHUNK_BYTES): Promise<CachedInceptionFile> {
  const record: CachedInceptionFile = {
    fileName,
    sha256: await sha256Hex(bytes),
    byteLength: bytes.byteLength,
    chunkCount: Math.ceil(bytes.byteLength / chunkBytes),
    savedAt: Date.now(),
  };
  await deleteCachedInceptionWeights(store);
  const written: string[] = [];
  try {
    for (let n = 0; n < record.chunkCount; n++) {
      // slice(): a stored value must not drag the whole file's buffer into structured clone.
      await store.setMany([[chunkKey(n), bytes.slice(n * chunkBytes, (n + 1) * chunkBytes)]]);
      written.push(chunkKey(n));
    }
    await files.put(store, RECORD_KEY, record);
  } catch (error) {
    await store.delMany(written).catch(() => undefined);
    if (isQuotaError(error)) throw new StorageFullError(`the Inception weights (${fileName})`, error);
    throw error;
  }
  return record;
}

export async function cachedInceptionFile(store: KeyValueStore): Promise<CachedInceptionFile | undefined> {
  return files.get(store, RECORD_KEY);
}

/** The stored file's bytes, or undefined when none is stored. Throws if the stored bytes changed. */
export async function readCachedInceptionFile(store: KeyValueStore): Promise<{ record: CachedInceptionFile; bytes: Uint8Array } | undefined> {
  const record = await cachedInceptionFile(store);
  if (!record) return undefined;
  const chunks = await store.getMany<Uint8Array>(Array.from({ length: record.chunkCount }, (_, n) => chunkKey(n)));
  const bytes = new Uint8Array(record.byteLength);
  let offset = 0;
  for (const [n, chunk] of chunks.entries()) {
    if (!(chunk instanceof Uint8Array) || offset + chunk.length > record.byteLength) {
      throw new Error(`stored Inception weights (${record.fileName}) are damaged: chunk ${n} is missing or the wrong size; load the file again`);
    }
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  if (offset !== record.byteLength || (await sha256Hex(bytes)) !== record.sha256) {
    throw new Error(`stored Inception weights (${record.fileName}) are damaged: their SHA-256 changed since they were saved; load the file again`);
  }
  return { record, bytes };
}

/**
 * Loads the stored weights, or returns undefined when none are stored. `expectSha256Prefix` is
 * passed on to loadInceptionWeights (default: the FID weights' prefix).
 */
export async function loadCachedInceptionWeights(store: KeyValueStore, options: { expectSha256Prefix?: string } = {}): Promise<InceptionWeights | undefined> {
  const cached = await readCachedInceptionFile(store);
  if (!cached) return undefined;
  return loadInceptionWeights(cached.bytes, { fileName: cached.record.fileName, ...options });
}

/** Removes the record first, so a half-finished delete never looks like a stored file. */
export async function deleteCachedInceptionWeights(store: KeyValueStore): Promise<void> {
  await store.delMany([RECORD_KEY]);
  await deleteKeysWithPrefix(store, storagePrefixes.inception);
}
