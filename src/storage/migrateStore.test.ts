import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openIdbStore, type KeyValueStore } from './keyValueStore';
import { migrateStore } from './migrateStore';
import { CURRENT_SCHEMA_VERSION, shapeOfKey, type BlobKind, type RecordKind } from './schema';
import { UnreadableRecordError } from './recordCollection';
import { getDatasetIndex, getDatasetMeta, getImageAttributes, listDatasets, readImages, removeOrphanChunks, type DatasetMeta } from './datasetStore';
import { V0_IDS, v0Entries, v0Value } from './fixtures/v0Fixture';

let databases = 0;
/** A real IndexedDB (fake-indexeddb), so values go through structured clone as in the browser. */
async function storeWithV0Fixture(): Promise<KeyValueStore> {
  const store = openIdbStore(`migrate-test-${++databases}`);
  await store.setMany(v0Entries());
  return store;
}

async function snapshot(store: KeyValueStore): Promise<Map<string, unknown>> {
  const keys = (await store.keys()).sort();
  const values = await store.getMany(keys);
  return new Map(keys.map((key, i) => [key, values[i]]));
}

const RECORD_KINDS: RecordKind[] = ['dataset', 'datasetIndex', 'run', 'exportAudit', 'evaluation', 'reconstruction', 'augmentReport', 'settings', 'inceptionFile'];
const BLOB_KINDS: BlobKind[] = ['datasetChunk', 'datasetAttributes', 'checkpoint', 'sampleGrid', 'evaluationFake', 'reconstructionExamples', 'inceptionChunk'];

describe('the version-0 fixture', () => {
  it('holds every kind of record and blob the schema knows, and no key it does not', () => {
    const kinds = new Set(v0Entries().map(([key]) => shapeOfKey(key)?.kind ?? `unknown key ${key}`));
    expect([...kinds].sort()).toEqual([...RECORD_KINDS, ...BLOB_KINDS].sort());
    for (const [key, value] of v0Entries()) {
      if (shapeOfKey(key)?.sort === 'record') expect(value, key).not.toHaveProperty('schemaVersion');
    }
  });
});

describe('migrateStore', () => {
  it('brings every record of a version-0 database to the current version, its payload bit for bit, and leaves blobs untouched', async () => {
    const store = await storeWithV0Fixture();
    const report = await migrateStore(store);

    const recordKeys = v0Entries().map(([key]) => key).filter((key) => shapeOfKey(key)?.sort === 'record');
    expect(report.schemaVersion).toBe(CURRENT_SCHEMA_VERSION);
    expect(report.unreadable).toEqual([]);
    expect(report.examined).toBe(recordKeys.length);
    expect(report.migrated).toEqual(recordKeys.map((key) => ({ key, from: 0 })));

    const after = await snapshot(store);
    expect([...after.keys()]).toEqual(v0Entries().map(([key]) => key));
    for (const [key, original] of v0Entries()) {
      const expected = shapeOfKey(key)?.sort === 'record' ? { ...(original as object), schemaVersion: CURRENT_SCHEMA_VERSION } : original;
      // toStrictEqual: same typed-array classes, same bytes, same undefined-valued properties.
      expect(after.get(key), key).toStrictEqual(expected);
    }
  });

  it('changes nothing when run again', async () => {
    const store = await storeWithV0Fixture();
    await migrateStore(store);
    const before = await snapshot(store);
    const again = await migrateStore(store);
    expect(again.migrated).toEqual([]);
    expect(again.unreadable).toEqual([]);
    expect(again.examined).toBe(before.size - v0Entries().filter(([key]) => shapeOfKey(key)?.sort === 'blob').length);
    expect(await snapshot(store)).toStrictEqual(before);
  });

  it('keeps what it cannot read exactly as it was, under its own key, and names it with the reason', async () => {
    const store = await storeWithV0Fixture();
    const future = { ...(v0Value(`evaluation/${V0_IDS.evaluation}`) as object), id: 'eval-future', schemaVersion: 99, newField: [1, 2] };
    const odd: [string, unknown][] = [
      ['run/run-string', 'not a run record'],
      ['evaluation/eval-future', future],
      ['dataset/ds-half', { id: 'ds-half', name: 'half', createdAt: 5 }],
      ['augment/aug-badversion', { id: 'aug-badversion', createdAt: 1, schemaVersion: 'one' }],
      ['dataset/ds-half/chunk/0', new Uint8Array(64)],
      ['mystery/key', 42],
    ];
    await store.setMany(odd);

    const report = await migrateStore(store);
    const reasons = new Map(report.unreadable.map((u) => [u.key, u.reason]));
    expect([...reasons.keys()].sort()).toEqual(['augment/aug-badversion', 'dataset/ds-half', 'evaluation/eval-future', 'mystery/key', 'run/run-string']);
    expect(reasons.get('run/run-string')).toBe('this run record is the string "not a run record", not an object');
    expect(reasons.get('evaluation/eval-future')).toMatch(/newer version of the studio \(schema version 99; this version reads up to 1\)/);
    expect(reasons.get('dataset/ds-half')).toMatch(/has no valid width \(number\), height \(number\)/);
    expect(reasons.get('augment/aug-badversion')).toMatch(/schemaVersion is the string "one"/);
    expect(reasons.get('mystery/key')).toMatch(/never writes such a key/);
    // The readable records were still migrated.
    expect(report.migrated).toHaveLength(v0Entries().filter(([key]) => shapeOfKey(key)?.sort === 'record').length);

    const after = await snapshot(store);
    for (const [key, value] of odd) expect(after.get(key), key).toStrictEqual(value);
    // The start-up sweep of orphan chunks keeps the chunks of a dataset whose meta it cannot read.
    expect(await removeOrphanChunks(store)).toBe(0);

    // The lists leave unreadable records out; asking for one by id says why it cannot be read.
    expect((await listDatasets(store)).map((m) => m.id)).toEqual([V0_IDS.importedDataset, V0_IDS.phantomDataset]);
    await expect(getDatasetMeta(store, 'ds-half')).rejects.toBeInstanceOf(UnreadableRecordError);

    const again = await migrateStore(store);
    expect(again.migrated).toEqual([]);
    expect(again.unreadable).toEqual(report.unreadable);
    expect(await snapshot(store)).toStrictEqual(after);
  });

  it('the storage functions read a version-0 database, before and after the migration', async () => {
    const store = await storeWithV0Fixture();
    for (const stage of ['before', 'after']) {
      if (stage === 'after') await migrateStore(store);
      const phantom = v0Value(`dataset/${V0_IDS.phantomDataset}`) as DatasetMeta;
      expect(await listDatasets(store), stage).toStrictEqual([v0Value(`dataset/${V0_IDS.importedDataset}`), phantom]);
      expect(await getDatasetMeta(store, phantom.id)).toStrictEqual(phantom);
      expect(await getDatasetIndex(store, phantom.id)).toStrictEqual(v0Value(`dataset/${phantom.id}/index`));
      const chunks = [0, 1, 2].map((n) => v0Value(`dataset/${phantom.id}/chunk/${n}`) as Uint8Array);
      expect(await readImages(store, phantom, 0, phantom.count)).toEqual(Uint8Array.from(chunks.flatMap((c) => [...c])));
      expect(await getImageAttributes(store, V0_IDS.importedDataset, 4)).toEqual((v0Value(`dataset/${V0_IDS.importedDataset}/attributes`) as unknown[])[4]);
    }
  });
});
