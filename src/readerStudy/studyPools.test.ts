import { describe, expect, it } from 'vitest';
import { saveDataset, type DatasetMeta, type DatasetProvenance } from '../storage/datasetStore';
import { openMemoryStore } from '../storage/memoryStore';
import { realPool, syntheticPool } from './studyPools';

async function stored(store: ReturnType<typeof openMemoryStore>, id: string, provenance?: DatasetProvenance) {
  const count = 12;
  const pixels = Uint8Array.from({ length: count * 4 }, (_, p) => Math.floor(p / 4));
  const splits = Uint8Array.from({ length: count }, (_, i) => i % 3); // test = 2, 5, 8, 11
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 2);
  return (await saveDataset(
    store,
    { id, name: id, source: 'phantom', description: '', width: 2, height: 2, channels: 1, count, classNames: ['a', 'b'], chunkSize: 4, createdAt: 0, ...(provenance ? { provenance } : {}) },
    { labels, splits },
    [0, 1, 2].map((c) => ({ pixels: pixels.slice(c * 16, (c + 1) * 16) })),
  )) as DatasetMeta;
}

describe('study pools', () => {
  it('real images come from the held-out split only; synthetic sets need provenance', async () => {
    const store = openMemoryStore();
    const real = await stored(store, 'real');
    const synth = await stored(store, 'synth', { runId: 'r1' } as unknown as DatasetProvenance);
    const pool = await realPool(store, real, 1);
    expect(pool.images.map((im) => im.pixels[0])).toEqual([2, 5, 8, 11]);
    expect(pool.images.map((im) => im.classIndex)).toEqual([0, 1, 0, 1]);
    expect((await syntheticPool(store, synth, 1)).images).toHaveLength(12);
    await expect(syntheticPool(store, real, 1)).rejects.toThrow(/no synthetic provenance/);
    await expect(realPool(store, synth, 1)).rejects.toThrow(/is a synthetic set/);
  });
});
