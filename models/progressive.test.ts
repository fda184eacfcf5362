import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel } from './index';
import { progressiveSchedule, type Progressive } from './progressive';
import { phantomBatches, trainFor, type PhantomBatches } from './testUtils';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

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

  it('rejects options it does not support, naming the reason', () => {
    expect(() => createModel({ kind: 'pggan', spectralNorm: true })).toThrow(/spectralNorm is not supported/);
    expect(() => createModel({ kind: 'pggan', resolution: 28 })).toThrow(/resolution must be/);
  });
});
