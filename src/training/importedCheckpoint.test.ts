/**
 * What a run file import measures on the checkpoint it brought (importedCheckpoint.ts): the sample
 * grid the trainer would have drawn at that step (same fixed noise, same weights), with its
 * diversity when the dataset is here, and the KID the trainer would have measured, in "best".
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfigInput } from '../../models/types';
import { exportRunFile } from '../runfiles/exportRunFile';
import { createRunFilesApi } from '../runfiles/runFilesApi';
import { generatePhantoms } from '../data/phantom';
import { saveDataset } from '../storage/datasetStore';
import { openIdbStore, type KeyValueStore } from '../storage/keyValueStore';
import { phantomRunStore } from '../testing/phantomRunStore';
import { useWasmBackend } from '../testing/wasmBackend';
import { importRunFile } from '../runfiles/importRunFile';
import { storageKeys } from '../storage/schema';
import { measureImportedCheckpoint } from './importedCheckpoint';
import { loadRun, readSamples, saveRun } from './runStore';
import type { RunSettings, SampleGrid } from './runTypes';
import { Trainer, type TrainerHooks } from './trainer';

const hooks: TrainerHooks = { emit: () => undefined, replaceBackend: async () => tf.getBackend(), backendName: () => tf.getBackend() };
const MODEL: ModelConfigInput = { kind: 'dcgan', width: 8, latentDim: 16, batchSize: 4, numClasses: 2, seed: 5 };
const settings = (totalSteps: number, checkpointEvery = 100): RunSettings => ({
  name: 'tiny dcgan', datasetId: 'ds', model: MODEL, totalSteps, readbackEvery: 2, sampleEvery: 100, checkpointEvery, keepCheckpoints: 3, samplesPerClass: 3, seed: 9,
});

async function train(store: KeyValueStore, totalSteps: number, checkpointEvery?: number): Promise<void> {
  const trainer = await Trainer.create(store, 'run-a', settings(totalSteps, checkpointEvery), hooks);
  try {
    await trainer.run();
  } finally {
    trainer.dispose();
  }
}

async function gridAt(store: KeyValueStore, runId: string, step: number): Promise<SampleGrid> {
  const ref = (await loadRun(store, runId)).samples.find((s) => s.step === step);
  expect(ref, `run ${runId} has a grid at step ${step}`).toBeDefined();
  return (await readSamples(store, ref!))!;
}

/** Dataset `ds` with held-out images: 40 training and 24 validation head-CT phantoms, enough to rate checkpoints by KID. */
async function heldOutStore(name: string): Promise<KeyValueStore> {
  const store = openIdbStore(`${name}-${Math.random()}`);
  const set = generatePhantoms({ modality: 'head-ct', size: 32, count: 64, seed: 3 });
  const splits = Uint8Array.from({ length: 64 }, (_, i) => (i < 40 ? 0 : 1));
  await saveDataset(
    store,
    { id: 'ds', name: 'phantoms', source: 'phantom', description: '', width: 32, height: 32, channels: 1, count: 64, classNames: ['normal', 'haemorrhage'], chunkSize: 64, createdAt: 0 },
    { labels: set.labels, splits },
    [{ pixels: set.images }],
  );
  return store;
}

beforeAll(async () => {
  await useWasmBackend();
});

describe('the sample grid of an imported run', () => {
  it('continuing in place draws the grid the trainer draws at that step, with its diversity', async () => {
    // The same run trained to 7 elsewhere (training is deterministic): its trainer drew a grid at 7.
    const elsewhere = await phantomRunStore('grid-elsewhere');
    await train(elsewhere, 7);
    const file = await exportRunFile(elsewhere, 'run-a', { includeOptimizer: true });

    const store = await phantomRunStore('grid-here');
    await train(store, 4);
    const api = createRunFilesApi(store, async () => undefined);
    const imported = await api.importRunFile(file.bytes, 'tiny-dcgan-step7.phantomrun');
    expect(imported).toMatchObject({ runId: 'run-a', continued: true, step: 7 });

    const record = await loadRun(store, 'run-a');
    expect(record.samples.map((s) => s.step)).toEqual([0, 4, 7]); // the trainer draws at 0 and at its end
    const drawn = await gridAt(store, 'run-a', 7);
    const trained = await gridAt(elsewhere, 'run-a', 7);
    expect(drawn.pixels).toEqual(trained.pixels);
    expect(drawn.labels).toEqual(Int32Array.from([0, 0, 0, 1, 1, 1]));
    expect(record.samples.at(-1)!.diversity).toEqual((await loadRun(elsewhere, 'run-a')).samples.at(-1)!.diversity);
    expect(record.log.at(-1)!.text).toBe("Sample grid at step 7 drawn from the imported weights (the run's fixed noise)");
  }, 120_000);

  it('a new run gets its grid too; without its dataset the grid has no diversity and the log says so', async () => {
    const store = await phantomRunStore('grid-source');
    await train(store, 4);
    const file = await exportRunFile(store, 'run-a', { includeOptimizer: true });
    const trained = await gridAt(store, 'run-a', 4);

    const copy = await createRunFilesApi(store, async () => undefined).importRunFile(file.bytes, 'tiny-dcgan.phantomrun', 'new');
    expect(copy.continued).toBe(false);
    expect((await gridAt(store, copy.runId, 4)).pixels).toEqual(trained.pixels);
    expect((await loadRun(store, copy.runId)).samples[0]!.diversity).toEqual((await loadRun(store, 'run-a')).samples.at(-1)!.diversity);

    const bare = openIdbStore(`grid-bare-${Math.random()}`); // no dataset "ds" here
    const stranger = await createRunFilesApi(bare, async () => undefined).importRunFile(file.bytes, 'tiny-dcgan.phantomrun');
    expect((await gridAt(bare, stranger.runId, 4)).pixels).toEqual(trained.pixels);
    const record = await loadRun(bare, stranger.runId);
    expect(record.samples[0]!.diversity).toBeUndefined();
    expect(record.log.at(-1)!.text).toMatch(/^Sample grid at step 4 drawn from the imported weights \(the run's fixed noise; its dataset is not here, so its variety is not measured\)$/);
  }, 120_000);

  it('measures the imported checkpoint\'s KID as the trainer does, and "best" weighs it against the run\'s own', async () => {
    const elsewhere = await heldOutStore('kid-elsewhere');
    await train(elsewhere, 4, 2);
    const trained = await loadRun(elsewhere, 'run-a');
    const kidAt4 = trained.checkpoints.find((c) => c.step === 4)!.quality!;
    expect(kidAt4).toMatchObject({ metric: 'kid', n: 24 });

    const store = await heldOutStore('kid-here');
    await train(store, 2, 2);
    const file = await exportRunFile(elsewhere, 'run-a', { includeOptimizer: true });
    await createRunFilesApi(store, async () => undefined).importRunFile(file.bytes, 'tiny-dcgan-step4.phantomrun');

    const record = await loadRun(store, 'run-a');
    const imported = record.checkpoints.find((c) => c.step === 4)!;
    expect(imported.quality!.value).toBe(kidAt4.value);
    expect(record.best!.step).toBe(trained.best!.step);
    expect(record.best!.quality!.value).toBe(trained.best!.quality!.value);
    expect(record.history.find((r) => r.step === 4)!.values.kid).toBe(kidAt4.value);
    const kid = kidAt4.value.toPrecision(3);
    expect(record.log.at(-1)!.text).toBe(record.best!.step === 4
      ? `Checkpoint quality at step 4: KID ${kid} (24 generated against 24 held-out images), now the best checkpoint`
      : `Checkpoint quality at step 4: KID ${kid} (24 generated against 24 held-out images); the best stays step 2 (KID ${record.best!.quality!.value.toPrecision(3)})`);
  }, 120_000);

  it('deletes a best it displaces when the run no longer keeps it', async () => {
    const elsewhere = await heldOutStore('displace-elsewhere');
    await train(elsewhere, 4, 2);
    const store = await heldOutStore('displace-here');
    await train(store, 2, 2);
    // An old best outside the kept checkpoints, rated far worse than anything the import brings.
    const record = await loadRun(store, 'run-a');
    const kept = record.checkpoints.at(-1)!;
    const oldBest = { ...kept, step: 1, key: storageKeys.checkpoint('run-a', 1), quality: { metric: 'kid' as const, value: 1e9, n: 24, ms: 0 } };
    await store.setMany([[oldBest.key, await store.get(kept.key)]]);
    await saveRun(store, { ...record, best: oldBest });

    const file = await exportRunFile(elsewhere, 'run-a', { includeOptimizer: true });
    await createRunFilesApi(store, async () => undefined).importRunFile(file.bytes, 'tiny-dcgan-step4.phantomrun');
    const after = await loadRun(store, 'run-a');
    expect(after.best!.step).not.toBe(1);
    expect(await store.get(oldBest.key)).toBeUndefined();
    for (const c of after.checkpoints) expect(await store.get(c.key)).toBeDefined();
  }, 120_000);

  it('measures only the imported checkpoint: when its bytes do not verify, it says so and measures no older one in its name', async () => {
    const elsewhere = await phantomRunStore('unreadable-elsewhere');
    await train(elsewhere, 4);
    const store = await phantomRunStore('unreadable-here');
    await train(store, 2);
    const file = await exportRunFile(elsewhere, 'run-a', { includeOptimizer: true });
    await importRunFile(store, file.bytes, 'tiny-dcgan-step4.phantomrun'); // stored, not measured yet
    const before = await loadRun(store, 'run-a');
    await store.setMany([[storageKeys.checkpoint('run-a', 4), new Uint8Array([1, 2, 3])]]);

    const measures = await measureImportedCheckpoint(store, 'run-a', 4);
    expect(measures).toEqual({ grid: null, quality: null });
    const after = await loadRun(store, 'run-a');
    expect(after.samples).toEqual(before.samples);
    expect(after.log.at(-1)!.text).toMatch(/^The imported checkpoint was not measured \(no sample grid, no quality\): its checkpoint at step 4 is unreadable \(checksum mismatch \(torn or corrupted write\)\)$/);
  }, 120_000);
});
