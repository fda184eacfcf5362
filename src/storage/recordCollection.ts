/**
 * Typed access to one kind of record, so no store hand-writes key scans or version handling:
 * `put` stores the payload with the current schemaVersion, `get` and `list` give it back without
 * it (migrated in memory if it is older). Keys come from schema.ts; a key of another kind is a
 * programming error and throws.
 *
 * Deleting is left to KeyValueStore.delMany / deleteKeysWithPrefix: a record always goes together
 * with the blobs it owns, in the order its store decides (pointer first).
 */
import type { KeyValueStore, StoredValue } from './keyValueStore';
import { decodeRecord, encodeRecord } from './recordCodec';
import { shapeOfKey, type RecordKind } from './schema';

/** A record exists but this version of the studio cannot read it (migrateStore reports it too). */
export class UnreadableRecordError extends Error {
  override readonly name = 'UnreadableRecordError';
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`The stored record ${key} cannot be read: ${reason}. It is kept unchanged.`);
  }
}

export interface RecordCollection<T extends object> {
  readonly kind: RecordKind;
  /** The record at `key`, or undefined when there is none. Throws UnreadableRecordError for one it cannot read. */
  get(store: KeyValueStore, key: string): Promise<T | undefined>;
  put(store: KeyValueStore, key: string, record: T): Promise<void>;
  /** The entry `put` would write, for a transaction that writes several entries together. */
  entry(key: string, record: T): [string, StoredValue];
  /**
   * Every record of this kind under `prefix`, newest first. Only keys under the prefix are read.
   * Unreadable records are left out here (and left in storage); migrateStore names them.
   */
  list(store: KeyValueStore, prefix: string): Promise<T[]>;
}

/**
 * A collection of `kind` records; `dateOf` orders `list`, newest first (without it, as a dataset's
 * index that is never listed, `list` keeps key order).
 */
export function recordCollection<T extends object>(kind: RecordKind, dateOf?: (record: T) => number): RecordCollection<T> {
  const isOwnKey = (key: string) => {
    const shape = shapeOfKey(key);
    return shape?.sort === 'record' && shape.kind === kind;
  };
  const checkKey = (key: string) => {
    if (!isOwnKey(key)) throw new Error(`${key} is not the key of a ${kind} record`);
  };
  const entry = (key: string, record: T): [string, StoredValue] => {
    checkKey(key);
    return [key, encodeRecord(record)];
  };
  return {
    kind,
    async get(store, key) {
      checkKey(key);
      const stored = await store.get(key);
      if (stored === undefined) return undefined;
      const decoded = decodeRecord(kind, stored);
      if (!decoded.readable) throw new UnreadableRecordError(key, decoded.reason);
      // decodeRecord checked the fields the stores rely on; the rest is the domain's type.
      return decoded.payload as T;
    },
    async put(store, key, record) {
      await store.setMany([entry(key, record)]);
    },
    entry,
    async list(store, prefix) {
      const keys = (await store.keysWithPrefix(prefix)).filter(isOwnKey);
      const records: T[] = [];
      for (const stored of await store.getMany(keys)) {
        if (stored === undefined) continue; // deleted between the two reads
        const decoded = decodeRecord(kind, stored);
        if (decoded.readable) records.push(decoded.payload as T);
      }
      return dateOf ? records.sort((a, b) => dateOf(b) - dateOf(a)) : records;
    },
  };
}
