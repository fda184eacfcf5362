import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { deleteKeysWithPrefix, openIdbStore, type KeyValueStore } from './keyValueStore';
import { openMemoryStore } from './memoryStore';
import { CURRENT_SCHEMA_VERSION, newId, shapeOfKey, storageKeys, storagePrefixes } from './schema';
import { MIGRATION_STEPS } from './recordCodec';
import { recordCollection, UnreadableRecordError } from './recordCollection';
import { newDatasetId } from './datasetStore';

describe('schema', () => {
  it('makes ids in the format ids always had: <kind>-<time>-<random>, base 36', () => {
    for (const kind of ['ds', 'run', 'eval', 'recon', 'aug', 'study'] as const) expect(newId(kind)).toMatch(new RegExp(`^${kind}-[0-9a-z]+-[0-9a-z]+$`));
    expect(newDatasetId()).toMatch(/^ds-[0-9a-z]+-[0-9a-z]+$/);
    expect(newId('run')).not.toBe(newId('run'));
  });

  it('recognises every key it builds, as the kind that built it', () => {
    const id = 'run-m5x2a0-7g8h9i';
    const built: [string, string][] = [
      [storageKeys.dataset(id), 'dataset'],
      [storageKeys.datasetIndex(id), 'datasetIndex'],
      [storageKeys.datasetAttributes(id), 'datasetAttributes'],
      [storageKeys.datasetChunk(id, 12), 'datasetChunk'],
      [storageKeys.run(id), 'run'],
      [storageKeys.checkpoint(id, 500), 'checkpoint'],
      [storageKeys.sampleGrid(id, 500), 'sampleGrid'],
      [storageKeys.exportAudit(id, 1736931840000), 'exportAudit'],
      [storageKeys.evaluation(id), 'evaluation'],
      [storageKeys.evaluationFake(id), 'evaluationFake'],
      [storageKeys.reconstruction(id), 'reconstruction'],
      [storageKeys.reconstructionExamples(id), 'reconstructionExamples'],
      [storageKeys.augmentReport(id), 'augmentReport'],
      [storageKeys.readerStudy(id), 'readerStudy'],
      [storageKeys.studyImages(id), 'studyImages'],
      [storageKeys.studyReader(id, 'ann%20lee'), 'studyReader'],
      [storageKeys.readerTake(id), 'readerTake'],
      [storageKeys.readerTakeStudy(id), 'readerTakeStudy'],
      [storageKeys.settings(), 'settings'],
      [storageKeys.inceptionFile(), 'inceptionFile'],
      [storageKeys.inceptionChunk(3), 'inceptionChunk'],
    ];
    expect(built.map(([key]) => shapeOfKey(key)?.kind)).toEqual(built.map(([, kind]) => kind));
    expect(Object.keys(storageKeys)).toHaveLength(built.length);
    for (const key of ['run/a/b', 'dataset/x/chunk/one', 'settings/x', 'inception/other', 'evaluation/', 'augment/a/b', 'study/a/reader', 'study/a/other']) expect(shapeOfKey(key), key).toBeUndefined();
  });

  it('has one migration step per version', () => {
    expect(MIGRATION_STEPS).toBe(CURRENT_SCHEMA_VERSION);
  });
});

describe.each([
  ['memory', () => openMemoryStore()],
  ['IndexedDB', () => openIdbStore(`prefix-test-${Math.random()}`)],
])('keysWithPrefix (%s store)', (_name, open: () => KeyValueStore) => {
  it('returns exactly the keys under the prefix, in key order', async () => {
    const store = open();
    await store.setMany(['run/a', 'run/a/ckpt/2', 'run/a/ckpt/10', 'run/ab', 'run/ab/sample/1', 'runx', 'dataset/a', 'run0'].map((k) => [k, 1]));
    expect(await store.keysWithPrefix('run/a/')).toEqual(['run/a/ckpt/10', 'run/a/ckpt/2']);
    expect(await store.keysWithPrefix('run/')).toEqual(['run/a', 'run/a/ckpt/10', 'run/a/ckpt/2', 'run/ab', 'run/ab/sample/1']);
    expect(await store.keysWithPrefix('nothing/')).toEqual([]);
    await deleteKeysWithPrefix(store, 'run/a/');
    expect((await store.keys()).sort()).toEqual(['dataset/a', 'run/a', 'run/ab', 'run/ab/sample/1', 'run0', 'runx']);
  });
});

describe('recordCollection', () => {
  interface Note {
    id: string;
    createdAt: number;
    text: string;
  }
  const notes = recordCollection<Note>('augmentReport', (note) => note.createdAt);
  const note = (id: string, createdAt: number): Note => ({ id, createdAt, text: `note ${id}` });

  it('stores the payload with the current schemaVersion and gives it back without it', async () => {
    const store = openMemoryStore();
    await notes.put(store, storageKeys.augmentReport('a'), note('a', 1));
    expect(await store.get('augment/a')).toEqual({ ...note('a', 1), schemaVersion: CURRENT_SCHEMA_VERSION });
    expect(await notes.get(store, storageKeys.augmentReport('a'))).toStrictEqual(note('a', 1));
    expect(await notes.get(store, storageKeys.augmentReport('missing'))).toBeUndefined();
    expect(notes.entry(storageKeys.augmentReport('b'), note('b', 2))).toEqual(['augment/b', { ...note('b', 2), schemaVersion: CURRENT_SCHEMA_VERSION }]);
  });

  it('refuses a key of another kind', async () => {
    const store = openMemoryStore();
    await expect(notes.put(store, storageKeys.run('a'), note('a', 1))).rejects.toThrow('run/a is not the key of a augmentReport record');
    expect(() => notes.entry('augment/a/b', note('a', 1))).toThrow();
  });

  it('lists its records under a prefix newest first, reading only the keys under the prefix and skipping unreadable ones', async () => {
    const inner = openMemoryStore();
    await inner.setMany([
      notes.entry('augment/old', note('old', 1)),
      ['augment/legacy', note('legacy', 2)], // version 0: no schemaVersion, read as it is
      notes.entry('augment/new', note('new', 3)),
      ['augment/future', { ...note('future', 4), schemaVersion: CURRENT_SCHEMA_VERSION + 1 }],
      ['augment/broken', 'text'],
      ['run/r', { id: 'r', createdAt: 9 }],
    ]);
    const store: KeyValueStore = { ...inner, keys: () => Promise.reject(new Error('a list must not read every key')) };
    expect((await notes.list(store, storagePrefixes.augmentReports)).map((n) => n.id)).toEqual(['new', 'legacy', 'old']);
    await expect(notes.get(store, 'augment/future')).rejects.toThrow(UnreadableRecordError);
    await expect(notes.get(store, 'augment/broken')).rejects.toThrow('The stored record augment/broken cannot be read: this augmentReport record is the string "text", not an object. It is kept unchanged.');
  });
});
