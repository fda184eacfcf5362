/** The model library's cards: the stored dataset's fingerprint (the same as a run file's card), training time, and a deleted dataset. */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../testing/wasmBackend';
import { phantomRunStore } from '../testing/phantomRunStore';
import { RunManager } from '../training/runManager';
import { getDatasetMeta, deleteDataset } from '../storage/datasetStore';
import { datasetFingerprint, trainingSeconds } from './runCard';
import { libraryCards } from './libraryCard';

beforeAll(async () => {
  await useWasmBackend();
});

describe('library cards', () => {
  it('carry the dataset fingerprint (counts per class and split, pixel SHA-256) and the training time; none once the dataset is gone', async () => {
    const store = await phantomRunStore('lib-cards');
    const manager = new RunManager(store, { name: () => tf.getBackend(), replace: async () => tf.getBackend() });
    const run = await manager.create({
      name: 'card', datasetId: 'ds', model: { kind: 'dcgan', width: 2, latentDim: 8, batchSize: 2, seed: 5 },
      totalSteps: 2, readbackEvery: 1, sampleEvery: 2, checkpointEvery: 2, keepCheckpoints: 1, samplesPerClass: 1, seed: 9,
    });
    await expect.poll(async () => (await manager.get(run.id)).status, { timeout: 60_000 }).toBe('finished');
    const [card] = await libraryCards(store);
    const expected = await datasetFingerprint(store, await getDatasetMeta(store, 'ds'));
    expect(card.runId).toBe(run.id);
    expect(card.dataset).toEqual(expected);
    expect(card.datasetSource).toBe('stored');
    expect(card.dataset!.perSplit.train.reduce((a, b) => a + b, 0) + card.dataset!.perSplit.val.reduce((a, b) => a + b, 0) + card.dataset!.perSplit.test.reduce((a, b) => a + b, 0)).toBe(16);
    expect(card.dataset!.pixelsSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(card.trainingSeconds).toBeCloseTo(trainingSeconds((await manager.get(run.id)).history), 6);
    expect(card.trainingSeconds).toBeGreaterThan(0);
    expect(card.evaluation).toBeNull();
    expect(card.audit).toBeNull();

    await deleteDataset(store, 'ds');
    const [after] = await libraryCards(store);
    expect(after.dataset).toBeNull();
    expect(after.datasetSource).toBe('none');
  }, 90_000);
});
