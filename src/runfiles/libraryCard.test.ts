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
import { exportRunFile } from './exportRunFile';
import { importRunFile } from './importRunFile';
import { deleteRun } from '../training/runStore';
import { saveAugmentReport } from '../augment/augmentReportStore';
import { deleteKeysWithPrefix } from '../storage/keyValueStore';
import { storagePrefixes } from '../storage/schema';
import { augmentReportFixture } from '../testing/augmentReportFixture';

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

  it('show the latest augment experiment on the run\'s synthetic images; the run file\'s card carries it and an imported run shows it as from the file', async () => {
    const store = await phantomRunStore('lib-cards-augment');
    const manager = new RunManager(store, { name: () => tf.getBackend(), replace: async () => tf.getBackend() });
    const run = await manager.create({
      name: 'augmented', datasetId: 'ds', model: { kind: 'dcgan', width: 2, latentDim: 8, batchSize: 2, numClasses: 2, seed: 5 },
      totalSteps: 2, readbackEvery: 1, sampleEvery: 2, checkpointEvery: 2, keepCheckpoints: 1, samplesPerClass: 1, seed: 9,
    });
    await expect.poll(async () => (await manager.get(run.id)).status, { timeout: 60_000 }).toBe('finished');
    expect((await libraryCards(store))[0]).toMatchObject({ augment: null, augmentSource: 'none' });
    expect((await exportRunFile(store, run.id)).card.augment).toBeNull();

    const experiment = (id: string, createdAt: number, runId: string, b: number) =>
      augmentReportFixture({
        id, createdAt, syntheticDatasetId: `synth-${id}`, syntheticRun: { id: runId, name: 'augmented' }, seeds: 3,
        arms: [
          { id: 'A', title: 'A · real only', balancedAccuracy: [0.8, 0.01], sensitivity: [[0.7, 0.02], [0.9, 0.01]] },
          { id: 'B', title: 'B · real + synthetic', balancedAccuracy: [b, 0.01], sensitivity: [[0.7, 0.02], [0.9, 0.01]] },
        ],
        differences: [{ from: 'A', to: 'B', metric: 'balancedAccuracy', mean: b - 0.8, low: b - 0.82, high: b - 0.78 }],
      });
    await saveAugmentReport(store, experiment('older', 1_000, run.id, 0.79));
    await saveAugmentReport(store, experiment('newer', 2_000, run.id, 0.86));
    await saveAugmentReport(store, experiment('another-run', 3_000, 'someone-else', 0.5));

    const [card] = await libraryCards(store);
    expect(card.augmentSource).toBe('stored');
    expect(card.augment).toMatchObject({ reportId: 'newer', tone: 'helped', seeds: 3, metric: 'balanced accuracy' });
    expect(card.augment!.headline).toMatch(/^Adding synthetic images helped: balanced accuracy B − A = \+6\.0 points/);
    expect(card.augment!.arms.map((a) => a.value.mean)).toEqual([0.8, 0.86]);

    const file = await exportRunFile(store, run.id);
    expect(file.card.augment).toEqual(card.augment);

    // Elsewhere (no report stored), the imported run shows what its file's card carried, marked as such.
    await deleteRun(store, run.id);
    await deleteKeysWithPrefix(store, storagePrefixes.augmentReports);
    const imported = await importRunFile(store, file.bytes, file.fileName);
    const importedCard = (await libraryCards(store)).find((c) => c.runId === imported.runId)!;
    expect(importedCard.augmentSource).toBe('run file');
    expect(importedCard.augment).toEqual(JSON.parse(JSON.stringify(card.augment)));
  }, 120_000);
});
