import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../testing/wasmBackend';
import type { KeyValueStore } from '../storage/keyValueStore';
import { phantomRunStore } from '../testing/phantomRunStore';
import { RunManager } from './runManager';
import { loadRun, saveRun } from './runStore';
import type { RunEvent, RunSettings } from './runTypes';

// Two RunManagers over one store stand for two tabs over one IndexedDB; in Node the tab locks are
// an in-process table, shared by both, as Web Locks are shared by the tabs of one browser profile.
const sharedStore = () => phantomRunStore('run-ownership');

const settings: RunSettings = {
  name: 'owned run',
  datasetId: 'ds',
  model: { kind: 'dcgan', width: 2, latentDim: 8, batchSize: 2, seed: 5 },
  totalSteps: 100_000,
  readbackEvery: 2,
  sampleEvery: 50,
  checkpointEvery: 50,
  keepCheckpoints: 1,
  samplesPerClass: 1,
  seed: 9,
};

const tab = (store: KeyValueStore) => new RunManager(store, { name: () => tf.getBackend(), replace: async () => tf.getBackend() });

function stepsSeen(manager: RunManager): () => number {
  let step = 0;
  manager.subscribe((e: RunEvent) => {
    if (e.type === 'metrics') step = e.step;
  });
  return () => step;
}

beforeAll(async () => {
  await useWasmBackend();
});

describe('a run is trained by one tab at a time', () => {
  it('another tab sees it running read-only, cannot resume, stop or delete it, and may take it over once the owner lets go', async () => {
    const store = await sharedStore();
    const owner = tab(store);
    const other = tab(store);
    const step = stepsSeen(owner);
    const run = await owner.create(settings);
    await expect.poll(step, { timeout: 30_000 }).toBeGreaterThanOrEqual(4);

    const seen = (await other.list()).find((r) => r.id === run.id)!;
    expect(seen.status).toBe('running');
    expect(seen.trainingElsewhere).toBe(true);
    expect((await owner.get(run.id)).trainingElsewhere).toBeUndefined();
    await expect(other.resume(run.id)).rejects.toThrow(/"owned run" is training in another tab/);
    await expect(other.stop(run.id)).rejects.toThrow(/cannot be stopped here/);
    await expect(other.remove(run.id)).rejects.toThrow(/cannot be deleted here/);
    expect((await loadRun(store, run.id)).status).toBe('running');

    // The owner lets go (pause here; closing the tab drops its lock the same way): now it is the other's to take.
    const paused = await owner.pause(run.id);
    expect(paused.status).toBe('paused');
    const takenAt = paused.step;
    const otherStep = stepsSeen(other);
    await other.resume(run.id);
    await expect.poll(otherStep, { timeout: 30_000 }).toBeGreaterThan(takenAt);
    expect((await owner.list()).find((r) => r.id === run.id)!.trainingElsewhere).toBe(true);
    await expect(owner.resume(run.id)).rejects.toThrow(/training in another tab/);
    await other.stop(run.id);
  });

  it('a run stored as running that no tab trains (its tab crashed) is interrupted, and can be resumed', async () => {
    const store = await sharedStore();
    const first = tab(store);
    const run = await first.create({ ...settings, totalSteps: 4 });
    await first.stopActive();
    await saveRun(store, { ...(await loadRun(store, run.id)), status: 'running' }); // as a killed tab leaves it
    const second = tab(store);
    const listed = (await second.list()).find((r) => r.id === run.id)!;
    expect(listed.status).toBe('interrupted');
    expect(listed.trainingElsewhere).toBeUndefined();
    await second.resume(run.id);
    await second.stopActive();
  });

  it('while one tab trains, another can neither start nor resume a different run; it can once the first lets go', async () => {
    const store = await sharedStore();
    const first = tab(store);
    const second = tab(store);
    const parked = await second.create({ ...settings, name: 'parked run' });
    expect((await second.pause(parked.id)).status).toBe('paused');

    const step = stepsSeen(first);
    const busy = await first.create({ ...settings, name: 'busy run' });
    await expect.poll(step, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    await expect(second.create({ ...settings, name: 'new run' })).rejects.toThrow(/"busy run" is training in another tab.*"start "new run""/s);
    await expect(second.resume(parked.id)).rejects.toThrow(/"busy run" is training in another tab.*one run at a time/s);
    // A refused start leaves nothing behind, and the refused resume left the parked run as it was.
    expect((await second.list()).map((r) => r.settings.name).sort()).toEqual(['busy run', 'parked run']);
    expect((await loadRun(store, parked.id)).status).toBe('paused');

    // Deleting everything from the other tab would pull the store from under the training: refused, nothing deleted.
    await expect(second.refuseIfAnyTrainedElsewhere('deleted')).rejects.toThrow(/"busy run" is training in another tab.*Nothing was deleted/s);
    await expect(first.refuseIfAnyTrainedElsewhere('deleted')).resolves.toBeUndefined();

    await first.stop(busy.id);
    await expect(second.refuseIfAnyTrainedElsewhere('deleted')).resolves.toBeUndefined();
    const next = await second.create({ ...settings, name: 'new run', totalSteps: 2 });
    await expect.poll(async () => (await second.get(next.id)).status, { timeout: 30_000 }).toBe('finished');
  });
});

