import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { useWasmBackend } from '../testing/wasmBackend';
import { generatePhantoms } from '../data/phantom';
import { openIdbStore } from '../storage/keyValueStore';
import { saveDataset } from '../storage/datasetStore';
import { loadRun } from './runStore';
import { latestCollapse } from './collapse';
import { Trainer } from './trainer';
import type { RunEvent } from './runTypes';
import type { GenerativeModel } from '../../models/types';

beforeAll(async () => {
  await useWasmBackend();
});

it('flags a generator whose output ignores z: a collapse warning in the log and on the run record', async () => {
  const store = openIdbStore('trainer-collapse-test');
  const set = generatePhantoms({ modality: 'head-ct', size: 32, count: 32, seed: 3 });
  await saveDataset(
    store,
    { id: 'ds', name: 'phantoms', source: 'phantom', description: '', width: 32, height: 32, channels: 1, count: 32, classNames: ['normal', 'haemorrhage'], chunkSize: 32, createdAt: 0 },
    { labels: set.labels, splits: new Uint8Array(32) },
    [{ pixels: set.images }],
  );
  const events: RunEvent[] = [];
  const hooks = { emit: (e: RunEvent) => events.push(e), replaceBackend: async () => tf.getBackend(), backendName: () => tf.getBackend() };
  const trainer = await Trainer.create(
    store,
    'run-c',
    { name: 'c', datasetId: 'ds', model: { kind: 'dcgan', width: 8, latentDim: 16, batchSize: 4, seed: 5, numClasses: 2 }, totalSteps: 120, readbackEvery: 20, sampleEvery: 120, checkpointEvery: 120, keepCheckpoints: 2, samplesPerClass: 6, seed: 9 },
    hooks,
  );
  // The deliberately collapsed generator: every row of its noise is the same, so its output ignores z.
  const model = (trainer as unknown as { model: GenerativeModel }).model;
  const sampleLatent = model.sampleLatent.bind(model);
  model.sampleLatent = (n, seed) => tf.tidy(() => tf.tile(sampleLatent(1, seed), [n, 1]) as tf.Tensor2D);
  await trainer.run();
  trainer.dispose();
  const record = await loadRun(store, 'run-c');
  const grid = record.samples.find((s) => s.step === 120)!;
  expect(grid.diversity?.fakeSsim).toBeGreaterThan(0.99);
  expect(grid.diversity?.collapsed).toBe(true);
  expect(latestCollapse(record)?.step).toBe(120);
  expect(record.log.some((l) => l.level === 'warning' && /Mode collapse at step 120/.test(l.text))).toBe(true);
  // The step-0 grid (untrained) is not called collapsed: the flag waits for the warm-up.
  expect(record.samples.find((s) => s.step === 0)?.diversity?.collapsed).toBe(false);
}, 120_000);
