/**
 * The hooks the classroom uses: DCGAN's trainParts (D alone, G alone), score and per-network
 * learning rates; the VAE's KL per latent dimension.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dcgan } from './dcgan';
import { createModel } from './index';
import type { Vae } from './vae';
import { phantomBatches } from '../src/testing/phantomBatches';
import { trainFor, type PhantomBatches } from './testUtils';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Every stored tensor (weights, running statistics, Adam slots) by name, read back. */
function snapshot(model: Dcgan): Map<string, Float32Array> {
  return new Map(model.store.entries().map(([name, v]) => [name, Float32Array.from(v.dataSync())]));
}

/** Names of the stored tensors whose values differ between two snapshots. */
function changed(before: Map<string, Float32Array>, after: Map<string, Float32Array>): string[] {
  return [...before].filter(([name, a]) => a.some((x, i) => x !== after.get(name)![i])).map(([name]) => name);
}

const isD = (name: string) => /^D\//.test(name) || /^adamD\//.test(name);
const isG = (name: string) => /^G\//.test(name) || /^adamG\//.test(name);

describe('classroom hooks on the models', () => {
  let data: PhantomBatches;
  beforeAll(() => {
    data = phantomBatches(32, 24);
  });
  afterAll(() => data.dispose());

  const gan = () => createModel({ kind: 'dcgan', resolution: 32, width: 4, latentDim: 8, batchSize: 4, seed: 3 }) as Dcgan;

  function partStep(model: Dcgan, parts: { d: boolean; g: boolean }): Record<string, number> {
    const { real, labels } = data.batch(model.step, 4);
    const { metrics } = model.trainParts(real, null, parts);
    const values = metrics.dataSync();
    tf.dispose([real, labels, metrics]);
    return Object.fromEntries(model.metricNames.map((n, i) => [n, values[i]]));
  }

  it('a D-only step changes only D (weights and Adam slots), a G-only step only G', () => {
    const model = gan();
    const before = snapshot(model);
    const metricsD = partStep(model, { d: true, g: false });
    const afterD = snapshot(model);
    const dChanged = changed(before, afterD);
    expect(dChanged.length).toBeGreaterThan(0);
    expect(dChanged.filter((n) => !isD(n))).toEqual([]);
    expect(dChanged).toContain('D/out/w');
    // G's gradient is still measured and reported, only not applied.
    expect(metricsD.gradNormG).toBeGreaterThan(0);

    const metricsG = partStep(model, { d: false, g: true });
    const gChanged = changed(afterD, snapshot(model));
    expect(gChanged.length).toBeGreaterThan(0);
    expect(gChanged.filter((n) => !isG(n))).toEqual([]);
    expect(gChanged).toContain('G/out/w');
    expect(metricsG.gradNormD).toBeGreaterThan(0);
    expect(model.step).toBe(2);
    model.dispose();
  });

  it('both parts together is exactly trainStep', () => {
    const a = gan();
    const b = gan();
    trainFor(a, data, 2, false);
    partStep(b, { d: true, g: true });
    partStep(b, { d: true, g: true });
    const sa = snapshot(a);
    expect(changed(sa, snapshot(b))).toEqual([]);
    a.dispose();
    b.dispose();
  });

  it('score gives D’s probabilities in (0, 1) without changing anything', () => {
    const model = gan();
    const before = snapshot(model);
    const { real, labels } = data.batch(0, 4);
    const p = model.score(real, null);
    expect(p.shape).toEqual([4]);
    for (const v of p.dataSync()) expect(v > 0 && v < 1).toBe(true);
    expect(changed(before, snapshot(model))).toEqual([]);
    tf.dispose([real, labels, p]);
    model.dispose();
  });

  it('setLearningRates scales each network’s update (a 10× smaller D rate moves D less)', () => {
    const moved = (rates: { d: number; g: number } | null) => {
      const model = gan();
      if (rates) model.setLearningRates(rates);
      const before = snapshot(model);
      partStep(model, { d: true, g: true });
      const after = snapshot(model);
      const delta = (name: string) => before.get(name)!.reduce((s, x, i) => s + Math.abs(x - after.get(name)![i]), 0);
      const result = { d: delta('D/out/w'), g: delta('G/out/w') };
      model.dispose();
      return result;
    };
    const base = moved(null);
    const slowD = moved({ d: 2e-5, g: 2e-4 });
    // Adam's first step moves each weight by ≈ lr, so the D change is ≈ 10× smaller and G's is the same.
    expect(slowD.d).toBeLessThan(0.2 * base.d);
    expect(slowD.g).toBeCloseTo(base.g, 5);
    expect(() => gan().setLearningRates({ d: 0, g: 1e-4 })).toThrow(/learning rate/);
  });

  it('discriminatorLearningRateScale: D learns at that multiple of G’s rate, from the config', () => {
    const moved = (scale: number | undefined) => {
      const model = createModel({ kind: 'dcgan', resolution: 32, width: 4, latentDim: 8, batchSize: 4, seed: 3, ...(scale === undefined ? {} : { discriminatorLearningRateScale: scale }) }) as Dcgan;
      const before = snapshot(model);
      partStep(model, { d: true, g: true });
      const after = snapshot(model);
      const delta = (name: string) => before.get(name)!.reduce((s, x, i) => s + Math.abs(x - after.get(name)![i]), 0);
      const result = { d: delta('D/out/w'), g: delta('G/out/w') };
      model.dispose();
      return result;
    };
    const base = moved(undefined);
    const slowD = moved(0.1);
    // Adam's first step moves each weight by ≈ lr: D's change is ≈ 10× smaller, G's the same.
    expect(slowD.d).toBeLessThan(0.2 * base.d);
    expect(slowD.d).toBeGreaterThan(0.05 * base.d);
    expect(slowD.g).toBeCloseTo(base.g, 5);
    expect(moved(1)).toEqual(base);
    expect(() => createModel({ kind: 'dcgan', resolution: 32, width: 4, latentDim: 8, batchSize: 4, discriminatorLearningRateScale: 0 })).toThrow(/discriminatorLearningRateScale must be in \(0, 100\]/);
  });

  it('the VAE’s KL per dimension sums to its kl metric on the same batch', () => {
    const model = createModel({ kind: 'vae', resolution: 32, width: 4, latentDim: 6, batchSize: 4 }) as Vae;
    trainFor(model, data, 3, false);
    const { real, labels } = data.batch(0, 4);
    const perDim = model.klPerDimension(real, null);
    expect(perDim.shape).toEqual([6]);
    const values = Array.from(perDim.dataSync());
    for (const v of values) expect(v).toBeGreaterThanOrEqual(-1e-6);
    // The kl metric of a step on the same batch, before that step's update, is the same sum.
    const { metrics } = model.trainStep(real, null);
    const kl = metrics.dataSync()[model.metricNames.indexOf('kl')];
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(kl, 3);
    tf.dispose([real, labels, perDim, metrics]);
    model.dispose();
  });
});
