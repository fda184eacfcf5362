import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { savePhantomDataset } from '../datasets/phantomDataset';
import { openMemoryStore } from '../storage/memoryStore';
import type { KeyValueStore } from '../storage/keyValueStore';
import { Trainer, type TrainerHooks } from '../training/trainer';
import type { RunSettings } from '../training/runTypes';
import { Classroom, DEFAULT_SETTINGS, INTERPOLATION_STEPS, PRESETS, QUALITY_SAMPLES, REVERSE_IMAGES, REVERSE_STEPS } from './classroom';

let store: KeyValueStore;
let datasetId: string;
/** Enough images for a validation split of 20 or more (the quality figure's held-out images). */
let largerId: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  store = openMemoryStore();
  datasetId = (await savePhantomDataset(store, { modality: 'head-ct', size: 32, count: 64, seed: 1 }, () => {})).id;
  largerId = (await savePhantomDataset(store, { modality: 'head-ct', size: 32, count: 240, seed: 2 }, () => {})).id;
});

describe('the classroom', () => {
  it('keeps its session for current() and steps D alone, G alone or both', async () => {
    const classroom = new Classroom(store, 2, 2);
    expect(await classroom.current()).toBeNull();
    const first = await classroom.start(datasetId);
    expect(first.step).toBe(0);
    expect(first.dScoresReal).toHaveLength(16);
    expect(first.klPerDimension).toHaveLength(DEFAULT_SETTINGS.vaeLatent);
    await classroom.step(1, 'd');
    await classroom.step(2, 'g');
    const both = await classroom.step(1, 'both');
    expect([both.step, both.dUpdates, both.gUpdates, both.vaeSteps]).toEqual([4, 2, 3, 1]);
    expect(both.reconGrid).toHaveLength(16 * 32 * 32);
    for (const p of [...both.dScoresReal, ...both.dScoresFake]) expect(p > 0 && p < 1).toBe(true);
    const session = await classroom.current();
    expect(session?.update.step).toBe(4);
    expect(session?.ganRows.map((r) => r.step)).toEqual([1, 3, 4]);
    expect(session?.vaeRows.map((r) => r.step)).toEqual([4]);
    // D steps per G step: a round with 3 takes two D-only updates, then one of both.
    await classroom.configure({ ...DEFAULT_SETTINGS, dSteps: 3 });
    const round = await classroom.step(1);
    expect([round.dUpdates, round.gUpdates]).toEqual([5, 4]);
    classroom.stop();
    expect(await classroom.current()).toBeNull();
  }, 400_000);

  it('plays until paused, and frees every tensor when stopped', async () => {
    const before = tf.memory().numTensors;
    const classroom = new Classroom(store, 2, 2);
    await classroom.start(datasetId);
    const steps: number[] = [];
    await classroom.play(2, 0, 'both', (u) => {
      steps.push(u.step);
      if (steps.length === 3) void classroom.pause();
    });
    expect(steps).toEqual([2, 4, 6]);
    // After warm-up (the 2-D optimisers' slots appear on first use) a step holds no new tensors.
    const settled = tf.memory().numTensors;
    await classroom.step(1, 'd');
    await classroom.step(1, 'g');
    await classroom.step(2);
    await classroom.noising(300);
    await classroom.reverse();
    await classroom.interpolate(3, 4);
    expect(tf.memory().numTensors).toBe(settled);
    classroom.stop();
    await classroom.current();
    expect(tf.memory().numTensors).toBe(before);
  }, 400_000);

  it('pause answers with the step the worker stopped at, after the step in flight', async () => {
    // The Learn page once showed step 23 after a pause while the worker had gone on to 28: pause
    // returned nothing, so the page showed whichever of play's callbacks had reached it.
    const classroom = new Classroom(store, 2, 2);
    expect(await classroom.pause()).toBeNull();
    await classroom.start(datasetId);
    const seen: number[] = [];
    let paused: Promise<Awaited<ReturnType<Classroom['pause']>>> | null = null;
    const played = classroom.play(2, 0, 'both', (u) => {
      seen.push(u.step);
      // Asked from outside play's loop, a moment after the first update: the next step may be under way.
      if (seen.length === 1) setTimeout(() => (paused = classroom.pause()), 0);
    });
    await played;
    const last = await paused!;
    const worker = await classroom.current();
    expect(last?.playing).toBe(false);
    expect(last?.step).toBe(worker?.update.step);
    expect(last?.step).toBe(seen.at(-1));
    // Nothing moves after the answer.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await classroom.current())?.update.step).toBe(last?.step);
    classroom.stop();
  }, 400_000);

  it('starts its GAN, VAE and DDPM from stored runs (the built-in models) and refuses one that does not fit', async () => {
    const hooks: TrainerHooks = { emit: () => undefined, replaceBackend: async () => tf.getBackend(), backendName: () => tf.getBackend() };
    const trainRun = async (id: string, model: RunSettings['model']) => {
      const trainer = await Trainer.create(store, id, { name: `pretrained ${model.kind}`, datasetId, model, totalSteps: 3, readbackEvery: 1, sampleEvery: 100, checkpointEvery: 100, keepCheckpoints: 1, samplesPerClass: 1, seed: 4 }, hooks);
      await trainer.run();
      trainer.dispose();
    };
    await trainRun('pre-gan', { kind: 'dcgan', resolution: 32, width: 2, latentDim: 12, batchSize: 16 });
    await trainRun('pre-vae', { kind: 'vae', resolution: 32, width: 2, latentDim: 6, batchSize: 16, beta: 2 });
    // Its own sampling steps (50) are Generate's; the classroom's grid keeps its own passes.
    await trainRun('pre-ddpm', { kind: 'ddpm', resolution: 32, width: 2, batchSize: 16, samplingSteps: 50 });
    const classroom = new Classroom(store, 2, 2);
    const fresh = await classroom.start(datasetId);
    expect(fresh.startedFrom).toEqual({ gan: null, vae: null, ddpm: null });
    const first = await classroom.start(datasetId, DEFAULT_SETTINGS, { ganRunId: 'pre-gan', vaeRunId: 'pre-vae', ddpmRunId: 'pre-ddpm' });
    expect(first.startedFrom).toEqual({ gan: { name: 'pretrained dcgan', step: 3 }, vae: { name: 'pretrained vae', step: 3 }, ddpm: { name: 'pretrained ddpm', step: 3 } });
    expect(first.ddpmGrid).not.toEqual(fresh.ddpmGrid);
    expect(first.ddpmSteps).toBe(0);
    // The runs' own code sizes and β replace the settings'.
    expect([first.settings.ganLatent, first.settings.vaeLatent, first.settings.beta]).toEqual([12, 6, 2]);
    expect(first.klPerDimension).toHaveLength(6);
    expect(first.ganGrid).not.toEqual(fresh.ganGrid);
    const stepped = await classroom.step(1);
    expect([stepped.step, stepped.vaeSteps]).toEqual([1, 1]);
    expect(stepped.ddpmSteps).toBe(1);
    expect((await classroom.current())?.update.startedFrom.gan?.step).toBe(3);
    const reverse = await classroom.reverse();
    expect(reverse.frames).toHaveLength(REVERSE_STEPS + 1);
    await expect(classroom.start(datasetId, DEFAULT_SETTINGS, { ganRunId: 'pre-vae' })).rejects.toThrow(/start its GAN from a dcgan of 32 px .* "pretrained vae" is a vae/);
    // No session now: a refused DDPM frees the GAN and the VAE opened before it.
    const held = tf.memory().numTensors;
    await expect(classroom.start(datasetId, DEFAULT_SETTINGS, { ganRunId: 'pre-gan', ddpmRunId: 'pre-vae' })).rejects.toThrow(/start its DDPM from a ddpm of 32 px .* "pretrained vae" is a vae/);
    expect(tf.memory().numTensors).toBe(held);
    classroom.stop();
  }, 400_000);

  it('shows the forward diffusion process: originals at t = 0, noise taking over as t grows', async () => {
    const classroom = new Classroom(store, 2, 2);
    const { realGrid } = await classroom.start(datasetId);
    const clean = await classroom.noising(0);
    expect(clean.grid).toEqual(realGrid);
    expect(clean.alphaBar).toBe(1);
    const rmsFromReal = (g: Uint8Array) => Math.sqrt(g.reduce((sum, v, i) => sum + (v - realGrid[i]) ** 2, 0) / g.length);
    const levels = await Promise.all([100, 500, 1000].map((t) => classroom.noising(t)));
    expect(levels.map((l) => l.alphaBar)).toEqual([...levels.map((l) => l.alphaBar)].sort((a, b) => b - a));
    expect(levels[2].alphaBar).toBeLessThan(0.01);
    const distances = levels.map((l) => rmsFromReal(l.grid));
    expect(distances[0]).toBeLessThan(distances[1]);
    expect(distances[1]).toBeLessThan(distances[2]);
    expect(() => classroom.noising(1001)).toThrow(/t must be/);
    classroom.stop();
  });

  it('trains a DDPM beside the GAN and the VAE, in step, and measures all three against held-out images', async () => {
    const small = new Classroom(store, 2, 2);
    expect((await small.start(datasetId)).qualityUnavailable).toMatch(/fewer than 20 held-out .* not measured/);
    await expect(small.measure()).rejects.toThrow(/fewer than 20 held-out/);
    small.stop();
    const classroom = new Classroom(store, 2, 2);
    const first = await classroom.start(largerId);
    expect(first.ddpmGrid).toHaveLength(16 * 32 * 32);
    expect(first.quality).toEqual([]);
    expect(first.qualityUnavailable).toBeNull();
    await classroom.step(1, 'd'); // the DDPM waits for full steps, as the VAE does
    const both = await classroom.step(2);
    expect([both.vaeSteps, both.ddpmSteps]).toEqual([2, 2]);
    expect(Number.isFinite(both.ddpm.loss)).toBe(true);
    expect((await classroom.current())?.ddpmRows.map((r) => r.step)).toEqual([3]);
    const held = tf.memory().numTensors;
    const measured = await classroom.measure();
    expect(tf.memory().numTensors).toBe(held);
    expect(measured.quality).toHaveLength(1);
    const q = measured.quality[0];
    expect([q.step, q.modelSteps, q.n]).toEqual([3, 2, QUALITY_SAMPLES]);
    expect(q.real).toBeGreaterThanOrEqual(20);
    for (const v of [q.gan, q.vae, q.ddpm]) expect(Number.isFinite(v)).toBe(true);
    classroom.stop();
  }, 400_000);

  it('shows the reverse process frame by frame and the VAE’s interpolation between two chosen images', async () => {
    const classroom = new Classroom(store, 2, 2);
    await classroom.start(datasetId);
    const after = await classroom.step(1);
    const reverse = await classroom.reverse();
    expect(reverse.frames).toHaveLength(REVERSE_STEPS + 1);
    expect(reverse.frames[0].t).toBe(999);
    expect(reverse.frames.at(-1)!.t).toBe(-1);
    for (let i = 1; i < reverse.frames.length; i++) expect(reverse.frames[i].alphaBar).toBeGreaterThan(reverse.frames[i - 1].alphaBar);
    const tile = 32 * 32;
    for (const f of reverse.frames) expect(f.grid).toHaveLength(REVERSE_IMAGES * tile);
    // The last frame is the DDPM's sample from the same noise (its grid used fewer passes, so compare frames only).
    expect(reverse.frames.at(-1)!.grid).not.toEqual(reverse.frames[0].grid);
    expect(after.interpolation).toMatchObject({ from: 0, to: 1 });
    expect(after.interpolation.grid).toHaveLength(INTERPOLATION_STEPS * tile);
    const chosen = await classroom.interpolate(2, 9);
    expect(chosen.interpolation).toMatchObject({ from: 2, to: 9 });
    expect(chosen.interpolation.grid).not.toEqual(after.interpolation.grid);
    expect(() => classroom.interpolate(0, 16)).toThrow(/numbered 1 to 16/);
    classroom.stop();
  }, 400_000);

  it('refuses settings out of range', async () => {
    const classroom = new Classroom(store, 2, 2);
    expect(() => classroom.start(datasetId, { ...DEFAULT_SETTINGS, dSteps: 0 })).toThrow(/D steps/);
    expect(() => classroom.start(datasetId, { ...DEFAULT_SETTINGS, lrG: 0 })).toThrow(/learning rates/);
    expect(PRESETS.map((p) => p.provokes)).toEqual([null, 'mode-collapse', 'discriminator-wins', 'posterior-collapse']);
  });
});
