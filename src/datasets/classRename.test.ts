import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../testing/wasmBackend';
import { generatePhantoms } from '../data/phantom';
import { openMemoryStore } from '../storage/memoryStore';
import { getDatasetMeta, getDatasetIndex, renameClass, saveDataset } from '../storage/datasetStore';
import { Trainer } from '../training/trainer';
import { currentClassNames, loadRun } from '../training/runStore';
import { exportSynthetic } from '../generation/syntheticExport';
import { Sampler } from '../generation/sampler';

const SIZE = 32;

beforeAll(async () => {
  await useWasmBackend();
});

async function npzLikeDataset() {
  const store = openMemoryStore();
  const set = generatePhantoms({ modality: 'head-ct', size: SIZE, count: 120, seed: 6 });
  await saveDataset(
    store,
    { id: 'real', name: 'breast', source: 'import', description: '', width: SIZE, height: SIZE, channels: 1, count: 120, classNames: ['0', '1'], chunkSize: 64, createdAt: 0 },
    { labels: set.labels, splits: Uint8Array.from({ length: 120 }, (_, i) => (i < 100 ? 0 : 1)) },
    [0, 1].map((c) => ({ pixels: set.images.slice(c * 64 * SIZE * SIZE, Math.min(120, (c + 1) * 64) * SIZE * SIZE) })),
  );
  return store;
}

describe('renaming a class of a stored dataset', () => {
  it('changes only the name, and refuses empty, too long and duplicate names with the reason', async () => {
    const store = await npzLikeDataset();
    const labelsBefore = (await getDatasetIndex(store, 'real')).labels.slice();
    const renamed = await renameClass(store, 'real', 0, '  benign ');
    expect(renamed.classNames).toEqual(['benign', '1']);
    expect((await getDatasetMeta(store, 'real')).classNames).toEqual(['benign', '1']);
    expect((await getDatasetIndex(store, 'real')).labels).toEqual(labelsBefore);
    await expect(renameClass(store, 'real', 1, '   ')).rejects.toThrow(/cannot be empty/);
    await expect(renameClass(store, 'real', 1, 'benign')).rejects.toThrow(/already has a class named "benign"/);
    await expect(renameClass(store, 'real', 1, 'x'.repeat(65))).rejects.toThrow(/at most 64 characters/);
    await expect(renameClass(store, 'real', 2, 'x')).rejects.toThrow(/has no class 2/);
    expect((await getDatasetMeta(store, 'real')).classNames).toEqual(['benign', '1']);
  });

  it('a run trained before the rename keeps working and shows the new names; synthetic sets made after take them', async () => {
    const store = await npzLikeDataset();
    const trainer = await Trainer.create(
      store,
      'run',
      { name: 'cvae', datasetId: 'real', model: { kind: 'vae', width: 4, latentDim: 8, batchSize: 8, seed: 2, numClasses: 2 }, totalSteps: 1, readbackEvery: 1, sampleEvery: 1, checkpointEvery: 1, keepCheckpoints: 1, samplesPerClass: 1, seed: 1 },
      { emit: () => undefined, replaceBackend: async () => 'cpu', backendName: () => 'cpu' },
    );
    await trainer.run();
    trainer.dispose();
    await renameClass(store, 'real', 0, 'benign');
    await renameClass(store, 'real', 1, 'malignant');
    const run = await loadRun(store, 'run');
    // The stored run is untouched; its names are read from the dataset.
    expect(run.classNames).toEqual(['0', '1']);
    expect(await currentClassNames(store, run)).toEqual(['benign', 'malignant']);
    const sampler = new Sampler(store);
    const info = await sampler.open('run', 'latest');
    expect(info.classNames).toEqual(['benign', 'malignant']);
    sampler.close();
    const { meta } = await exportSynthetic(store, { runId: 'run', checkpoint: 'latest', count: 20, seed: 3, dropFlagged: false }, () => undefined);
    expect(meta.classNames).toEqual(['benign', 'malignant']);
    expect(meta.description).toMatch(/benign/);
  });
});
