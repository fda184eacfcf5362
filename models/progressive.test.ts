import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel } from './index';
import { useWasmBackend } from '../src/testing/wasmBackend';
import { progressiveSchedule, type Progressive } from './progressive';
import { phantomBatches } from '../src/testing/phantomBatches';
import { mean, trainFor, type PhantomBatches } from './testUtils';
import type { GenerativeModel } from './types';

beforeAll(async () => {
  await useWasmBackend();
});

/**
 * How far G's samples are from the real set in their first two moments: mean squared difference
 * of the per-pixel mean images plus that of the per-pixel standard-deviation maps. It measures G
 * without asking the critic, whose own scale drifts while it trains.
 */
function momentGap(model: GenerativeModel, real: tf.Tensor4D, samples: number): number {
  return tf.tidy(() => {
    const z = model.sampleLatent(samples, 12345);
    const fake = model.generate(z, null);
    const r = tf.moments(real, 0);
    const f = tf.moments(fake, 0);
    const meanGap = f.mean.sub(r.mean).square().mean();
    const stdGap = f.variance.sqrt().sub(r.variance.sqrt()).square().mean();
    return meanGap.add(stdGap).dataSync()[0];
  });
}

describe('progressiveSchedule', () => {
  const config = { startResolution: 4, resolution: 32, fadeSteps: 10, stableSteps: 5 } as const;
  it('is stable at the start, then fades each level in with α ramping to 1', () => {
    expect(progressiveSchedule(config, 0)).toEqual({ level: 0, resolution: 4, alpha: 1 });
    expect(progressiveSchedule(config, 4)).toEqual({ level: 0, resolution: 4, alpha: 1 });
    expect(progressiveSchedule(config, 5)).toEqual({ level: 1, resolution: 8, alpha: 0.1 });
    expect(progressiveSchedule(config, 14)).toEqual({ level: 1, resolution: 8, alpha: 1 });
    expect(progressiveSchedule(config, 19)).toEqual({ level: 1, resolution: 8, alpha: 1 });
    expect(progressiveSchedule(config, 20)).toEqual({ level: 2, resolution: 16, alpha: 0.1 });
    expect(progressiveSchedule(config, 35)).toEqual({ level: 3, resolution: 32, alpha: 0.1 });
    expect(progressiveSchedule(config, 10_000)).toEqual({ level: 3, resolution: 32, alpha: 1 });
  });

  it('never decreases resolution and α moves monotonically within a level', () => {
    let prev = progressiveSchedule(config, 0);
    for (let s = 1; s < 100; s++) {
      const p = progressiveSchedule(config, s);
      expect(p.resolution).toBeGreaterThanOrEqual(prev.resolution);
      if (p.level === prev.level) expect(p.alpha).toBeGreaterThanOrEqual(prev.alpha);
      prev = p;
    }
  });
});

describe('PG-GAN', () => {
  let data: PhantomBatches;
  beforeAll(() => {
    data = phantomBatches(32, 16);
  });
  afterAll(() => data.dispose());

  it('builds up to 256 px and always generates at the final resolution in [-1, 1]', () => {
    const model = createModel({ kind: 'pggan', resolution: 256, startResolution: 8, fmapBase: 64, fmapMax: 4, latentDim: 4, channels: 3 });
    const z = model.sampleLatent(2, 1);
    const out = model.generate(z, null);
    expect(out.shape).toEqual([2, 256, 256, 3]);
    expect(out.abs().max().arraySync()).toBeLessThanOrEqual(1);
    tf.dispose([z, out]);
    model.dispose();
  });

  it('grows 4 → 32 px through fades with finite losses and the scheduled resolutions', () => {
    const model = createModel({
      kind: 'pggan',
      resolution: 32,
      startResolution: 4,
      fadeSteps: 2,
      stableSteps: 2,
      fmapBase: 64,
      fmapMax: 4,
      batchSize: 4,
      latentDim: 8,
      numClasses: 2,
    }) as Progressive;
    const history = trainFor(model, data, 16, true);
    for (const h of history) for (const v of Object.values(h)) expect(Number.isFinite(v)).toBe(true);
    expect(history.map((h) => h.resolution)).toEqual(
      Array.from({ length: 16 }, (_, s) => progressiveSchedule(model.config, s).resolution),
    );
    expect(history.at(-1)?.resolution).toBe(32);
    expect(history.some((h) => h.alpha < 1 && h.resolution === 16)).toBe(true);
    const z = model.sampleLatent(2, 2);
    const labels = tf.tensor1d([0, 1], 'int32');
    const out = model.generate(z, labels, { ema: true });
    expect(out.shape).toEqual([2, 32, 32, 1]);
    tf.dispose([z, labels, out]);
    model.dispose();
  });

  it('learns at a fixed 8 px stage: the critic loss falls and G\'s samples move towards the phantoms', () => {
    // resolution = startResolution keeps one stage. At fmapMax 4, batch 4 it learns too, but too
    // slowly for a short test (moment gap 0.84 → 0.51 in 300 steps, seed 1); 16 maps, batch 8
    // measured 0.56 → 0.13 here, and seeds 2 and 3 behaved alike.
    const model = createModel({
      kind: 'pggan',
      resolution: 8,
      startResolution: 8,
      fmapBase: 128,
      fmapMax: 16,
      batchSize: 8,
      latentDim: 16,
      seed: 1,
    });
    const real = phantomBatches(8, 64);
    const steps = 300;
    const window = 50;
    const history: Record<string, number>[] = [];
    const gaps: number[] = [momentGap(model, real.images, 64)];
    while (history.length < steps) {
      history.push(...trainFor(model, real, window, false));
      gaps.push(momentGap(model, real.images, 64));
    }
    for (const h of history) for (const v of Object.values(h)) expect(Number.isFinite(v)).toBe(true);
    const windowMean = (name: string, w: Record<string, number>[]) => mean(w.map((h) => h[name]));
    const first = history.slice(0, window);
    const last = history.slice(-window);
    console.log(
      `PG-GAN 8 px, ${steps} steps: lossD ${windowMean('lossD', first).toFixed(3)} → ${windowMean('lossD', last).toFixed(3)}, ` +
        `Wasserstein ${windowMean('wasserstein', first).toFixed(3)} → ${windowMean('wasserstein', last).toFixed(3)}, ` +
        `moment gap per ${window} steps ${gaps.map((g) => g.toFixed(3)).join(' ')}`,
    );
    // The critic learns to separate real from fake: its loss −W + λ·GP + drift falls and the
    // Wasserstein estimate rises while the penalty keeps its input gradients near 1.
    expect(windowMean('lossD', last)).toBeLessThan(windowMean('lossD', first) - 1);
    expect(windowMean('wasserstein', last)).toBeGreaterThan(windowMean('wasserstein', first) + 1);
    expect(windowMean('gp', last)).toBeLessThan(0.1);
    // G learns: the moment gap of its samples, averaged over the first and last two snapshots, halves.
    expect(mean(gaps.slice(-2))).toBeLessThan(0.5 * mean(gaps.slice(0, 2)));
    real.dispose();
    model.dispose();
  });

  it('keeps learning through a 4 → 8 px fade: G\'s samples end far closer to the phantoms than when the fade began', () => {
    const model = createModel({
      kind: 'pggan',
      resolution: 8,
      startResolution: 4,
      stableSteps: 50,
      fadeSteps: 100,
      fmapBase: 128,
      fmapMax: 16,
      batchSize: 8,
      latentDim: 16,
      seed: 1,
    });
    const real = phantomBatches(8, 64);
    const window = 50;
    const history: Record<string, number>[] = [];
    const gaps: number[] = [];
    while (history.length < 250) {
      history.push(...trainFor(model, real, window, false));
      gaps.push(momentGap(model, real.images, 64));
    }
    for (const h of history) for (const v of Object.values(h)) expect(Number.isFinite(v)).toBe(true);
    expect(history.slice(50, 150).every((h) => h.resolution === 8 && h.alpha < 1 + 1e-9)).toBe(true);
    expect(history[50].alpha).toBeLessThan(0.05);
    console.log(`PG-GAN 4 → 8 px (fade at steps 50–149): moment gap after each ${window} steps ${gaps.map((g) => g.toFixed(3)).join(' ')}`);
    // gaps[0] is G at 4 px (upsampled) when the fade starts; gaps.at(-1) after 100 steps at 8 px, α = 1.
    expect(gaps.at(-1)!).toBeLessThan(0.5 * gaps[0]);
    expect(mean(history.slice(-window).map((h) => h.gp))).toBeLessThan(0.1);
    real.dispose();
    model.dispose();
  });

  it('rejects options it does not support, naming the reason', () => {
    expect(() => createModel({ kind: 'pggan', spectralNorm: true })).toThrow(/spectralNorm is not supported/);
    expect(() => createModel({ kind: 'pggan', resolution: 28 })).toThrow(/resolution must be/);
  });
});
