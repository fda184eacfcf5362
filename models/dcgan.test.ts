import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bceWithLogits, type Dcgan } from './dcgan';
import { createModel } from './index';
import { rawWeights } from './core/params';
import { r1Penalty } from './layers/gradientPenalty';
import { phantomBatches } from '../src/testing/phantomBatches';
import { mean, trainFor, type PhantomBatches } from './testUtils';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('DCGAN', () => {
  let data: PhantomBatches;
  beforeAll(() => {
    data = phantomBatches(32, 24);
  });
  afterAll(() => data.dispose());

  it('G and D have the right shapes at 28, 32, 64 and 128 px, grey and RGB, with attention', () => {
    for (const [resolution, channels, attentionResolution] of [
      [28, 1, 14],
      [32, 3, 16],
      [64, 1, 32],
      [128, 3, null],
    ] as const) {
      const model = createModel({ kind: 'dcgan', resolution, channels, width: 2, latentDim: 4, numClasses: 2, attentionResolution }) as Dcgan;
      const z = model.sampleLatent(2, 1);
      const labels = tf.tensor1d([1, 0], 'int32');
      const images = model.generate(z, labels);
      expect(images.shape).toEqual([2, resolution, resolution, channels]);
      const logits = model.discriminator.forward(images, tf.oneHot(labels, 2).toFloat() as tf.Tensor2D, rawWeights(model.store));
      expect(logits.shape).toEqual([2]);
      tf.dispose([z, labels, images, logits]);
      model.dispose();
    }
  });

  it('BCE with logits matches the textbook formula', () => {
    const logits = tf.tensor1d([-3, -0.5, 0, 2, 40]);
    const value = bceWithLogits(logits, 0.9).arraySync();
    const expected = mean(
      [-3, -0.5, 0, 2, 40].map((l) => {
        // log σ(l) and log(1 − σ(l)) in forms that stay finite for large |l|.
        const logP = -Math.log1p(Math.exp(-l));
        const logNotP = -l - Math.log1p(Math.exp(-l));
        return -(0.9 * logP + 0.1 * logNotP);
      }),
    );
    expect(value).toBeCloseTo(expected, 4);
  });

  it('D learns to tell phantoms from G samples in a short run; G still receives finite gradients', () => {
    const model = createModel({ kind: 'dcgan', resolution: 32, width: 4, batchSize: 4, latentDim: 8 });
    const history = trainFor(model, data, 25, false);
    for (const h of history) for (const v of Object.values(h)) expect(Number.isFinite(v)).toBe(true);
    // A D that cannot discriminate scores 2·ln 2; early in training D wins, so its loss must be
    // below that and D(real) above D(fake).
    const late = history.slice(-8);
    expect(mean(late.map((h) => h.lossD))).toBeLessThan(2 * Math.LN2 - 0.2);
    expect(mean(late.map((h) => h.dReal - h.dFake))).toBeGreaterThan(0.1);
    expect(mean(late.map((h) => h.gradNormG))).toBeGreaterThan(0);
    model.dispose();
  });

  it('generate({ ema: true }) uses the averaged weights, and fails clearly without EMA', () => {
    const model = createModel({ kind: 'dcgan', resolution: 32, width: 2, batchSize: 4, latentDim: 4, emaDecay: 0.5 });
    trainFor(model, data, 3, false);
    const z = model.sampleLatent(2, 3);
    const live = model.generate(z, null);
    const averaged = model.generate(z, null, { ema: true });
    expect(averaged.sub(live).abs().max().arraySync()).toBeGreaterThan(0);
    const plain = createModel({ kind: 'dcgan', resolution: 32, width: 2, batchSize: 4, latentDim: 4 });
    expect(() => plain.generate(z, null, { ema: true })).toThrow(/emaDecay is null/);
    expect(() => model.trainStep(data.images.slice(0, 3) as tf.Tensor4D, null)).toThrow(/expected \[4,32,32,1\]/);
    tf.dispose([z, live, averaged]);
    model.dispose();
    plain.dispose();
  });
  it('R1 penalty: the mean squared input-gradient norm, on a critic whose gradient is known', () => {
    // D(x)ᵢ = Σ w·xᵢ + ½ Σ xᵢ²: ∇ₓD(x)ᵢ = w + xᵢ, so the penalty is mean_i ‖w + xᵢ‖².
    const w = tf.tensor4d([0.5, -1, 2, 0.25], [1, 2, 2, 1]);
    const x = tf.tensor4d([1, 0, 0, 1, -1, 2, 0.5, 0], [2, 2, 2, 1]);
    const critic = (xi: tf.Tensor4D) => xi.mul(w).sum([1, 2, 3]).add(xi.square().sum([1, 2, 3]).mul(0.5)) as tf.Tensor1D;
    const expected = mean([
      [1.5, -1, 2, 1.25],
      [-0.5, 1, 2.5, 0.25],
    ].map((g) => g.reduce((s, v) => s + v * v, 0)));
    expect(r1Penalty(critic, x).arraySync()).toBeCloseTo(expected, 5);
    tf.dispose([w, x]);
  });

  it('r1Gamma: D is differentiated twice through batch norm, lossD stays the BCE, and D steps differently', () => {
    const config = { kind: 'dcgan', resolution: 32, width: 4, batchSize: 4, latentDim: 8, seed: 3 } as const;
    const plain = createModel(config) as Dcgan;
    const penalised = createModel({ ...config, r1Gamma: 10 }) as Dcgan;
    const [a] = trainFor(plain, data, 1, false);
    const [b] = trainFor(penalised, data, 1, false);
    // Same weights and batch before the step: the same BCE and D outputs, a larger D gradient (the penalty's).
    expect(b.lossD).toBeCloseTo(a.lossD, 5);
    expect(b.dReal).toBeCloseTo(a.dReal, 5);
    expect(b.gradNormD).toBeGreaterThan(a.gradNormD);
    const dOut = (m: Dcgan) => Array.from(m.store.get('D/out/w').dataSync());
    const before = dOut(plain);
    const moved = dOut(penalised).reduce((s, v, i) => s + Math.abs(v - before[i]), 0);
    expect(moved).toBeGreaterThan(0);
    const history = trainFor(penalised, data, 4, false);
    for (const h of history) for (const v of Object.values(h)) expect(Number.isFinite(v)).toBe(true);
    expect(() => createModel({ ...config, r1Gamma: -1 })).toThrow(/r1Gamma must be a finite number ≥ 0/);
    plain.dispose();
    penalised.dispose();
  });
});
