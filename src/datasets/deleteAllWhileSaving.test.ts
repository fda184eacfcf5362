/**
 * "Delete all my data" pressed while a dataset is being saved (the built-in phantoms made at first
 * start, an import waiting in its preview): the wiped store must end empty, with no dataset listed
 * as damaged, and the phantoms must be made again properly afterwards. Before the fix the save
 * went on writing after the wipe and committed a pointer to a dataset whose first chunks were gone.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openIdbStore, wipeStore, type KeyValueStore } from '../storage/keyValueStore';
import { commitDataset, datasetSavesInOtherTabs, discardStaged, listDatasetsChecked, readImages, saveDataset, stageChunks, type DatasetChunk } from '../storage/datasetStore';
import { isCancelledError } from '../core/jobControl';
import { tryHoldLock } from '../core/tabLocks';
import { savePhantomDataset } from './phantomDataset';
import type { Progress } from '../core/jobControl';

let dbCounter = 0;
const freshStore = () => openIdbStore(`wipe-test-${dbCounter++}`);
/** The built-in set's recipe, smaller: 700 images make three chunks of 256, 256 and 188. */
const PHANTOMS = { modality: 'head-ct', size: 32, count: 700, seed: 42, name: 'Built-in head CT phantoms' } as const;

const meta = (id: string, count: number) => ({
  id,
  name: `set ${id}`,
  source: 'import' as const,
  description: 'test',
  width: 4,
  height: 4,
  channels: 1 as const,
  count,
  classNames: ['a', 'b'],
  chunkSize: 2,
  createdAt: Date.now(),
});
const index = (count: number) => ({ labels: new Uint8Array(count), splits: new Uint8Array(count) });
const chunks = (count: number): DatasetChunk[] => Array.from({ length: Math.ceil(count / 2) }, (_, c) => ({ pixels: new Uint8Array(16 * Math.min(2, count - 2 * c)).fill(c + 1) }));

async function expectEmpty(store: KeyValueStore): Promise<void> {
  expect(await listDatasetsChecked(store)).toEqual([]);
  expect(await store.keys()).toEqual([]);
}

describe('"Delete all my data" while a dataset is being saved', () => {
  it('stops the built-in phantoms being made: nothing is left, nothing damaged, and they are made again properly', async () => {
    const store = freshStore();
    let wiped: Promise<void> | null = null;
    const onProgress = (p: Progress) => {
      // 512 done: chunk 0 is stored, chunk 1 is about to be: the user presses Delete all now.
      if (p.done === 512 && !wiped) wiped = wipeStore(store);
    };
    const outcome = await savePhantomDataset(store, PHANTOMS, onProgress).then(
      () => 'saved',
      (error: unknown) => (isCancelledError(error) ? `cancelled: ${(error as Error).message}` : `failed: ${String(error)}`),
    );
    expect(wiped).not.toBeNull();
    await wiped;
    expect(outcome).toMatch(/^cancelled: Saving dataset "Built-in head CT phantoms" was cancelled: all data was deleted/);
    await expectEmpty(store);

    // The next start makes them again: whole, listed without damage, every image readable.
    const again = await savePhantomDataset(store, PHANTOMS, () => undefined);
    const listed = await listDatasetsChecked(store);
    expect(listed.map((d) => [d.id, d.count, d.damage])).toEqual([[again.id, 700, undefined]]);
    expect((await readImages(store, again, 0, 700)).length).toBe(700 * 32 * 32);
  });

  it('refuses to commit an import staged before the wipe, and leaves the store empty', async () => {
    const store = freshStore();
    const staged = await stageChunks(store, meta('ds-staged', 5), chunks(5));
    await wipeStore(store);
    await expect(commitDataset(store, meta('ds-staged', 5), index(5), staged.chunkCount)).rejects.toSatisfy(isCancelledError);
    await expectEmpty(store);
  });

  it('keeps what is saved after the wipe, and what other stores hold (nothing the user stores later is lost)', async () => {
    const store = freshStore();
    const other = freshStore();
    await saveDataset(store, meta('ds-before', 3), index(3), chunks(3));
    const elsewhere = await stageChunks(other, meta('ds-other', 3), chunks(3));
    await wipeStore(store);
    const after = await saveDataset(store, meta('ds-after', 3), index(3), chunks(3));
    // A save into another store was not wiped: it commits as usual.
    await commitDataset(other, meta('ds-other', 3), index(3), elsewhere.chunkCount);
    expect((await listDatasetsChecked(store)).map((d) => [d.id, d.damage])).toEqual([[after.id, undefined]]);
    expect((await listDatasetsChecked(other)).map((d) => [d.id, d.damage])).toEqual([['ds-other', undefined]]);
  });

  it('counts the saves other tabs hold, not this worker\'s own', async () => {
    const store = freshStore();
    const staged = await stageChunks(store, meta('ds-mine', 3), chunks(3));
    expect(await datasetSavesInOtherTabs()).toBe(0);
    // Another tab's save holds the lock named after its dataset (here the in-process table stands in for Web Locks).
    const release = await tryHoldLock('phantom-studio/dataset-save/ds-theirs');
    expect(await datasetSavesInOtherTabs()).toBe(1);
    release!();
    expect(await datasetSavesInOtherTabs()).toBe(0);
    await discardStaged(store, 'ds-mine', staged.chunkCount);
  });
});
