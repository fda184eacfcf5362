/**
 * A run file continuing the run it came from, in place (continueRun.ts), without Python: the
 * "further trained" file is the same run trained further in a second store (training is
 * deterministic, so its first steps equal the original's), or such a file whose card says PyTorch
 * trained its last steps. PyTorch itself is in src/export/pytorchRoundTrip.test.ts.
 */
import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { serialize } from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfigInput } from '../../models/types';
import { listEvaluations, saveEvaluation } from '../evaluation/evaluationStore';
import type { EvaluationRecord } from '../evaluation/evaluationTypes';
import { evaluationStep } from '../evaluation/evaluationStep';
import type { ExportAudit } from '../generation/exportAudit';
import { listExportAudits, saveExportAudit } from '../generation/exportAuditStore';
import type { KeyValueStore } from '../storage/keyValueStore';
import { storageKeys } from '../storage/schema';
import { phantomRunStore } from '../testing/phantomRunStore';
import { useWasmBackend } from '../testing/wasmBackend';
import { sha256 } from '../training/checkpointCodec';
import { listRuns, loadLatestGoodCheckpoint, loadRun, saveRun } from '../training/runStore';
import type { RunSettings } from '../training/runTypes';
import { Trainer, type TrainerHooks } from '../training/trainer';
import { pathUpTo, trainingSegments, type TrainingSegment } from '../training/trainingSegments';
import { cardSegments, importTarget } from './continueRun';
import { exportRunFile } from './exportRunFile';
import { checkRunFile, importRunFile } from './importRunFile';
import { libraryCard } from './libraryCard';
import { createRunFilesApi } from './runFilesApi';
import { PART, RunFileError, type RunCard, type RunFileManifest } from './runFileFormat';

const hooks: TrainerHooks = { emit: () => undefined, replaceBackend: async () => tf.getBackend(), backendName: () => tf.getBackend() };
const MODEL: ModelConfigInput = { kind: 'dcgan', width: 8, latentDim: 16, batchSize: 4, numClasses: 2, seed: 5 };
const settings = (totalSteps: number): RunSettings => ({
  name: 'tiny dcgan', datasetId: 'ds', model: MODEL, totalSteps, readbackEvery: 2, sampleEvery: 100, checkpointEvery: 100, keepCheckpoints: 2, samplesPerClass: 2, seed: 9,
});

async function trainTo(store: KeyValueStore, id: string, totalSteps: number): Promise<void> {
  const exists = await loadRun(store, id).then(() => true, () => false);
  if (exists) await saveRun(store, { ...(await loadRun(store, id)), settings: settings(totalSteps) });
  const trainer = exists ? await Trainer.resume(store, id, hooks) : await Trainer.create(store, id, settings(totalSteps), hooks);
  try {
    await trainer.run();
  } finally {
    trainer.dispose();
  }
}

async function weights(store: KeyValueStore, id: string): Promise<Map<string, Float32Array>> {
  const found = await loadLatestGoodCheckpoint(store, await loadRun(store, id), () => undefined);
  return new Map(found!.state.tensors.map((t) => [t.name, t.data]));
}

/** Every key and value of the store, hashed: equal dumps mean an unchanged store. */
async function dump(store: KeyValueStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of (await store.keys()).sort()) out.set(key, createHash('sha256').update(serialize(await store.get(key))).digest('hex'));
  return out;
}

/** The file with its card changed and the manifest's checksums refreshed (as train.py writes its cards). */
async function withCard(bytes: Uint8Array, change: (card: RunCard) => void): Promise<Uint8Array> {
  const entries = unzipSync(bytes);
  const card = JSON.parse(new TextDecoder().decode(entries[PART.card])) as RunCard;
  change(card);
  entries[PART.card] = strToU8(JSON.stringify(card));
  const manifest = JSON.parse(new TextDecoder().decode(entries[PART.manifest])) as RunFileManifest;
  manifest.parts[PART.card] = { sha256: await sha256(entries[PART.card]!), bytes: entries[PART.card]!.byteLength };
  entries[PART.manifest] = strToU8(JSON.stringify(manifest));
  return zipSync(entries);
}

const PYTORCH: TrainingSegment = { where: 'pytorch', fromStep: 4, toStep: 7, engine: 'PyTorch 1.13.1', device: 'cpu', processes: 2, started: '2026-12-04T21:00:00.000Z', seconds: 3 };

/** A file of run-a at step 7 whose steps 5–7 are said to come from PyTorch (torchrun, 2 processes). */
async function pytorchFile(): Promise<{ bytes: Uint8Array; weights: Map<string, Float32Array> }> {
  const elsewhere = await phantomRunStore('continue-elsewhere');
  await trainTo(elsewhere, 'run-a', 7);
  const file = await exportRunFile(elsewhere, 'run-a');
  const bytes = await withCard(file.bytes, (card) => {
    card.training.segments = [{ where: 'studio', fromStep: 0, toStep: 4, engine: 'wasm' }, PYTORCH];
  });
  return { bytes, weights: await weights(elsewhere, 'run-a') };
}

function evaluationAt(runId: string, step: number): EvaluationRecord {
  // Only the fields the library reads; an evaluation's figures do not matter here.
  return {
    id: 'evaluation-1', createdAt: 1, runId, step, realName: 'phantoms', fakeName: `tiny dcgan @ step ${step}`, resolution: 32,
    request: { realDatasetId: 'ds', fake: { kind: 'run', runId, checkpoint: 'latest', count: 8 }, features: 'raw', k: 3, maxReal: 16, seed: 1 },
    n: { train: 16, validation: 0, fake: 8 }, main: {} as EvaluationRecord['main'], baseline: null, memorization: null, overSteps: [], warnings: [], elapsedMs: 1, fakeKey: 'evaluation/evaluation-1/fake',
  };
}

const AUDIT: ExportAudit = { time: 123, step: 4, generated: 8, likelyCopies: 0, flaggedBySsim: 0, flaggedByFeatures: 0, dropped: 0, kept: 8, datasetId: 'ds', thresholds: { ssim: 0.1, features: 0.1 } };

beforeAll(async () => {
  await useWasmBackend();
});

describe('training segments', () => {
  it('fill the gaps with studio steps, clip at the step, and read older train.py cards', () => {
    expect(pathUpTo([PYTORCH], 9, 'wasm')).toEqual([{ where: 'studio', fromStep: 0, toStep: 4, engine: 'wasm' }, PYTORCH, { where: 'studio', fromStep: 7, toStep: 9, engine: 'wasm' }]);
    expect(pathUpTo([PYTORCH], 5, 'wasm')).toEqual([{ where: 'studio', fromStep: 0, toStep: 4, engine: 'wasm' }, { ...PYTORCH, toStep: 5 }]);
    expect(trainingSegments({ step: 3, backend: 'webgpu' })).toEqual([{ where: 'studio', fromStep: 0, toStep: 3, engine: 'webgpu' }]);
    expect(trainingSegments({ step: 0, backend: 'wasm' })).toEqual([]);
    // A card from train.py before segments existed: its engine list.
    const card = {
      checkpoint: { step: 7 },
      training: { backend: 'PyTorch 1.13.1 (cpu x 2)', pytorch: [{ engine: 'PyTorch 1.13.1', device: 'cpu', processes: 2, fromStep: 4, toStep: 7, seconds: 3 }] },
    } as unknown as RunCard;
    expect(cardSegments(card)).toEqual([
      { where: 'studio', fromStep: 0, toStep: 4, engine: 'studio' },
      { where: 'pytorch', fromStep: 4, toStep: 7, engine: 'PyTorch 1.13.1', device: 'cpu', processes: 2, seconds: 3 },
    ]);
    expect(evaluationStep({ fakeName: 'tiny dcgan @ step 12' })).toBe(12);
    expect(evaluationStep({ fakeName: 'a dataset' })).toBeNull();
    expect(evaluationStep({ fakeName: 'x @ step 12', step: 4 })).toBe(4);
  });
});

describe('continuing the run a file came from, in place', () => {
  it('replaces the weights and Adam state, advances the step, appends the curves and segments, keeps evaluations and audits with their step', async () => {
    const store = await phantomRunStore('continue-in-place');
    await trainTo(store, 'run-a', 4);
    await saveExportAudit(store, 'run-a', AUDIT);
    await saveEvaluation(store, evaluationAt('run-a', 4));
    const before = await loadRun(store, 'run-a');
    const { bytes, weights: trained } = await pytorchFile();

    const target = await importTarget(store, (await checkRunFile(bytes, 'run-step7.phantomrun')).card);
    expect(target).toEqual({ kind: 'continue', runId: 'run-a', name: 'tiny dcgan', storedStep: 4, fileStep: 7, added: [PYTORCH] });
    const imported = await importRunFile(store, bytes, 'run-step7.phantomrun');
    expect(imported).toEqual({ runId: 'run-a', continued: true, name: 'tiny dcgan', step: 7, hasOptimizer: true, datasetId: 'ds' });

    expect((await listRuns(store)).map((r) => r.id)).toEqual(['run-a']);
    const after = await loadRun(store, 'run-a');
    expect(after).toMatchObject({ step: 7, status: 'finished', createdAt: before.createdAt, samples: before.samples, best: before.best });
    expect(after.settings.totalSteps).toBe(7);
    expect(after.checkpoints.map((c) => c.step)).toEqual([...before.checkpoints.map((c) => c.step), 7]);
    expect(after.history.map((r) => r.step)).toEqual([2, 4, 6, 7]);
    expect(after.history.slice(0, 2)).toEqual(before.history);
    expect(trainingSegments(after)).toEqual([{ where: 'studio', fromStep: 0, toStep: 4, engine: 'wasm' }, PYTORCH]);
    expect(after.log.at(-1)!.text).toMatch(/^Continued in place from run-step7\.phantomrun: step 4 → 7 \(steps 4–7: PyTorch 1\.13\.1 on cpu, torchrun 2 processes\)/);
    expect(await weights(store, 'run-a')).toEqual(trained);
    // The step-4 checkpoint is still there and intact.
    expect((await loadLatestGoodCheckpoint(store, after, () => undefined, 4))!.state.step).toBe(4);

    // Evaluations and audits stay, each with the step it judged.
    expect((await listExportAudits(store, 'run-a')).map((a) => a.step)).toEqual([4]);
    expect((await listEvaluations(store)).map((e) => [e.runId, e.step])).toEqual([['run-a', 4]]);
    const library = await libraryCard(store, after);
    expect(library.evaluation).toMatchObject({ step: 4 });
    expect(library.audit).toMatchObject({ step: 4 });
    expect(library.segments.map((s) => s.where)).toEqual(['studio', 'pytorch']);
    expect(library.trainingSeconds).toBeGreaterThanOrEqual(3);
    const card = (await exportRunFile(store, 'run-a')).card;
    expect(card.training.segments).toEqual(trainingSegments(after));
    expect(card.evaluation).toMatchObject({ step: 4 });

    // The studio trains on from step 7: the same as the run trained there without a break.
    await trainTo(store, 'run-a', 9);
    const elsewhere = await phantomRunStore('continue-reference');
    await trainTo(elsewhere, 'run-a', 9);
    expect(await weights(store, 'run-a')).toEqual(await weights(elsewhere, 'run-a'));
    expect(trainingSegments(await loadRun(store, 'run-a')).map((s) => [s.where, s.fromStep, s.toStep])).toEqual([['studio', 0, 4], ['pytorch', 4, 7], ['studio', 7, 9]]);
  }, 300_000);

  it('offers a new run, saying why, when the lineage does not match; "continue" then refuses and stores nothing', async () => {
    const store = await phantomRunStore('continue-refused');
    await trainTo(store, 'run-a', 4);
    const at4 = (await exportRunFile(store, 'run-a')).bytes;
    await trainTo(store, 'run-a', 6);
    const { bytes } = await pytorchFile();
    const reasonFor = async (file: Uint8Array) => importTarget(store, (await checkRunFile(file, 'f.phantomrun')).card);

    // The run trained on here (to 6) after the file's training left it at 4.
    expect(await reasonFor(bytes)).toEqual({ kind: 'new', reason: expect.stringMatching(/^It names run "tiny dcgan" of this studio, but the run and the file have trained apart since step 4 \(here steps 0–6: studio \(wasm\); in the file steps 0–4: studio \(wasm\)\)\.$/) });
    const seed = await withCard(bytes, (card) => void ((card.model.config as { seed: number }).seed = 99));
    expect(await reasonFor(seed)).toMatchObject({ kind: 'new', reason: expect.stringMatching(/the model config differs \(seed: the run has 5, the file 99\)/) });
    expect(await reasonFor(at4)).toMatchObject({ kind: 'new', reason: expect.stringMatching(/the file is at step 4, behind the run's step 6/) });
    const elsewhere = await withCard(bytes, (card) => void (card.run.id = 'run-not-here'));
    expect(await reasonFor(elsewhere)).toEqual({ kind: 'new', reason: null });

    const stored = await dump(store);
    const error = await importRunFile(store, bytes, 'f.phantomrun', 'continue').then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(RunFileError);
    expect((error as Error).message).toMatch(/^f\.phantomrun › runcard\.json: cannot continue the run it came from\. It names run "tiny dcgan".*Nothing was imported\.$/);
    expect(await dump(store)).toEqual(stored);

    // 'auto' makes it a new run, leaving run-a as it was.
    const imported = await importRunFile(store, bytes, 'f.phantomrun');
    expect(imported.continued).toBe(false);
    expect(imported.runId).not.toBe('run-a');
    const copy = await loadRun(store, imported.runId);
    expect(trainingSegments(copy).map((s) => s.where)).toEqual(['studio', 'pytorch']);
    expect((await loadRun(store, 'run-a')).step).toBe(6);
  }, 300_000);

  it('never continues a built-in model: its PyTorch checkpoint becomes a new run', async () => {
    const store = await phantomRunStore('continue-built-in');
    await trainTo(store, 'run-a', 4);
    const record = await loadRun(store, 'run-a');
    await saveRun(store, { ...record, builtIn: { id: 'b', title: 'Built-in', trainedOn: 'phantoms', steps: 4, trainingSeconds: 1, command: '' } });
    const { bytes } = await pytorchFile();
    const target = await importTarget(store, (await checkRunFile(bytes, 'f.phantomrun')).card);
    expect(target).toEqual({ kind: 'new', reason: 'It names run "tiny dcgan" of this studio, but it is a built-in model, which is read-only and never trained further.' });
    const imported = await importRunFile(store, bytes, 'f.phantomrun');
    expect(imported.continued).toBe(false);
    expect((await loadRun(store, 'run-a')).step).toBe(4);
  }, 300_000);

  it('a later checkpoint of the same PyTorch job continues a run that took an earlier one', async () => {
    const store = await phantomRunStore('continue-same-job');
    await trainTo(store, 'run-a', 4);
    const elsewhere = await phantomRunStore('continue-same-job-elsewhere');
    await trainTo(elsewhere, 'run-a', 6);
    const at6 = await withCard((await exportRunFile(elsewhere, 'run-a')).bytes, (card) => void (card.training.segments = [{ where: 'studio', fromStep: 0, toStep: 4, engine: 'wasm' }, { ...PYTORCH, toStep: 6 }]));
    await trainTo(elsewhere, 'run-a', 7);
    const at7 = await withCard((await exportRunFile(elsewhere, 'run-a')).bytes, (card) => void (card.training.segments = [{ where: 'studio', fromStep: 0, toStep: 4, engine: 'wasm' }, PYTORCH]));
    const otherJob = await withCard(at7, (card) => void (card.training.segments = [{ where: 'studio', fromStep: 0, toStep: 4, engine: 'wasm' }, { ...PYTORCH, started: '2026-12-04T22:00:00.000Z' }]));

    expect(await importRunFile(store, at6, 'a-step6.phantomrun')).toMatchObject({ continued: true, step: 6 });
    // Another job that also started at step 4 has trained apart from the run's steps 5–6.
    expect(await importTarget(store, (await checkRunFile(otherJob, 'b.phantomrun')).card)).toMatchObject({ kind: 'new', reason: expect.stringMatching(/trained apart since step 4/) });
    const target = await importTarget(store, (await checkRunFile(at7, 'a-step7.phantomrun')).card);
    expect(target).toMatchObject({ kind: 'continue', storedStep: 6, added: [{ ...PYTORCH, fromStep: 6 }] });
    expect(await importRunFile(store, at7, 'a-step7.phantomrun')).toMatchObject({ runId: 'run-a', continued: true, step: 7 });
    expect(trainingSegments(await loadRun(store, 'run-a'))).toEqual([{ where: 'studio', fromStep: 0, toStep: 4, engine: 'wasm' }, PYTORCH]);
  }, 300_000);

  it('a failure while writing leaves the original run exactly as it was', async () => {
    const store = await phantomRunStore('continue-fails');
    await trainTo(store, 'run-a', 4);
    const { bytes } = await pytorchFile();
    const before = await dump(store);
    let failed = 0;
    // The store runs out of space when the run record is written, after the checkpoint's bytes landed.
    const failing: KeyValueStore = {
      ...store,
      get: (key) => store.get(key),
      getMany: (keys) => store.getMany(keys),
      keys: () => store.keys(),
      keysWithPrefix: (prefix) => store.keysWithPrefix(prefix),
      delMany: (keys) => store.delMany(keys),
      clear: () => store.clear(),
      setMany: async (entries) => {
        if (entries.some(([key]) => key === storageKeys.run('run-a'))) {
          failed++;
          throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        }
        return store.setMany(entries);
      },
    };
    const error = await importRunFile(failing, bytes, 'run-step7.phantomrun').then(() => null, (e: unknown) => e);
    expect(failed).toBe(1);
    expect((error as Error).name).toBe('QuotaExceededError');
    expect(await dump(store)).toEqual(before);
    expect(await store.get(storageKeys.checkpoint('run-a', 7))).toBeUndefined();
    // And the run still trains on from its own step 4.
    await trainTo(store, 'run-a', 5);
    expect((await loadRun(store, 'run-a')).step).toBe(5);
  }, 300_000);

  it('the API refuses to continue a run that trains right now, through its guard', async () => {
    const store = await phantomRunStore('continue-guard');
    await trainTo(store, 'run-a', 4);
    const { bytes } = await pytorchFile();
    const guarded: string[] = [];
    const api = createRunFilesApi(store, async () => undefined, async (runId, doing) => {
      guarded.push(`${runId}: ${doing}`);
      throw new Error(`Run "tiny dcgan" is training now: pause or stop it before it can be ${doing}.`);
    });
    const preview = await api.previewImport(bytes, 'run-step7.phantomrun');
    expect(preview.target).toMatchObject({ kind: 'continue', runId: 'run-a' });
    const before = await dump(store);
    await expect(api.importRunFile(bytes, 'run-step7.phantomrun')).rejects.toThrow(/is training now: pause or stop it before it can be continued from a run file/);
    expect(guarded).toEqual(['run-a: continued from a run file']);
    expect(await dump(store)).toEqual(before);
    // A new run needs no guard.
    expect(await api.importRunFile(bytes, 'run-step7.phantomrun', 'new')).toMatchObject({ continued: false, step: 7 });
  }, 300_000);
});
