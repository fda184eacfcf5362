import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../../models';
import type { ModelConfigInput, ModelState } from '../../models/types';
import { openMemoryStore } from '../storage/memoryStore';
import type { KeyValueStore } from '../storage/keyValueStore';
import { openRunModel } from './openCheckpoint';
import { saveRun, writeCheckpoint } from './runStore';
import type { RunRecord } from './runTypes';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tinyVae: ModelConfigInput = { kind: 'vae', resolution: 8, width: 2, latentDim: 2, batchSize: 2 };

/** A stored run with checkpoints at the given steps and scores (lower is better), keeping all of them. */
async function runWith(store: KeyValueStore, checkpoints: { step: number; score: number }[], input: ModelConfigInput = tinyVae): Promise<RunRecord> {
  const model = createModel(input);
  const state = await model.exportState();
  model.dispose();
  let record: RunRecord = {
    id: 'r',
    settings: { name: 'tiny', datasetId: 'd', model: input, totalSteps: 10, readbackEvery: 1, sampleEvery: 1, checkpointEvery: 1, keepCheckpoints: 10, samplesPerClass: 1, seed: 1 },
    config: state.config,
    scoreMetric: 'loss',
    status: 'paused',
    step: 0,
    createdAt: 0,
    updatedAt: 0,
    history: [],
    samples: [],
    checkpoints: [],
    best: null,
    log: [],
    rollbacks: 0,
    classNames: ['a', 'b'],
    resolution: 8,
    channels: 1,
    backend: 'cpu',
  };
  await saveRun(store, record);
  for (const { step, score } of checkpoints) record = await writeCheckpoint(store, record, { ...state, step } satisfies ModelState, score, 10);
  return record;
}

describe('openRunModel', () => {
  it('opens the best or the latest checkpoint as a model at its step', async () => {
    const store = openMemoryStore();
    await runWith(store, [{ step: 2, score: 1 }, { step: 4, score: 0.5 }, { step: 6, score: 3 }]);
    const before = tf.memory().numTensors;
    const best = await openRunModel(store, 'r', 'best');
    expect([best.step, best.model.step, best.fellBackToLatest, best.ema]).toEqual([4, 4, false, false]);
    best.model.dispose();
    const latest = await openRunModel(store, 'r', 'latest');
    expect([latest.step, latest.config.kind, latest.record.id]).toEqual([6, 'vae', 'r']);
    latest.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('falls back to the latest when there is no best yet, or the best is unreadable, and says so', async () => {
    const store = openMemoryStore();
    const noBest = await runWith(store, [{ step: 3, score: NaN }]);
    expect(noBest.best).toBeNull();
    const opened = await openRunModel(store, noBest, 'best');
    expect([opened.step, opened.fellBackToLatest]).toEqual([3, true]);
    opened.model.dispose();

    const other = openMemoryStore();
    const record = await runWith(other, [{ step: 2, score: 0.1 }, { step: 5, score: 2 }]);
    await other.setMany([[record.best!.key, new Uint8Array([1, 2, 3])]]);
    const skipped: number[] = [];
    const fallback = await openRunModel(other, record, 'best', { onSkip: (ref) => skipped.push(ref.step) });
    expect([fallback.step, fallback.fellBackToLatest, skipped]).toEqual([5, true, [2]]);
    fallback.model.dispose();
  });

  it('skips a corrupt latest checkpoint for an older one, and stops at atOrBefore', async () => {
    const store = openMemoryStore();
    const record = await runWith(store, [{ step: 2, score: 1 }, { step: 4, score: 2 }, { step: 6, score: 3 }]);
    await store.delMany([record.checkpoints.at(-1)!.key]);
    const reasons: string[] = [];
    const opened = await openRunModel(store, record, 'latest', { onSkip: (ref, why) => reasons.push(`${ref.step} ${why}`) });
    expect([opened.step, reasons]).toEqual([4, ['6 missing']]);
    opened.model.dispose();
    const early = await openRunModel(store, record, 'latest', { atOrBefore: 3 });
    expect(early.step).toBe(2);
    early.model.dispose();
  });

  it('builds the model from an adjusted config when asked (a rollback’s lower learning rate)', async () => {
    const store = openMemoryStore();
    await runWith(store, [{ step: 1, score: 1 }]);
    const opened = await openRunModel(store, 'r', 'latest', { adjustConfig: (c) => ({ ...c, adam: { ...c.adam, learningRate: 1e-5 } }) });
    expect(opened.config.adam.learningRate).toBe(1e-5);
    expect(opened.model.config.adam.learningRate).toBe(1e-5);
    opened.model.dispose();
  });

  it('says which run has no readable checkpoint, listing what was skipped', async () => {
    const store = openMemoryStore();
    const record = await runWith(store, [{ step: 2, score: 1 }]);
    await store.delMany([record.checkpoints[0].key]);
    await expect(openRunModel(store, record, 'latest')).rejects.toThrow('Run "tiny" has no readable checkpoint (skipped step 2: missing)');
    await expect(openRunModel(store, record, 'latest', { atOrBefore: 1 })).rejects.toThrow('Run "tiny" has no readable checkpoint at or before step 1');
  });

  it('reports EMA sampling for a model that keeps EMA weights', async () => {
    const store = openMemoryStore();
    await runWith(store, [{ step: 1, score: 1 }], { kind: 'dcgan', resolution: 8, width: 2, latentDim: 2, batchSize: 2, emaDecay: 0.9 });
    const opened = await openRunModel(store, 'r', 'latest');
    expect(opened.ema).toBe(true);
    opened.model.dispose();
  });
});
