/**
 * The sample grid a run file import draws at the imported step: the same grid the trainer would
 * have drawn there (same fixed noise, same weights), with its diversity when the dataset is here.
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfigInput } from '../../models/types';
import { exportRunFile } from '../runfiles/exportRunFile';
import { createRunFilesApi } from '../runfiles/runFilesApi';
import { openIdbStore, type KeyValueStore } from '../storage/keyValueStore';
import { phantomRunStore } from '../testing/phantomRunStore';
import { useWasmBackend } from '../testing/wasmBackend';
import { loadRun, readSamples } from './runStore';
import type { RunSettings, SampleGrid } from './runTypes';
import { Trainer, type TrainerHooks } from './trainer';

const hooks: TrainerHooks = { emit: () => undefined, replaceBackend: async () => tf.getBackend(), backendName: () => tf.getBackend() };
const MODEL: ModelConfigInput = { kind: 'dcgan', width: 8, latentDim: 16, batchSize: 4, numClasses: 2, seed: 5 };
const settings = (totalSteps: number): RunSettings => ({
  name: 'tiny dcgan', datasetId: 'ds', model: MODEL, totalSteps, readbackEvery: 2, sampleEvery: 100, checkpointEvery: 100, keepCheckpoints: 2, samplesPerClass: 3, seed: 9,
});

async function train(store: KeyValueStore, totalSteps: number): Promise<void> {
  const trainer = await Trainer.create(store, 'run-a', settings(totalSteps), hooks);
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
});
