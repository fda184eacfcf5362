import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../testing/wasmBackend';
import { generatePhantoms } from '../data/phantom';
import { openMemoryStore } from '../storage/memoryStore';
import { getDatasetIndex, getDatasetMeta, listDatasets, readImages, saveDataset } from '../storage/datasetStore';
import type { KeyValueStore } from '../storage/keyValueStore';
import type { Progress } from '../core/jobControl';
import { Trainer } from '../training/trainer';
import { openRunModel } from '../training/openCheckpoint';
import { exportSynthetic } from './syntheticExport';
import { generateFromRun } from './generateFromRun';
import { imageSeed, seedOfImage } from './imageSeeds';
import { latentPath, renderSeeds } from './renderSeeds';
import { interpolateImages, regenerateImage, walkFromRealImage } from './syntheticImageTools';

const SIZE = 32;
const PER = SIZE * SIZE;
const CLASSES = ['normal', 'lesion'];

/** Largest byte difference between two image arrays. */
const maxDiff = (a: Uint8Array, b: Uint8Array) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('streamed synthetic generation with per-image seeds', () => {
  let store: KeyValueStore;
  beforeAll(async () => {
    await useWasmBackend();
    store = openMemoryStore();
    const set = generatePhantoms({ modality: 'head-ct', size: SIZE, count: 120, seed: 6 });
    await saveDataset(
      store,
      { id: 'real', name: 'real', source: 'phantom', description: '', width: SIZE, height: SIZE, channels: 1, count: 120, classNames: CLASSES, chunkSize: 64, createdAt: 0 },
      { labels: Uint8Array.from({ length: 120 }, (_, i) => i % 2), splits: Uint8Array.from({ length: 120 }, (_, i) => (i < 100 ? 0 : 1)) },
      [0, 1].map((c) => ({ pixels: set.images.slice(c * 64 * PER, Math.min(120, (c + 1) * 64) * PER) })),
    );
    const env = { emit: () => undefined, replaceBackend: async () => 'cpu', backendName: () => 'cpu' };
    const common = { datasetId: 'real', totalSteps: 1, readbackEvery: 1, sampleEvery: 1, checkpointEvery: 1, keepCheckpoints: 1, samplesPerClass: 1, seed: 1 };
    (await Trainer.create(store, 'gan', { ...common, name: 'tiny gan', model: { kind: 'dcgan', width: 4, latentDim: 8, batchSize: 8, seed: 2, numClasses: 2 } }, env)).dispose();
    (await Trainer.create(store, 'vae', { ...common, name: 'tiny vae', model: { kind: 'vae', width: 4, latentDim: 8, batchSize: 8, seed: 2 } }, env)).dispose();
  }, 120_000);

  const request = { runId: 'gan', checkpoint: 'latest' as const, seed: 9, dropFlagged: false };

  it('streams: each slice is generated, audited and written in chunks of at most 256 before the next slice is made; the result equals one pass', async () => {
    const writes: { images: number; doneWhenWritten: number }[] = [];
    let done = 0;
    const spied: KeyValueStore = Object.create(store, {
      setMany: {
        value: async (entries: [string, unknown][]) => {
          for (const [key, value] of entries) if (key.includes('chunk') && value instanceof Uint8Array) writes.push({ images: value.length / PER, doneWhenWritten: done });
          return store.setMany(entries as never);
        },
      },
    });
    const total = 600;
    const progress: Progress[] = [];
    const { meta } = await exportSynthetic(spied, { ...request, plan: { kind: 'one', classIndex: 1, count: total } }, (p) => {
      done = p.done;
      progress.push(p);
    }, undefined, { slice: 200 });
    expect(writes.map((w) => w.images)).toEqual([256, 256, 88]);
    // The first chunk left for storage once the second slice was audited, before the third was made.
    expect(writes.map((w) => w.doneWhenWritten)).toEqual([400, 600, 600]);
    expect(progress.filter((p) => p.label.includes('(audited)')).map((p) => p.done)).toEqual([200, 400, 600]);
    expect(progress.every((p) => p.total === total)).toBe(true);
    // Streaming changes nothing about the images: a single pass with the same seed makes the same ones.
    const whole = await generateFromRun(store, 'gan', { checkpoint: 'latest', count: total, seed: 9, labels: new Uint8Array(total).fill(1) });
    expect(maxDiff(await readImages(store, meta, 0, total), whole.pixels)).toBe(0);
  }, 240_000);

  it('a cancel part-way through, after chunks were written, leaves nothing: no dataset, no chunks, the store as it was', async () => {
    const before = (await store.keys()).sort();
    const datasets = (await listDatasets(store)).length;
    let reports = 0;
    let chunksWritten = 0;
    const spied: KeyValueStore = Object.create(store, {
      setMany: {
        value: async (entries: [string, unknown][]) => {
          chunksWritten += entries.filter(([key]) => key.includes('chunk')).length;
          return store.setMany(entries as never);
        },
      },
    });
    // Cancelled during the second slice, after the first slice (300 images) filled and wrote a chunk.
    const cancel = { isCancelled: () => chunksWritten > 0 && reports > 14 };
    await expect(exportSynthetic(spied, { ...request, plan: { kind: 'even', count: 600 } }, () => void reports++, cancel, { slice: 300 })).rejects.toMatchObject({ name: 'CancelledError' });
    expect(chunksWritten).toBe(1);
    expect((await store.keys()).sort()).toEqual(before);
    expect((await listDatasets(store)).length).toBe(datasets);
  }, 240_000);

  it('image i depends on its own seed only: alone or in a batch, and cpu vs wasm within float tolerance', async () => {
    const { model, ema } = await openRunModel(store, 'gan', 'latest');
    const seeds = Array.from({ length: 40 }, (_, i) => imageSeed(3, i));
    const labels = Int32Array.from({ length: 40 }, (_, i) => i % 2);
    const batch = await renderSeeds(model, ema, seeds, labels);
    const alone = await renderSeeds(model, ema, [seeds[37]], Int32Array.of(labels[37]));
    model.dispose();
    expect(maxDiff(alone, batch.subarray(37 * PER, 38 * PER))).toBeLessThanOrEqual(1);
    expect(imageSeed(3, 37)).not.toBe(imageSeed(3, 36));
    expect(imageSeed(3, 37)).not.toBe(imageSeed(4, 37));

    const wasm = await generateFromRun(store, 'gan', { checkpoint: 'latest', count: 12, seed: 3 });
    const again = await generateFromRun(store, 'gan', { checkpoint: 'latest', count: 12, seed: 3 });
    expect(maxDiff(again.pixels, wasm.pixels)).toBe(0);
    await tf.setBackend('cpu');
    try {
      const cpu = await generateFromRun(store, 'gan', { checkpoint: 'latest', count: 12, seed: 3 });
      const cpuAgain = await generateFromRun(store, 'gan', { checkpoint: 'latest', count: 12, seed: 3 });
      expect(maxDiff(cpuAgain.pixels, cpu.pixels)).toBe(0);
      // Bytes of images in [-1, 1]: float differences of ~1e-6 may round one level apart.
      expect(maxDiff(cpu.pixels, wasm.pixels)).toBeLessThanOrEqual(1);
    } finally {
      await useWasmBackend();
    }
  }, 120_000);

  it('regenerate one image replaces just that one, with the next draw of its seed stream, recorded in the provenance', async () => {
    const { meta } = await exportSynthetic(store, { ...request, plan: { kind: 'one', classIndex: 0, count: 16 } }, () => undefined);
    const before = await readImages(store, meta, 0, 16);
    const labelsBefore = (await getDatasetIndex(store, meta.id)).labels;
    const first = await regenerateImage(store, meta.id, 5);
    expect(first.seed).toBe(imageSeed(9, 16 + first.skipped));
    const after = await readImages(store, meta, 0, 16);
    for (let i = 0; i < 16; i++) {
      const same = maxDiff(after.subarray(i * PER, (i + 1) * PER), before.subarray(i * PER, (i + 1) * PER)) === 0;
      expect(same).toBe(i !== 5);
    }
    const stored = await getDatasetMeta(store, meta.id);
    expect(stored.provenance!.regenerated).toEqual([{ index: 5, seed: first.seed, draw: 16 + first.skipped }]);
    expect(seedOfImage(stored.provenance!, 5, 16)).toBe(first.seed);
    expect(seedOfImage(stored.provenance!, 4, 16)).toBe(imageSeed(9, 4));
    expect((await getDatasetIndex(store, meta.id)).labels).toEqual(labelsBefore);
    // The seed in the provenance remakes the image; a second regeneration takes a later draw.
    const { model, ema } = await openRunModel(store, 'gan', 'latest');
    expect(maxDiff(await renderSeeds(model, ema, [first.seed], Int32Array.of(0)), after.subarray(5 * PER, 6 * PER))).toBeLessThanOrEqual(1);
    model.dispose();
    const second = await regenerateImage(store, meta.id, 5);
    expect(second.seed).not.toBe(first.seed);
    expect((await getDatasetMeta(store, meta.id)).provenance!.regenerated).toHaveLength(2);
  }, 120_000);

  it('interpolation strips run from image a to image b (slerp for GANs, linear for the VAE); a VAE encodes a real image and walks from it', async () => {
    const { meta } = await exportSynthetic(store, { ...request, plan: { kind: 'one', classIndex: 1, count: 8 } }, () => undefined);
    const images = await readImages(store, meta, 0, 8);
    const strip = await interpolateImages(store, meta.id, 2, 6, 5);
    expect(strip.count).toBe(5);
    expect(maxDiff(strip.pixels.subarray(0, PER), images.subarray(2 * PER, 3 * PER))).toBeLessThanOrEqual(1);
    expect(maxDiff(strip.pixels.subarray(4 * PER), images.subarray(6 * PER, 7 * PER))).toBeLessThanOrEqual(1);
    expect(maxDiff(strip.pixels.subarray(2 * PER, 3 * PER), images.subarray(2 * PER, 3 * PER))).toBeGreaterThan(0);

    const vae = await exportSynthetic(store, { ...request, runId: 'vae', plan: { kind: 'even', count: 6 } }, () => undefined);
    const vaeImages = await readImages(store, vae.meta, 0, 6);
    const vaeStrip = await interpolateImages(store, vae.meta.id, 0, 3, 4);
    expect(maxDiff(vaeStrip.pixels.subarray(3 * PER), vaeImages.subarray(3 * PER, 4 * PER))).toBeLessThanOrEqual(1);

    const walk = await walkFromRealImage(store, { runId: 'vae', checkpoint: 'latest', realIndex: 7, frames: 5, towards: { kind: 'sample', seed: imageSeed(1, 0) } });
    expect(walk.real).toEqual(await readImages(store, await getDatasetMeta(store, 'real'), 7, 1));
    expect(walk.reconstruction.length).toBe(PER);
    // The walk starts at the reconstruction and ends at the sample drawn from the seed.
    expect(maxDiff(walk.walk.pixels.subarray(0, PER), walk.reconstruction)).toBeLessThanOrEqual(1);
    const { model } = await openRunModel(store, 'vae', 'latest');
    expect(maxDiff(walk.walk.pixels.subarray(4 * PER), await renderSeeds(model, false, [imageSeed(1, 0)], null))).toBeLessThanOrEqual(1);
    model.dispose();
    const along = await walkFromRealImage(store, { runId: 'vae', checkpoint: 'latest', realIndex: 7, frames: 3, towards: { kind: 'dimension', dimension: 2 } });
    expect(along.walk.count).toBe(3);
    await expect(walkFromRealImage(store, { runId: 'gan', checkpoint: 'latest', realIndex: 0, frames: 3, towards: { kind: 'dimension', dimension: 0 } })).rejects.toThrow('needs a VAE run; this run is a dcgan');
  }, 120_000);

  it('latent paths: slerp keeps the ends, the norm of unit vectors, and lerp is the straight line', () => {
    const a = Float32Array.of(1, 0);
    const b = Float32Array.of(0, 1);
    const s = latentPath(a, b, 3, 'slerp');
    expect(Array.from(s.subarray(0, 2))).toEqual([1, 0]);
    expect(s[2]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(Math.hypot(s[2], s[3])).toBeCloseTo(1, 6);
    expect(Array.from(latentPath(a, b, 3, 'linear').subarray(2, 4))).toEqual([0.5, 0.5]);
    expect(() => latentPath(a, b, 1, 'linear')).toThrow('at least 2 frames');
  });
});
