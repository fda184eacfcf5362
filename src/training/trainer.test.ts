import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../testing/wasmBackend';
import { generatePhantoms } from '../data/phantom';
import { openIdbStore, type KeyValueStore } from '../storage/keyValueStore';
import { saveDataset } from '../storage/datasetStore';
import { loadRun } from './runStore';
import { Trainer, type TrainerHooks } from './trainer';
import type { RunEvent, RunSettings } from './runTypes';

let dbCounter = 0;

async function storeWithPhantoms(): Promise<KeyValueStore> {
  const store = openIdbStore(`trainer-test-${dbCounter++}`);
  const set = generatePhantoms({ modality: 'head-ct', size: 32, count: 40, seed: 3 });
  await saveDataset(
    store,
    { id: 'ds', name: 'phantoms', source: 'phantom', description: '', width: 32, height: 32, channels: 1, count: 40, classNames: ['normal', 'haemorrhage'], chunkSize: 16, createdAt: 0 },
    // All training split, so batches draw from all 40.
    { labels: set.labels, splits: new Uint8Array(40) },
    [0, 16, 32].map((start) => ({ pixels: set.images.slice(start * 1024, Math.min(40, start + 16) * 1024) })),
  );
  return store;
}

function settings(overrides: Partial<RunSettings> = {}): RunSettings {
  return {
    name: 'test run',
    datasetId: 'ds',
    model: { kind: 'dcgan', width: 8, latentDim: 16, batchSize: 4, seed: 5 },
    totalSteps: 12,
    readbackEvery: 2,
    sampleEvery: 6,
    checkpointEvery: 4,
    keepCheckpoints: 2,
    samplesPerClass: 2,
    seed: 9,
    ...overrides,
  };
}

function hooks(events: RunEvent[] = [], onEvent?: (e: RunEvent) => void): TrainerHooks {
  return {
    emit: (e) => {
      events.push(e);
      onEvent?.(e);
    },
    replaceBackend: async () => tf.getBackend(),
    backendName: () => tf.getBackend(),
  };
}

beforeAll(async () => {
  await useWasmBackend();
});

describe('training runs', () => {
  it('trains, reads metrics back in batches, samples, keeps the last K checkpoints plus the best, and leaks no tensors', async () => {
    const store = await storeWithPhantoms();
    const events: RunEvent[] = [];
    const trainer = await Trainer.create(store, 'run-a', settings(), hooks(events));
    const before = tf.memory().numTensors;
    const record = await trainer.run();
    expect(record.status).toBe('finished');
    expect(record.step).toBe(12);
    expect(record.history.map((r) => r.step)).toEqual([2, 4, 6, 8, 10, 12]);
    for (const row of record.history) {
      expect(Number.isFinite(row.values.lossD)).toBe(true);
      expect(row.values.imagesPerSecond).toBeGreaterThan(0);
      expect(row.values.learningRate).toBe(2e-4);
    }
    expect(record.samples.map((s) => s.step)).toEqual([0, 6, 12]);
    expect(record.checkpoints.map((c) => c.step)).toEqual([8, 12]);
    expect(record.best).not.toBeNull();
    // Dropped checkpoints are gone from storage; kept ones and the best are there.
    const ckptKeys = (await store.keys()).filter((k) => k.includes('/ckpt/'));
    expect(new Set(ckptKeys)).toEqual(new Set([...record.checkpoints.map((c) => c.key), record.best!.key]));
    const grid = events.find((e) => e.type === 'samples' && e.grid.step === 12);
    expect(grid && grid.type === 'samples' && grid.grid.pixels.length).toBe(2 * 32 * 32);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });

  it('resumes after a pause and reload exactly where it left off: same losses as an uninterrupted run', async () => {
    const straight = await Trainer.create(await storeWithPhantoms(), 'run-b', settings(), hooks());
    const reference = await straight.run();
    straight.dispose();

    const store = await storeWithPhantoms();
    let trainer: Trainer | null = null;
    trainer = await Trainer.create(store, 'run-c', settings(), hooks([], (e) => {
      if (e.type === 'metrics' && e.step >= 6) trainer?.pause();
    }));
    const paused = await trainer.run();
    expect(paused.status).toBe('paused');
    expect(paused.checkpoints.at(-1)!.step).toBe(paused.step);
    trainer.dispose(); // the tab goes away

    const resumed = await Trainer.resume(store, 'run-c', hooks());
    const final = await resumed.run();
    resumed.dispose();
    expect(final.status).toBe('finished');
    expect(final.history.at(-1)!.values.lossD).toBe(reference.history.at(-1)!.values.lossD);
    expect(final.history.at(-1)!.values.lossG).toBe(reference.history.at(-1)!.values.lossG);
    expect(final.samples.map((s) => s.step)).toEqual(expect.arrayContaining([0, 6, 12]));
  });

  it('refreshes the sample grid on pause, so the grid shows the model the run paused with', async () => {
    const store = await storeWithPhantoms();
    let trainer: Trainer | null = null;
    trainer = await Trainer.create(store, 'run-p', settings(), hooks([], (e) => {
      if (e.type === 'metrics' && e.step >= 8) trainer?.pause();
    }));
    const paused = await trainer.run();
    trainer.dispose();
    expect(paused.status).toBe('paused');
    expect(paused.step % paused.settings.sampleEvery).not.toBe(0);
    expect(paused.samples.at(-1)!.step).toBe(paused.step);
    expect(paused.checkpoints.at(-1)!.step).toBe(paused.step);
  });

  it('skips a checkpoint whose bytes do not match their checksum (a torn write) and resumes from the one before', async () => {
    const store = await storeWithPhantoms();
    const trainer = await Trainer.create(store, 'run-d', settings({ totalSteps: 8 }), hooks());
    await trainer.run();
    trainer.dispose();
    const record = await loadRun(store, 'run-d');
    const latest = record.checkpoints.at(-1)!;
    const bytes = (await store.get<Uint8Array>(latest.key))!;
    const torn = bytes.slice(0, bytes.length - 100);
    await store.setMany([[latest.key, torn]]);
    const events: RunEvent[] = [];
    const resumed = await Trainer.resume(store, 'run-d', hooks(events));
    const after = await loadRun(store, 'run-d');
    expect(after.step).toBeLessThan(latest.step);
    expect(after.log.some((l) => l.level === 'warning' && /checksum mismatch/.test(l.text))).toBe(true);
    resumed.dispose();
  });

  it('rolls back and lowers the learning rate on non-finite losses, and stops with a clear message when it keeps diverging', async () => {
    const store = await storeWithPhantoms();
    const trainer = await Trainer.create(store, 'run-e', settings({ model: { kind: 'vae', width: 8, latentDim: 8, batchSize: 4, seed: 1, adam: { learningRate: 1e9, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } }, totalSteps: 60 }), hooks());
    const record = await trainer.run();
    trainer.dispose();
    expect(record.status).toBe('failed');
    expect(record.message).toMatch(/diverged 4 times/);
    const rollbacks = record.log.filter((l) => /rolled back to step \d+ and lowered the learning rate/.test(l.text));
    expect(rollbacks).toHaveLength(3);
    expect(record.config.adam.learningRate).toBeCloseTo(1e9 / 8);
  });

  it('on a lost device, asks for another backend, rebuilds from the last checkpoint and finishes', async () => {
    const store = await storeWithPhantoms();
    let replaced = '';
    const trainer = await Trainer.create(store, 'run-f', settings({ totalSteps: 10 }), {
      ...hooks(),
      replaceBackend: async (reason) => {
        replaced = reason;
        return tf.getBackend();
      },
    });
    // The model inside the trainer fails once, as WebGPU does when the GPU process resets.
    const model = (trainer as unknown as { model: { trainStep: (...a: unknown[]) => unknown } }).model;
    const original = model.trainStep.bind(model);
    let calls = 0;
    model.trainStep = (...args: unknown[]) => {
      if (++calls === 6) throw new Error('GPU device was lost: the GPU process crashed');
      return original(...args);
    };
    const record = await trainer.run();
    trainer.dispose();
    expect(replaced).toMatch(/device was lost/);
    expect(record.status).toBe('finished');
    expect(record.step).toBe(10);
    expect(record.log.some((l) => /Backend failed .* resumed from step 4/.test(l.text))).toBe(true);
  });

  it('out of memory stops the run cleanly with a suggestion, keeping its checkpoints', async () => {
    const store = await storeWithPhantoms();
    const trainer = await Trainer.create(store, 'run-g', settings({ totalSteps: 10 }), hooks());
    const model = (trainer as unknown as { model: { trainStep: (...a: unknown[]) => unknown; step: number } }).model;
    const original = model.trainStep.bind(model);
    model.trainStep = (...args: unknown[]) => {
      if (model.step === 5) throw new Error('Failed to allocate buffer: out of memory');
      return original(...args);
    };
    const record = await trainer.run();
    trainer.dispose();
    expect(record.status).toBe('failed');
    expect(record.message).toMatch(/Out of memory at step 5.*smaller batch size or resolution/);
    expect((await loadRun(store, 'run-g')).checkpoints.map((c) => c.step)).toEqual([0, 4]);
  });

  it.each([
    { fullFrom: 5, what: 'the samples', pausedAt: 6 },
    { fullFrom: 7, what: 'a checkpoint', pausedAt: 8 },
  ])('a full disk while saving $what pauses the run (it does not fail): its checkpoints are intact and it resumes once space is freed', async ({ fullFrom, what, pausedAt }) => {
    const inner = await storeWithPhantoms();
    let full = false;
    // A store that runs out of space: every write is refused with the browser's QuotaExceededError.
    const store: KeyValueStore = {
      ...inner,
      setMany: async (entries) => {
        if (full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return inner.setMany(entries);
      },
    };
    let trainer: Trainer | null = null;
    trainer = await Trainer.create(store, 'run-h', settings(), hooks([], (e) => {
      if (e.type === 'metrics' && e.step >= fullFrom) full = true;
    }));
    const record = await trainer.run();
    trainer.dispose();
    expect(record.status).toBe('paused');
    expect(record.message).toMatch(new RegExp(`^Paused at step ${pausedAt}: Not enough storage space to save ${what} of run "test run".*Resume.*last checkpoint \\(step 4\\)`));
    expect((await loadRun(store, 'run-h')).checkpoints.map((c) => c.step)).toEqual([0, 4]);

    full = false; // the user deleted something
    const resumed = await Trainer.resume(store, 'run-h', hooks());
    const final = await resumed.run();
    resumed.dispose();
    expect(final.status).toBe('finished');
    expect(final.message).toBeUndefined();
    expect(final.step).toBe(12);
  });
});
