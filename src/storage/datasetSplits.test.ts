import { describe, expect, it } from 'vitest';
import { readImagesAt, readSplit, sampleMembers, splitMembers } from './datasetSplits';
import { saveDataset, type DatasetMeta } from './datasetStore';
import { openMemoryStore } from './memoryStore';

/** 23 images of 2×2 grey, image i filled with i, in chunks of 2: 12 chunks, the last short, more than one read window. */
async function numbered() {
  const store = openMemoryStore();
  const count = 23;
  const pixels = Uint8Array.from({ length: count * 4 }, (_, p) => Math.floor(p / 4));
  const splits = Uint8Array.from({ length: count }, (_, i) => i % 3); // train 0,3,6…; val 1,4,…; test 2,5,…
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 2);
  const meta = await saveDataset(
    store,
    { id: 'n', name: 'numbered', source: 'phantom', description: '', width: 2, height: 2, channels: 1, count, classNames: ['a', 'b'], chunkSize: 2, createdAt: 0 },
    { labels, splits },
    Array.from({ length: Math.ceil(count / 2) }, (_, c) => ({ pixels: pixels.slice(c * 8, Math.min(count * 4, (c + 1) * 8)) })),
  );
  return { store, meta: meta as DatasetMeta, splits, labels };
}

const firstPixels = (pixels: Uint8Array) => Array.from({ length: pixels.length / 4 }, (_, k) => pixels[k * 4]);

describe('dataset splits', () => {
  it('lists the members of a split in ascending order', async () => {
    const { splits, labels } = await numbered();
    expect(splitMembers({ splits, labels }, 'val')).toEqual([1, 4, 7, 10, 13, 16, 19, 22]);
    expect(splitMembers({ splits, labels }, 'train')).toHaveLength(8);
  });

  it('reads one split with labels and indices, across every chunk', async () => {
    const { store, meta } = await numbered();
    const test = await readSplit(store, meta, 'test');
    expect(Array.from(test.indices)).toEqual([2, 5, 8, 11, 14, 17, 20]);
    expect(firstPixels(test.pixels)).toEqual([2, 5, 8, 11, 14, 17, 20]);
    expect(Array.from(test.labels)).toEqual([0, 1, 0, 1, 0, 1, 0]);
    expect(test.count).toBe(7);
  });

  it('reads a seeded subset when asked for fewer than the split holds', async () => {
    const { store, meta } = await numbered();
    const a = await readSplit(store, meta, 'train', { max: 3, seed: 5 });
    const b = await readSplit(store, meta, 'train', { max: 3, seed: 5 });
    expect(a.count).toBe(3);
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
    expect([...a.indices].every((i, k, all) => i % 3 === 0 && (k === 0 || all[k - 1] < i))).toBe(true);
    expect(firstPixels(a.pixels)).toEqual(Array.from(a.indices));
    expect((await readSplit(store, meta, 'train', { max: 100, seed: 5 })).count).toBe(8);
  });

  it('reads images at any indices in the order asked, repeats included, and rejects ones outside', async () => {
    const { store, meta } = await numbered();
    expect(firstPixels(await readImagesAt(store, meta, [22, 0, 13, 0, 1]))).toEqual([22, 0, 13, 0, 1]);
    expect(await readImagesAt(store, meta, [])).toHaveLength(0);
    await expect(readImagesAt(store, meta, [23])).rejects.toThrow(/Image 23 is outside dataset "numbered"/);
  });

  it('samples members as a seeded shuffle, ascending', () => {
    expect(sampleMembers([1, 2, 3], 5, 1)).toEqual([1, 2, 3]);
    const chosen = sampleMembers(Array.from({ length: 50 }, (_, i) => i), 10, 7);
    expect(chosen).toEqual([...chosen].sort((x, y) => x - y));
    expect(new Set(chosen).size).toBe(10);
    expect(sampleMembers(Array.from({ length: 50 }, (_, i) => i), 10, 7)).toEqual(chosen);
  });
});
