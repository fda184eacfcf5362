/**
 * Brings every stored record to CURRENT_SCHEMA_VERSION, at start-up before anything else reads the
 * store. Each record is migrated step by step (recordCodec.ts) and written back in place; blobs are
 * covered by their owner's version and not touched (schema.ts). Running it again changes nothing.
 *
 * It never deletes or moves what it cannot read: a record that is not an object, lacks what the
 * stores need, or comes from a newer studio (another tab, after an update) stays exactly as it is,
 * under its own key, and is named in the report. The lists skip such records; a newer studio reads
 * them as before. Keys this version never writes are reported the same way.
 */
import type { KeyValueStore, StoredValue } from './keyValueStore';
import { decodeRecord, encodeRecord } from './recordCodec';
import { CURRENT_SCHEMA_VERSION, shapeOfKey, type RecordKind } from './schema';

export interface MigrationReport {
  /** The version every readable record is at once the migration is done. */
  schemaVersion: number;
  /** How many records were read (blobs are not counted). */
  examined: number;
  /** Records rewritten at the current version, with the version they had before. */
  migrated: { key: string; from: number }[];
  /** Kept unchanged because this version cannot read them, with why, for the UI to say so. */
  unreadable: { key: string; reason: string }[];
}

/** Records read per batch: bounds memory on a database with many large run records. */
const BATCH = 64;

export async function migrateStore(store: KeyValueStore): Promise<MigrationReport> {
  const report: MigrationReport = { schemaVersion: CURRENT_SCHEMA_VERSION, examined: 0, migrated: [], unreadable: [] };
  const records: { key: string; kind: RecordKind }[] = [];
  for (const key of (await store.keys()).sort()) {
    const shape = shapeOfKey(key);
    if (!shape) report.unreadable.push({ key, reason: 'this version of the studio never writes such a key' });
    else if (shape.sort === 'record') records.push({ key, kind: shape.kind });
  }
  for (let start = 0; start < records.length; start += BATCH) {
    const batch = records.slice(start, start + BATCH);
    const stored = await store.getMany(batch.map((r) => r.key));
    const upgrades: [string, StoredValue][] = [];
    batch.forEach(({ key, kind }, i) => {
      if (stored[i] === undefined) return; // deleted since the keys were listed
      report.examined++;
      const decoded = decodeRecord(kind, stored[i]);
      if (!decoded.readable) {
        report.unreadable.push({ key, reason: decoded.reason });
      } else if (decoded.storedVersion < CURRENT_SCHEMA_VERSION) {
        upgrades.push([key, encodeRecord(decoded.payload)]);
        report.migrated.push({ key, from: decoded.storedVersion });
      }
    });
    // One transaction per batch: a failure (storage full) leaves each record at its old or its
    // new version, both readable, and the next start carries on.
    if (upgrades.length > 0) await store.setMany(upgrades);
  }
  return report;
}
