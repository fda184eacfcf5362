/** The model library's run actions on the training domain: rename (stored) and continue a finished run to more steps. */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../testing/wasmBackend';
import { phantomRunStore } from '../testing/phantomRunStore';
import { RunManager } from './runManager';
import { checkRunName } from './runName';
import type { RunSettings } from './runTypes';

beforeAll(async () => {
  await useWasmBackend();
});

const settings = (name: string, totalSteps: number): RunSettings => ({
  name,
  datasetId: 'ds',
  model: { kind: 'dcgan', width: 2, latentDim: 8, batchSize: 2, seed: 5 },
  totalSteps,
  readbackEvery: 2,
  sampleEvery: 4,
  checkpointEvery: 4,
  keepCheckpoints: 2,
  samplesPerClass: 1,
  seed: 9,
});

const backend = { name: () => tf.getBackend(), replace: async () => tf.getBackend() };

async function untilSettled(manager: RunManager, id: string) {
  await expect.poll(async () => (await manager.get(id)).status, { timeout: 60_000, interval: 100 }).not.toBe('running');
  return manager.get(id);
}

describe('renaming a run', () => {
  it('stores the new name: a fresh manager on the same store (a reload) lists it', async () => {
    const store = await phantomRunStore('lib-rename');
    const manager = new RunManager(store, backend);
    const run = await manager.create(settings('first name', 2));
    await untilSettled(manager, run.id);
    const renamed = await manager.rename(run.id, '  chest   GAN v2 ');
    expect(renamed.settings.name).toBe('chest GAN v2');
    const reloaded = new RunManager(store, backend);
    expect((await reloaded.get(run.id)).settings.name).toBe('chest GAN v2');
    expect((await reloaded.list()).map((r) => r.settings.name)).toEqual(['chest GAN v2']);
  }, 90_000);

  it('refuses an empty or overlong name and leaves the stored one', async () => {
    expect(() => checkRunName('   ')).toThrow(/empty/);
    expect(() => checkRunName('x'.repeat(81))).toThrow(/at most 80/);
    const store = await phantomRunStore('lib-rename-bad');
    const manager = new RunManager(store, backend);
    const run = await manager.create(settings('kept', 2));
    await untilSettled(manager, run.id);
    await expect(manager.rename(run.id, '')).rejects.toThrow(/empty/);
    expect((await manager.get(run.id)).settings.name).toBe('kept');
  }, 90_000);

  it('renames a run while it trains in this tab, and the trainer keeps the new name at its next save', async () => {
    const store = await phantomRunStore('lib-rename-live');
    const manager = new RunManager(store, backend);
    const run = await manager.create(settings('live', 100_000));
    await manager.rename(run.id, 'renamed while training');
    const stopped = await manager.stop(run.id);
    expect(stopped.settings.name).toBe('renamed while training');
    expect((await new RunManager(store, backend).get(run.id)).settings.name).toBe('renamed while training');
  }, 90_000);
});

describe('continuing a finished run', () => {
  it('trains on from its last checkpoint to the new target; the curves before stay and continue after', async () => {
    const store = await phantomRunStore('lib-continue');
    const manager = new RunManager(store, backend);
    const run = await manager.create(settings('to continue', 4));
    const finished = await untilSettled(manager, run.id);
    expect(finished.status).toBe('finished');
    expect(finished.step).toBe(4);
    const before = finished.history.map((r) => ({ step: r.step, values: r.values }));
    expect(before.map((r) => r.step)).toEqual([2, 4]);

    await expect(manager.continueTo(run.id, 4)).rejects.toThrow(/above 4/);
    await manager.continueTo(run.id, 8);
    const continued = await untilSettled(manager, run.id);
    expect(continued.status).toBe('finished');
    expect(continued.step).toBe(8);
    expect(continued.settings.totalSteps).toBe(8);
    expect(continued.history.map((r) => r.step)).toEqual([2, 4, 6, 8]);
    // The first four steps' curves are the ones trained before, untouched.
    expect(continued.history.slice(0, 2).map((r) => ({ step: r.step, values: r.values }))).toEqual(before);
    expect(continued.history.slice(2).every((r) => Number.isFinite(r.values.lossG) && Number.isFinite(r.values.lossD))).toBe(true);
    expect(continued.checkpoints.at(-1)?.step).toBe(8);
    expect(continued.log.some((e) => e.text === 'Continued to 8 steps')).toBe(true);
    expect(continued.log.some((e) => e.text.startsWith('Resumed at step 4'))).toBe(true);
  }, 120_000);

  it('refuses a failed run', async () => {
    const store = await phantomRunStore('lib-continue-failed');
    const manager = new RunManager(store, backend);
    const run = await manager.create(settings('will fail', 2));
    await untilSettled(manager, run.id);
    const { saveRun, loadRun } = await import('./runStore');
    const record = await loadRun(store, run.id);
    await saveRun(store, { ...record, status: 'failed', message: 'NaN loss' });
    await expect(manager.continueTo(run.id, 10)).rejects.toThrow(/failed \(NaN loss\)/);
  }, 90_000);
});
