import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel } from './index';
import { rawWeights } from './core/params';
import { gradientPenalty, inputGradientNorms } from './layers/gradientPenalty';
import { FULL_DIFF_AUGMENT } from './layers/diffAugment';
import { phantomBatches } from '../src/testing/phantomBatches';
import { mean, trainFor, type PhantomBatches } from './testUtils';
import type { WganGp } from './wgangp';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A critic small enough for per-pixel finite differences, with every feature the penalty flows through. */
function tinyCritic() {
  const model = createModel({
    kind: 'wgan-gp',
    resolution: 8,
    width: 2,
    batchSize: 2,
    latentDim: 4,
    numClasses: 2,
    attentionResolution: 4,
    seed: 3,
  }) as WganGp;
  // Non-zero attention γ so the attention path contributes to the gradient.
  model.store.get('D/attn/gamma').assign(tf.tensor1d([0.7]));
  const labels = tf.oneHot(tf.tensor1d([0, 1], 'int32'), 2).toFloat() as tf.Tensor2D;
  const critic = (x: tf.Tensor4D) =>
    model.discriminator.forward(x, tf.tile(labels, [x.shape[0] / 2, 1]) as tf.Tensor2D, rawWeights(model.store));
  return { model, critic, labels };
}

describe('gradient penalty', () => {
  it('per-sample input-gradient norms match central finite differences', () => {
    const { model, critic } = tinyCritic();
    const x = tf.randomNormal([2, 8, 8, 1], 0, 0.5, 'float32', 11) as tf.Tensor4D;
    const analytic = inputGradientNorms(critic, x).arraySync();
    // Perturb each of the 64 pixels of each sample by ±h, batched so that the label pattern
    // (0, 1, 0, 1, ...) keeps sample i paired with its own label.
    const h = 1e-2;
    const dims = 64;
    const base = x.arraySync() as number[][][][];
    const plus: number[][][][] = [];
    const minus: number[][][][] = [];
    for (let d = 0; d < dims; d++) {
      for (let s = 0; s < 2; s++) {
        const p = structuredClone(base[s]);
        const m = structuredClone(base[s]);
        p[Math.floor(d / 8)][d % 8][0] += h;
        m[Math.floor(d / 8)][d % 8][0] -= h;
        plus.push(p);
        minus.push(m);
      }
    }
    const fPlus = critic(tf.tensor4d(plus)).arraySync();
    const fMinus = critic(tf.tensor4d(minus)).arraySync();
    for (let s = 0; s < 2; s++) {
      let sq = 0;
      for (let d = 0; d < dims; d++) sq += ((fPlus[2 * d + s] - fMinus[2 * d + s]) / (2 * h)) ** 2;
      expect(analytic[s]).toBeGreaterThan(1e-3);
      expect(Math.abs(analytic[s] - Math.sqrt(sq)) / Math.sqrt(sq)).toBeLessThan(1e-2);
    }
    model.dispose();
  });

  it('second-order gradient of the penalty w.r.t. a critic weight matches finite differences', () => {
    const { model, critic } = tinyCritic();
    const real = tf.randomNormal([2, 8, 8, 1], 0, 0.5, 'float32', 12) as tf.Tensor4D;
    const fake = tf.randomNormal([2, 8, 8, 1], 0, 0.5, 'float32', 13) as tf.Tensor4D;
    const penalty = () => gradientPenalty(critic, real, fake, 99).penalty;
    const w = model.store.get('D/down0/w');
    const { grads } = tf.variableGrads(penalty, [w]);
    const analytic = grads[w.name].flatten().arraySync();
    const values = w.flatten().arraySync();
    const h = 1e-2;
    for (const index of [0, 5, 17, 30]) {
      const at = (delta: number) => {
        const v = values.slice();
        v[index] += delta;
        w.assign(tf.tensor(v, w.shape));
        return penalty().arraySync();
      };
      const numeric = (at(h) - at(-h)) / (2 * h);
      expect(Math.abs(analytic[index] - numeric)).toBeLessThan(2e-2 * Math.max(1, Math.abs(numeric)));
    }
    model.dispose();
  });
});

describe('WGAN-GP training', () => {
  let data: PhantomBatches;
  beforeAll(() => {
    data = phantomBatches(32, 24);
  });
  afterAll(() => data.dispose());

  it('generates the configured shapes at 28, 32, 64 and 128 px, grey and RGB', () => {
    for (const [resolution, channels] of [
      [28, 1],
      [32, 3],
      [64, 1],
      [128, 3],
    ] as const) {
      const model = createModel({ kind: 'wgan-gp', resolution, channels, width: 2, latentDim: 4, numClasses: 2 });
      const z = model.sampleLatent(3, 1);
      const labels = tf.tensor1d([0, 1, 1], 'int32');
      const out = model.generate(z, labels);
      expect(out.shape).toEqual([3, resolution, resolution, channels]);
      const [lo, hi] = [out.min().arraySync(), out.max().arraySync()];
      expect(lo).toBeGreaterThanOrEqual(-1);
      expect(hi).toBeLessThanOrEqual(1);
      tf.dispose([z, labels, out]);
      model.dispose();
    }
  });

  it('the critic learns to separate real from fake on phantoms, with finite losses', () => {
    const model = createModel({ kind: 'wgan-gp', resolution: 32, width: 4, batchSize: 4, latentDim: 8, numClasses: 2, nCritic: 5 });
    const history = trainFor(model, data, 30, true);
    for (const h of history) {
      for (const name of ['lossD', 'lossG', 'gp', 'wasserstein', 'inputGradNorm', 'gradNormD'])
        expect(Number.isFinite(h[name]), `${name} at step`).toBe(true);
      expect(Number.isFinite(h.gradNormG)).toBe(h.gUpdated === 1);
    }
    expect(history.filter((h) => h.gUpdated === 1).length).toBe(6);
    // At initialisation the critic cannot tell real from fake (estimate ≈ 0); after training the
    // Wasserstein estimate must be clearly positive and the penalty must keep gradients near 1.
    const late = history.slice(-10);
    expect(mean(late.map((h) => h.wasserstein))).toBeGreaterThan(0.5);
    expect(mean(late.map((h) => h.inputGradNorm))).toBeLessThan(3);
    model.dispose();
  });
});
