/**
 * Built-in pretrained models: a run file installed under its fixed id, once; refused when its bytes
 * do not match the list's SHA-256; read-only afterwards (no delete, rename or further training);
 * generates like any run. Also the shipped public/pretrained/index.json: every file it lists is
 * there, with the size and SHA-256 it says, and installs.
 */
import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateFromRun } from '../generation/generateFromRun';
import { phantomRunStore } from '../testing/phantomRunStore';
import { openMemoryStore } from '../storage/memoryStore';
import { listRuns } from '../training/runStore';
import { trainingSegments } from '../training/trainingSegments';
import { RunManager } from '../training/runManager';
import { Trainer, type TrainerHooks } from '../training/trainer';
import { exportRunFile } from './exportRunFile';
import { builtInRunId, installBuiltInModel, parseBuiltInManifest, type BuiltInModel } from './builtInModels';

const hooks: TrainerHooks = { emit: () => undefined, replaceBackend: async () => tf.getBackend(), backendName: () => tf.getBackend() };
const backend = { name: () => tf.getBackend(), replace: async () => tf.getBackend() };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('built-in pretrained models', () => {
  it('install once under a fixed id, read-only, and generate', async () => {
    const source = await phantomRunStore('builtin-source');
    const trainer = await Trainer.create(source, 'tiny', { name: 'tiny dcgan', datasetId: 'ds', model: { kind: 'dcgan', resolution: 32, width: 4, latentDim: 8, batchSize: 4 }, totalSteps: 2, readbackEvery: 1, sampleEvery: 100, checkpointEvery: 100, keepCheckpoints: 1, samplesPerClass: 1, seed: 3 }, hooks);
    await trainer.run();
    trainer.dispose();
    const file = await exportRunFile(source, 'tiny', { includeOptimizer: false });
    const entry: BuiltInModel = {
      id: 'tiny-dcgan', file: 'tiny-dcgan.phantomrun', title: 'Built-in tiny DCGAN', kind: 'dcgan', resolution: 32, steps: 2,
      trainedOn: '32 px head CT phantoms', trainingSeconds: 1, backend: 'cpu', command: 'npm run train -- …', bytes: file.bytes.byteLength, sha256: sha(file.bytes),
    };

    const store = openMemoryStore();
    const damaged = file.bytes.slice();
    damaged[damaged.length - 30] ^= 1;
    await expect(installBuiltInModel(store, damaged, entry)).rejects.toThrow(/tiny-dcgan\.phantomrun.*damaged.*Nothing was imported/);
    expect(await listRuns(store)).toEqual([]);

    const record = await installBuiltInModel(store, file.bytes, entry);
    expect(record.id).toBe(builtInRunId('tiny-dcgan'));
    expect(record.builtIn).toMatchObject({ id: 'tiny-dcgan', steps: 2, trainedOn: '32 px head CT phantoms' });
    expect(record.settings.datasetId).toMatch(/^missing-/);
    const again = await installBuiltInModel(store, file.bytes, entry);
    expect(again.updatedAt).toBe(record.updatedAt);
    expect((await listRuns(store)).map((r) => r.id)).toEqual([record.id]);

    const manager = new RunManager(store, backend);
    await expect(manager.remove(record.id)).rejects.toThrow(/built-in model .* cannot be deleted/);
    await expect(manager.rename(record.id, 'mine')).rejects.toThrow(/cannot be renamed/);
    await expect(manager.continueTo(record.id, 10)).rejects.toThrow(/cannot be trained further/);
    await expect(manager.resume(record.id)).rejects.toThrow(/cannot be trained further/);
    expect((await listRuns(store)).map((r) => r.settings.name)).toEqual(['tiny dcgan']);

    const generated = await generateFromRun(store, record.id, { checkpoint: 'latest', count: 4, seed: 1 });
    expect(generated.pixels.length).toBe(4 * 32 * 32);
  }, 120_000);

  it('the shipped list: each file present, of the size and SHA-256 it says, and it installs', async () => {
    const indexPath = 'public/pretrained/index.json';
    expect(existsSync(indexPath)).toBe(true);
    const manifest = parseBuiltInManifest(JSON.parse(readFileSync(indexPath, 'utf8')), indexPath);
    expect(manifest.models.map((m) => m.kind).sort()).toEqual(['dcgan', 'ddpm', 'vae']);
    let total = 0;
    const store = openMemoryStore();
    for (const m of manifest.models) {
      const bytes = new Uint8Array(readFileSync(`public/pretrained/${m.file}`));
      expect([bytes.byteLength, sha(bytes)]).toEqual([m.bytes, m.sha256]);
      total += bytes.byteLength;
      const record = await installBuiltInModel(store, bytes, m);
      expect([record.step, record.resolution, record.builtIn?.steps]).toEqual([m.steps, m.resolution, m.steps]);
      // The list says where it was trained: a model continued in PyTorch must not read "trained on wasm".
      const engines = trainingSegments(record).map((s) => (s.where === 'pytorch' ? 'PyTorch' : s.engine));
      for (const engine of new Set(engines)) expect(m.backend, `${m.id}: its backend names every engine that trained it`).toContain(engine);
    }
    // Small enough to ship and precache.
    expect(total).toBeLessThan(10e6);
    expect(() => parseBuiltInManifest({ format: 'x' }, 'list.json')).toThrow(/list\.json: not a list of built-in models/);
  }, 120_000);
});
