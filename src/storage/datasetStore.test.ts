import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openIdbStore, StorageFullError, type KeyValueStore } from './keyValueStore';
import { commitDataset, deleteDataset, discardStaged, getDatasetIndex, listDatasets, listDatasetsChecked, readImages, removeOrphanChunks, saveDataset, stageChunks, type DatasetChunk } from './datasetStore';

let dbCounter = 0;
const freshStore = () => openIdbStore(`test-db-${dbCounter++}`);

function pattern(count: number, perImage: number, seed: number): Uint8Array {
  const out = new Uint8Array(count * perImage);
  for (let i = 0; i < out.length; i++) out[i] = (i * 31 + seed * 7 + (i >> 5)) & 255;
  return out;
}

function* chunked(pixels: Uint8Array, perImage: number, chunkSize: number): Generator<DatasetChunk> {
  for (let start = 0; start < pixels.length; start += chunkSize * perImage) {
    yield { pixels: pixels.slice(start, start + chunkSize * perImage) };
  }
}

function metaFor(id: string, count: number, chunkSize: number) {
  return {
    id,
    name: `set ${id}`,
    source: 'phantom' as const,
    description: 'test',
    width: 8,
    height: 8,
    channels: 1 as const,
    count,
    classNames: ['a', 'b'],
    chunkSize,
    createdAt: Date.now(),
  };
}

/** Wraps a store so that writes fail with the browser's QuotaExceededError once `budget` bytes are used. */
function withQuota(inner: KeyValueStore, budget: number): KeyValueStore {
  let used = 0;
  return {
    ...inner,
    async setMany(entries) {
      const bytes = entries.reduce((sum, [, v]) => sum + (v instanceof Uint8Array ? v.byteLength : 64), 0);
      if (used + bytes > budget) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      used += bytes;
      return inner.setMany(entries);
    },
  };
}

describe('chunked dataset storage', () => {
  it('round-trips images across chunk boundaries, with labels and splits', async () => {
    const store = freshStore();
    const perImage = 64;
    const pixels = pattern(23, perImage, 1);
    const labels = Uint8Array.from({ length: 23 }, (_, i) => i % 2);
    const splits = Uint8Array.from({ length: 23 }, (_, i) => i % 3);
    const meta = await saveDataset(store, metaFor('a', 23, 5), { labels, splits }, chunked(pixels, perImage, 5));
    expect(meta.chunkCount).toBe(5);
    expect(meta.byteLength).toBe(23 * perImage);
    // Every chunk is its own stored value.
    expect((await store.keys()).filter((k) => k.includes('/chunk/'))).toHaveLength(5);
    expect(await readImages(store, meta, 0, 23)).toEqual(pixels);
    expect(await readImages(store, meta, 4, 7)).toEqual(pixels.slice(4 * perImage, 11 * perImage));
    expect(await readImages(store, meta, 22, 1)).toEqual(pixels.slice(22 * perImage));
    const index = await getDatasetIndex(store, 'a');
    expect(index.labels).toEqual(labels);
    expect(index.splits).toEqual(splits);
    await expect(readImages(store, meta, 20, 5)).rejects.toThrow(/outside dataset/);
  });

  it('a full disk gives a clear error and leaves earlier datasets intact', async () => {
    const inner = freshStore();
    const perImage = 64;
    const first = pattern(10, perImage, 2);
    const index = { labels: new Uint8Array(10), splits: new Uint8Array(10) };
    const store = withQuota(inner, 10 * perImage + 200 + 4 * perImage);
    const firstMeta = await saveDataset(store, metaFor('first', 10, 4), index, chunked(first, perImage, 4));

    const big = pattern(40, perImage, 3);
    const bigIndex = { labels: new Uint8Array(40), splits: new Uint8Array(40) };
    const failure = saveDataset(store, metaFor('second', 40, 4), bigIndex, chunked(big, perImage, 4));
    await expect(failure).rejects.toBeInstanceOf(StorageFullError);
    await expect(failure).rejects.toThrow(/Nothing was changed/);

    expect((await listDatasets(inner)).map((m) => m.id)).toEqual(['first']);
    expect(await readImages(inner, firstMeta, 0, 10)).toEqual(first);
    // The failed save cleaned up its partial chunks.
    expect((await inner.keys()).filter((k) => k.startsWith('dataset/second'))).toEqual([]);
  });

  it('rejects chunks that do not match the declared image size', async () => {
    const store = freshStore();
    const bad = [{ pixels: new Uint8Array(65) }];
    await expect(
      saveDataset(store, metaFor('bad', 1, 4), { labels: new Uint8Array(1), splits: new Uint8Array(1) }, bad),
    ).rejects.toThrow(/not a whole number/);
    expect(await store.keys()).toEqual([]);
  });

  it('deleting a dataset removes its chunks, and orphan chunks from an interrupted save are swept', async () => {
    const store = freshStore();
    const perImage = 64;
    const index = { labels: new Uint8Array(6), splits: new Uint8Array(6) };
    await saveDataset(store, metaFor('keep', 6, 4), index, chunked(pattern(6, perImage, 4), perImage, 4));
    await saveDataset(store, metaFor('drop', 6, 4), index, chunked(pattern(6, perImage, 5), perImage, 4));
    await deleteDataset(store, 'drop');
    expect((await store.keys()).some((k) => k.startsWith('dataset/drop'))).toBe(false);
    expect((await listDatasets(store)).map((m) => m.id)).toEqual(['keep']);

    await store.setMany([['dataset/ghost/chunk/0', new Uint8Array(64)]]);
    expect(await removeOrphanChunks(store)).toBe(1);
    expect((await store.keys()).some((k) => k.startsWith('dataset/ghost'))).toBe(false);
    expect((await store.keys()).filter((k) => k.startsWith('dataset/keep'))).toHaveLength(4);
  });

  it('the start-up sweep leaves alone a save under way (chunks written, pointer not yet), and removes it once abandoned', async () => {
    const store = freshStore();
    const perImage = 64;
    const meta = metaFor('saving', 6, 4);
    const index = { labels: new Uint8Array(6), splits: new Uint8Array(6) };
    // Another tab starts at this moment: its sweep must not take the chunks from under the save.
    const staged = await stageChunks(store, meta, chunked(pattern(6, perImage, 1), perImage, 4));
    expect(await removeOrphanChunks(store)).toBe(0);
    await commitDataset(store, meta, index, staged.chunkCount);
    expect(await removeOrphanChunks(store)).toBe(0);
    expect(await readImages(store, (await listDatasets(store))[0], 0, 6)).toEqual(pattern(6, perImage, 1));

    // A save that ended without its pointer (discarded, or its tab gone) leaves nothing the sweep keeps.
    const abandoned = metaFor('abandoned', 6, 4);
    const written = await stageChunks(store, abandoned, chunked(pattern(6, perImage, 2), perImage, 4));
    await discardStaged(store, abandoned.id, 0); // releases the save without deleting what it wrote
    expect(written.chunkCount).toBe(2);
    expect(await removeOrphanChunks(store)).toBe(2);
    expect((await store.keys()).some((k) => k.startsWith('dataset/abandoned'))).toBe(false);
  });

  it('lists a dataset whose chunks or labels are missing as damaged, by name', async () => {
    const store = freshStore();
    const perImage = 64;
    const index = { labels: new Uint8Array(6), splits: new Uint8Array(6) };
    await saveDataset(store, metaFor('whole', 6, 4), index, chunked(pattern(6, perImage, 1), perImage, 4));
    await saveDataset(store, metaFor('broken', 6, 4), index, chunked(pattern(6, perImage, 2), perImage, 4));
    await store.delMany(['dataset/broken/chunk/0', 'dataset/broken/chunk/1', 'dataset/broken/index']);
    const listed = await listDatasetsChecked(store);
    expect(listed.find((d) => d.id === 'whole')?.damage).toBeUndefined();
    expect(listed.find((d) => d.id === 'broken')?.damage).toBe(
      'Dataset "set broken" is damaged: 2 of its 2 image chunks are missing and its labels are missing. Delete it and import it again.',
    );
  });
});
