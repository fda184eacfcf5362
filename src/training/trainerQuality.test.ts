import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { useWasmBackend } from '../testing/wasmBackend';
import { generatePhantoms } from '../data/phantom';
import { openIdbStore } from '../storage/keyValueStore';
import { saveDataset } from '../storage/datasetStore';
import { loadRun } from './runStore';
import { Trainer } from './trainer';
import type { RunEvent } from './runTypes';

beforeAll(async () => {
  await useWasmBackend();
});

/** A 32 px head-CT phantom dataset 'ds' in `store` with these splits (0 train, 1 validation, 2 test). */
async function savePhantoms(store: ReturnType<typeof openIdbStore>, splits: Uint8Array, seed: number): Promise<void> {
  const count = splits.length;
  const set = generatePhantoms({ modality: 'head-ct', size: 32, count, seed });
  await saveDataset(
    store,
    { id: 'ds', name: 'phantoms', source: 'phantom', description: '', width: 32, height: 32, channels: 1, count, classNames: ['normal', 'haemorrhage'], chunkSize: 32, createdAt: 0 },
    { labels: set.labels, splits },
    Array.from({ length: Math.ceil(count / 32) }, (_, i) => ({ pixels: set.images.slice(i * 32 * 1024, Math.min(count, (i + 1) * 32) * 1024) })),
  );
}

/** Trains a tiny DCGAN run on 'ds' for `totalSteps` (checkpoints and grids every 4 steps). */
async function trainTiny(store: ReturnType<typeof openIdbStore>, runId: string, totalSteps: number, emit: (e: RunEvent) => void = () => undefined): Promise<void> {
  const hooks = { emit, replaceBackend: async () => tf.getBackend(), backendName: () => tf.getBackend() };
  const trainer = await Trainer.create(
    store,
    runId,
    { name: runId, datasetId: 'ds', model: { kind: 'dcgan', width: 8, latentDim: 16, batchSize: 4, seed: 5 }, totalSteps, readbackEvery: 2, sampleEvery: 4, checkpointEvery: 4, keepCheckpoints: 5, samplesPerClass: 3, seed: 9 },
    hooks,
  );
  await trainer.run();
  trainer.dispose();
}

it('measures each checkpoint against held-out images, picks "best" by it, and rates every sample grid for collapse', async () => {
  const store = openIdbStore('trainer-quality-test');
  // The first 32 train, the last 32 are the validation split (held out for the quality measure).
  await savePhantoms(store, Uint8Array.from({ length: 64 }, (_, i) => (i < 32 ? 0 : 1)), 3);
  const events: RunEvent[] = [];
  await trainTiny(store, 'run-q', 8, (e) => events.push(e));
  const record = await loadRun(store, 'run-q');
  expect(record.checkpoints.map((c) => c.step)).toEqual([0, 4, 8]);
  expect(record.checkpoints[0].quality).toBeUndefined(); // step 0 is not measured
  for (const c of record.checkpoints.slice(1)) {
    expect(c.quality?.metric).toBe('kid');
    expect(c.quality?.n).toBe(32);
    expect(Number.isFinite(c.quality?.value)).toBe(true);
  }
  const lowest = record.checkpoints.slice(1).reduce((a, b) => (b.quality!.value < a.quality!.value ? b : a));
  expect(record.best?.step).toBe(lowest.step);
  // The chart row of each checkpoint after step 0 carries its KID.
  expect(record.history.filter((r) => Number.isFinite(r.values.kid)).map((r) => r.step)).toEqual([4, 8]);
  for (const s of record.samples) {
    expect(s.diversity?.step).toBe(s.step);
    expect(s.diversity?.realSsim).toBeGreaterThan(0);
    expect(s.diversity?.collapsed).toBe(false); // under the warm-up
  }
  expect(events.some((e) => e.type === 'samples' && e.diversity)).toBe(true);
  expect(record.log.some((l) => /Checkpoint quality: KID of 32 samples/.test(l.text))).toBe(true);
});

it('says how many held-out images there were when too few to rate checkpoints (a small import has some)', async () => {
  const store = openIdbStore('trainer-quality-few-test');
  // 24 train, 12 validation, 12 test: held-out images, but under the 20 a split needs.
  await savePhantoms(store, Uint8Array.from({ length: 48 }, (_, i) => (i < 24 ? 0 : i < 36 ? 1 : 2)), 4);
  await trainTiny(store, 'run-few', 4);
  const record = await loadRun(store, 'run-few');
  expect(record.checkpoints.every((c) => !c.quality)).toBe(true);
  expect(record.log.map((l) => l.text)).toContain(
    'Too few held-out images to measure checkpoint quality (12 validation, 12 test; it needs 20 in one split): "best" is the lowest smoothed loss',
  );
});
