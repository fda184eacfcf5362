import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../testing/wasmBackend';
import { phantomRunStore } from '../testing/phantomRunStore';
import { RunManager } from './runManager';
import type { RunEvent } from './runTypes';

beforeAll(async () => {
  await useWasmBackend();
});

describe('the run list of the tab that trains', () => {
  it('shows the live run (its step and every readback so far), not the record saved at the last checkpoint', async () => {
    const store = await phantomRunStore('run-live');
    const manager = new RunManager(store, { name: () => tf.getBackend(), replace: async () => tf.getBackend() });
    let step = 0;
    manager.subscribe((e: RunEvent) => {
      if (e.type === 'metrics') step = e.step;
    });
    const run = await manager.create({
      name: 'live',
      datasetId: 'ds',
      model: { kind: 'dcgan', width: 2, latentDim: 8, batchSize: 2, seed: 5 },
      totalSteps: 100_000,
      readbackEvery: 2,
      sampleEvery: 1000,
      checkpointEvery: 1000,
      keepCheckpoints: 1,
      samplesPerClass: 1,
      seed: 9,
    });
    await expect.poll(() => step, { timeout: 30_000 }).toBeGreaterThanOrEqual(6);
    const [listed] = await manager.list();
    expect(listed.step).toBeGreaterThanOrEqual(6);
    expect(listed.history.length).toBeGreaterThanOrEqual(3);
    expect((await manager.get(run.id)).step).toBeGreaterThanOrEqual(6);
    await manager.stop(run.id);
  });
});
