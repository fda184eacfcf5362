import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../../models';
import { Vae } from '../../models/vae';
import { useWasmBackend } from '../testing/wasmBackend';
import { generatePhantoms } from '../data/phantom';
import { openMemoryStore } from '../storage/memoryStore';
import { getDatasetIndex, getDatasetMeta, readImages, saveDataset } from '../storage/datasetStore';
import { loadRun, loadLatestGoodCheckpoint } from '../training/runStore';
import { Trainer } from '../training/trainer';
import type { RunSettings } from '../training/runTypes';
import { CancelledError, type Progress } from '../core/jobControl';
import { runReconstruction } from './reconstructionJob';
import { deleteReconstruction, listReconstructions, readReconstructionExamples, saveReconstruction } from './reconstructionStore';
import { metricStat, pairedStackMetrics } from './reconstructionMetrics';
import type { KeyValueStore } from '../storage/keyValueStore';

const SIZE = 32;

/** 80 head-CT phantoms: 60 training, 20 validation (or none held out). */
async function phantomDataset(store: KeyValueStore, id: string, withValidation: boolean) {
  const set = generatePhantoms({ modality: 'head-ct', size: SIZE, count: 80, seed: 4 });
  const splits = Uint8Array.from({ length: 80 }, (_, i) => (withValidation && i >= 60 ? 1 : 0));
  await saveDataset(
    store,
    { id, name: id, source: 'phantom', description: '', width: SIZE, height: SIZE, channels: 1, count: 80, classNames: ['normal', 'lesion'], chunkSize: 32, createdAt: 0 },
    { labels: set.labels, splits },
    [0, 1, 2].map((c) => ({ pixels: set.images.slice(c * 32 * SIZE * SIZE, Math.min(80, (c + 1) * 32) * SIZE * SIZE) })),
  );
}

/** A run with its step-0 checkpoint, trained for `steps` steps when steps > 0. */
async function createRun(store: KeyValueStore, id: string, datasetId: string, model: RunSettings['model'], steps: number) {
  const every = Math.max(1, steps);
  const trainer = await Trainer.create(
    store,
    id,
    { name: id, datasetId, model, totalSteps: every, readbackEvery: every, sampleEvery: every, checkpointEvery: every, keepCheckpoints: 2, samplesPerClass: 1, seed: 1 },
    { emit: () => undefined, replaceBackend: async () => 'cpu', backendName: () => 'cpu' },
  );
  if (steps > 0) await trainer.run();
  trainer.dispose();
}

beforeAll(async () => {
  await useWasmBackend();
});

describe('reconstruction job', () => {
  it('reconstructs held-out images through a VAE checkpoint, with mean ± std and N of each paired metric', async () => {
    const store = openMemoryStore();
    await phantomDataset(store, 'real', true);
    await createRun(store, 'vae', 'real', { kind: 'vae', width: 4, latentDim: 8, batchSize: 8, seed: 2, numClasses: 2 }, 6);
    const progress: Progress[] = [];
    const record = await runReconstruction(store, 'r1', { runId: 'vae', checkpoint: 'latest', count: 8, seed: 3 }, (p) => progress.push(p));

    expect(record).toMatchObject({ runName: 'vae', datasetName: 'real', step: 6, resolution: SIZE, channels: 1, source: 'validation', n: 8 });
    // A seeded choice among the validation images (60..79).
    expect(record.exampleIndices).toHaveLength(8);
    expect(record.exampleIndices.every((i) => i >= 60 && i < 80)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ label: 'Done', done: 8, total: 8 });
    // 32 px is below MS-SSIM's 161 px: the reason is reported instead of a number.
    expect(record.metrics.msSsim).toBeNull();
    expect(record.metrics.msSsimUnavailable).toMatch(/at least 161 px.*got 32x32/);
    expect(record.warnings).toContain(record.metrics.msSsimUnavailable);

    // The stored examples are the dataset's images and the checkpoint's own reconstructions of them.
    const examples = await readReconstructionExamples(store, 'r1');
    const meta = await getDatasetMeta(store, 'real');
    const originals = new Uint8Array(8 * SIZE * SIZE);
    for (const [k, i] of record.exampleIndices.entries()) originals.set(await readImages(store, meta, i, 1), k * SIZE * SIZE);
    expect(examples.originals).toEqual(originals);
    const found = (await loadLatestGoodCheckpoint(store, await loadRun(store, 'vae'), () => undefined))!;
    const model = createModel(found.state.config) as Vae;
    model.importState(found.state);
    const { labels: datasetLabels } = await getDatasetIndex(store, 'real');
    const labels = Int32Array.from(record.exampleIndices, (i) => datasetLabels[i]);
    const direct = tf.tidy(() =>
      model
        .reconstruct(tf.tensor4d(Float32Array.from(originals, (v) => v / 127.5 - 1), [8, SIZE, SIZE, 1]), tf.tensor1d(labels, 'int32'))
        .add(1)
        .mul(127.5)
        .clipByValue(0, 255)
        .round(),
    );
    const expected = Uint8Array.from(await direct.data());
    direct.dispose();
    model.dispose();
    expect(examples.reconstructions).toEqual(expected);

    // With all 8 images among the examples, the record's figures are exactly those of the pairs.
    const again = pairedStackMetrics(examples.originals, examples.reconstructions, { count: 8, width: SIZE, height: SIZE, channels: 1 });
    expect(record.metrics).toEqual(again);
    const { ssim, mse, mae, psnr } = record.metrics;
    expect(ssim.n).toBe(8);
    expect(ssim.mean).toBeLessThan(1);
    expect(ssim.std).toBeGreaterThan(0);
    expect(mse.mean).toBeGreaterThan(0);
    expect(mae.mean).toBeGreaterThanOrEqual(mse.mean);
    expect(Number.isFinite(psnr.mean)).toBe(true);

    await saveReconstruction(store, record);
    expect((await listReconstructions(store)).map((r) => r.id)).toEqual(['r1']);
    await deleteReconstruction(store, 'r1');
    expect(await listReconstructions(store)).toEqual([]);
    await expect(readReconstructionExamples(store, 'r1')).rejects.toThrow(/missing/);
  });

  it('falls back to every image with a warning when nothing is held out, stops when cancelled, and refuses runs without an encoder', async () => {
    const store = openMemoryStore();
    await phantomDataset(store, 'all', false);
    await createRun(store, 'vae', 'all', { kind: 'vae', width: 4, latentDim: 8, batchSize: 8, seed: 2 }, 0);
    const record = await runReconstruction(store, 'r2', { runId: 'vae', checkpoint: 'best', count: 40, seed: 3 }, () => undefined);
    expect(record).toMatchObject({ source: 'all', n: 40, step: 0 });
    expect(record.metrics.ssim.n).toBe(40);
    expect(record.warnings.join(' ')).toMatch(/no validation images.*training images included/);

    let polls = 0;
    const cancel = { isCancelled: () => ++polls > 1 };
    await expect(runReconstruction(store, 'r3', { runId: 'vae', checkpoint: 'latest', count: 40, seed: 3 }, () => undefined, cancel)).rejects.toBeInstanceOf(CancelledError);
    expect(polls).toBe(2);

    await createRun(store, 'gan', 'all', { kind: 'dcgan', width: 4, latentDim: 8, batchSize: 4, seed: 2 }, 0);
    await expect(runReconstruction(store, 'r4', { runId: 'gan', checkpoint: 'latest', count: 8, seed: 3 }, () => undefined)).rejects.toThrow(/needs a VAE run.*"gan" is a dcgan/);
    await expect(runReconstruction(store, 'r5', { runId: 'vae', checkpoint: 'latest', count: 1, seed: 3 }, () => undefined)).rejects.toThrow(/at least 2 images/);
  });
});

describe('paired metrics of a stack', () => {
  const phantoms = (size: number, count: number) => generatePhantoms({ modality: 'head-ct', size: size as 32, count, seed: 9 }).images;

  it('a perfect reconstruction gives SSIM 1, MSE and MAE 0 and an infinite PSNR', () => {
    const images = phantoms(32, 4);
    const m = pairedStackMetrics(images, images.slice(), { count: 4, width: 32, height: 32, channels: 1 });
    expect(m.ssim).toEqual({ mean: 1, std: 0, n: 4 });
    expect(m.mse).toEqual({ mean: 0, std: 0, n: 4 });
    expect(m.mae).toEqual({ mean: 0, std: 0, n: 4 });
    expect(m.psnr.mean).toBe(Infinity);
    expect(m.psnr.std).toBeNaN();
  });

  it('PSNR, MSE and MAE on the 0–1 scale; colour averages SSIM over channels and pools errors over all values', () => {
    // Every pixel off by 51 grey levels = 0.2: MSE 0.04, MAE 0.2, PSNR 10·log10(1 / 0.04) dB.
    const zeros = new Uint8Array(2 * 16 * 16);
    const m = pairedStackMetrics(zeros, new Uint8Array(2 * 16 * 16).fill(51), { count: 2, width: 16, height: 16, channels: 1 });
    expect(m.mse.mean).toBeCloseTo(0.04, 12);
    expect(m.mae.mean).toBeCloseTo(0.2, 12);
    expect(m.psnr.mean).toBeCloseTo(10 * Math.log10(25), 10);
    // RGB: only the red channel of each image is changed, so the image MSE is a third of red's.
    const grey = phantoms(32, 2);
    const rgb = new Uint8Array(grey.length * 3);
    grey.forEach((v, p) => rgb.set([v, v, v], 3 * p));
    const redShifted = rgb.map((v, q) => (q % 3 === 0 ? Math.min(255, v + 30) : v));
    const redOnly = Uint8Array.from(grey, (v) => Math.min(255, v + 30));
    const colour = pairedStackMetrics(rgb, redShifted, { count: 2, width: 32, height: 32, channels: 3 });
    const red = pairedStackMetrics(grey, redOnly, { count: 2, width: 32, height: 32, channels: 1 });
    expect(colour.mse.mean).toBeCloseTo(red.mse.mean / 3, 12);
    expect(colour.mae.mean).toBeCloseTo(red.mae.mean / 3, 12);
    expect(colour.ssim.mean).toBeCloseTo((red.ssim.mean + 2) / 3, 12);
    expect(colour.psnr.mean).toBeCloseTo(red.psnr.mean + 10 * Math.log10(3), 10);
  });

  it('gives an MS-SSIM value from 161 px, below 1 for a degraded copy', () => {
    const size = 161;
    const a = new Uint8Array(2 * size * size);
    for (let i = 0; i < a.length; i++) a[i] = (Math.sin(i / 7) * 0.5 + 0.5) * 200;
    const b = Uint8Array.from(a, (v, i) => Math.max(0, Math.min(255, v + ((i * 7919) % 41) - 20)));
    const same = pairedStackMetrics(a, a, { count: 2, width: size, height: size, channels: 1 });
    const worse = pairedStackMetrics(a, b, { count: 2, width: size, height: size, channels: 1 });
    expect(same.msSsim?.mean).toBeCloseTo(1, 12);
    expect(worse.msSsim!.mean).toBeLessThan(1);
    expect(worse.msSsim!.mean).toBeGreaterThan(0);
    expect(worse.msSsimUnavailable).toBeUndefined();
  });

  it('summarises with the sample standard deviation and refuses mismatched stacks', () => {
    expect(metricStat([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3), n: 4 });
    expect(metricStat([7]).std).toBeNaN();
    expect(() => pairedStackMetrics(new Uint8Array(10), new Uint8Array(12), { count: 1, width: 10, height: 1, channels: 1 })).toThrow(/expected 1 images of 10 bytes/);
  });
});
