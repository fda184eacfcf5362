/**
 * The one storage seam of the studio: a small key-value interface over IndexedDB. Everything
 * (datasets, runs, checkpoints, settings) lives in one object store under path-like keys, so
 * "delete all my data" is a single clear() (through wipeStore) and tests can swap in a store that
 * runs out of space.
 */
import { clear, createStore, delMany, get, getMany, keys, promisifyRequest, setMany, type UseStore } from 'idb-keyval';
import { CancelledError } from '../core/jobControl';

export type StoredValue = unknown;

export interface KeyValueStore {
  get<T = StoredValue>(key: string): Promise<T | undefined>;
  getMany<T = StoredValue>(keys: string[]): Promise<(T | undefined)[]>;
  /** All entries are written in one transaction: either all land or none do. */
  setMany(entries: [string, StoredValue][]): Promise<void>;
  delMany(keys: string[]): Promise<void>;
  keys(): Promise<string[]>;
  /**
   * The keys that start with `prefix`, in key order. Lists of one kind of record use this, so
   * listing runs reads the keys under `run/` and not every key of the database.
   */
  keysWithPrefix(prefix: string): Promise<string[]>;
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
    keysWithPrefix: async (prefix) => {
      const found = await store('readonly', (objects) => promisifyRequest(objects.getAllKeys(prefixRange(prefix))));
      return found.map(String).filter((key) => key.startsWith(prefix));
    },
    clear: () => clear(store),
  };
}

/**
 * The key range of the strings that start with `prefix`: from the prefix itself up to, not
 * including, the prefix with its last code unit raised by one ('run/' → 'run0'), which is exact
 * for every key (an upper bound of prefix + '\uffff' would miss keys that continue past it).
 */
function prefixRange(prefix: string): IDBKeyRange | undefined {
  if (prefix === '') return undefined;
  const last = prefix.charCodeAt(prefix.length - 1);
  if (last === 0xffff) return IDBKeyRange.lowerBound(prefix); // too wide; keysWithPrefix filters what it returns
  return IDBKeyRange.bound(prefix, prefix.slice(0, -1) + String.fromCharCode(last + 1), false, true);
}

/** How many times each store was wiped (wipeStore) in this worker. */
const wipes = new WeakMap<KeyValueStore, number>();

/** How many times `store` was wiped in this worker: a save notes it when it begins (see throwIfWiped). */
export function wipeCount(store: KeyValueStore): number {
  return wipes.get(store) ?? 0;
}

/**
 * "Delete all my data": empties the store. The count goes up before the clear is issued, so a save
 * still under way (the built-in phantoms being made at first start, an import waiting in its
 * preview) stops at its next write instead of writing into the emptied store, where its late chunks
 * and pointer would stand as a dataset with its first chunks missing. A write it issued before
 * the wipe is ordered before the clear (one object store, transactions run in the order they
 * were opened) and goes with everything else.
 */
export function wipeStore(store: KeyValueStore): Promise<void> {
  wipes.set(store, wipeCount(store) + 1);
  return store.clear();
}

/** Raised by a save whose store was wiped after it began: a cancellation, as the user asked for everything to go. */
export class StoreWipedError extends CancelledError {
  constructor(what: string) {
    super(what);
    this.message = `${what} was cancelled: all data was deleted while it was being saved, and nothing of it was kept`;
  }
}

/**
 * Call right before a write (with no await between the two): throws StoreWipedError when `store`
 * was wiped after `began` (the save's wipeCount when it started).
 */
export function throwIfWiped(store: KeyValueStore, began: number, what: string): void {
  if (wipeCount(store) !== began) throw new StoreWipedError(what);
}

/** Deletes every key under `prefix` (a run and all it owns, say). */
export async function deleteKeysWithPrefix(store: KeyValueStore, prefix: string): Promise<void> {
  const found = await store.keysWithPrefix(prefix);
  if (found.length > 0) await store.delMany(found);
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
