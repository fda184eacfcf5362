/**
 * The one storage seam of the studio: a small key-value interface over IndexedDB. Everything
 * (datasets, runs, checkpoints, settings) lives in one object store under path-like keys, so
 * "delete all my data" is a single clear() and tests can swap in a store that runs out of space.
 */
import { clear, createStore, delMany, get, getMany, keys, setMany, type UseStore } from 'idb-keyval';

export type StoredValue = unknown;

export interface KeyValueStore {
  get<T = StoredValue>(key: string): Promise<T | undefined>;
  getMany<T = StoredValue>(keys: string[]): Promise<(T | undefined)[]>;
  /** All entries are written in one transaction: either all land or none do. */
  setMany(entries: [string, StoredValue][]): Promise<void>;
  delMany(keys: string[]): Promise<void>;
  keys(): Promise<string[]>;
  clear(): Promise<void>;
}

export const DATABASE_NAME = 'phantom-studio';
export const OBJECT_STORE_NAME = 'kv';

export function openIdbStore(dbName = DATABASE_NAME): KeyValueStore {
  const store: UseStore = createStore(dbName, OBJECT_STORE_NAME);
  return {
    get: (key) => get(key, store),
    getMany: (list) => getMany(list, store),
    setMany: (entries) => setMany(entries, store),
    delMany: (list) => delMany(list, store),
    keys: async () => (await keys(store)).map(String),
    clear: () => clear(store),
  };
}

/** Raised instead of the browser's bare QuotaExceededError, with a message a user can act on. */
export class StorageFullError extends Error {
  override readonly name = 'StorageFullError';
  constructor(what: string, cause: unknown) {
    super(
      `Not enough storage space to save ${what}. Nothing was changed: everything stored before is intact. ` +
        'Free space by deleting datasets or runs you no longer need, or allow this site more storage.',
      { cause },
    );
  }
}

export function isQuotaError(error: unknown): boolean {
  if (!(error instanceof Error) && !(typeof DOMException !== 'undefined' && error instanceof DOMException)) return false;
  const e = error as { name?: string; code?: number; message?: string };
  // Chromium and Firefox use the standard name; older Firefox used NS_ERROR_DOM_QUOTA_REACHED; code 22 is legacy.
  return e.name === 'QuotaExceededError' || e.name === 'NS_ERROR_DOM_QUOTA_REACHED' || e.code === 22;
}
