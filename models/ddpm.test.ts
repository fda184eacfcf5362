import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alphaBars, ddimTimesteps, type Ddpm } from './ddpm';
import { createModel, resolveConfig } from './index';
import { groupNorm } from './nets/unet';
import { phantomBatches } from '../src/testing/phantomBatches';
import { mean, trainFor, type PhantomBatches } from './testUtils';
import type { ModelConfigInput } from './types';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// The cpu backend's conv filter gradient reads every element through TensorBuffer.get (≈ 1 µs per
// multiply-add here), so the nets under test are 2 channels wide.
const TINY: ModelConfigInput = { kind: 'ddpm', resolution: 16, width: 2, channelMultipliers: [1, 2], batchSize: 2, timesteps: 100, samplingSteps: 5, seed: 3 };

describe('DDPM schedules', () => {
  it('ᾱ falls from ≈1 to ≈0 for both schedules, and the linear one matches Ho et al. at T = 1000', () => {
    for (const schedule of ['linear', 'cosine'] as const) {
      const a = alphaBars(schedule, 1000);
      expect(a[0]).toBeGreaterThan(0.999);
      expect(a[999]).toBeLessThan(1e-4);
      for (let t = 1; t < 1000; t++) expect(a[t]).toBeLessThan(a[t - 1]);
    }
    const linear = alphaBars('linear', 1000);
    expect(linear[0]).toBeCloseTo(1 - 1e-4, 10);
    expect(linear[1]).toBeCloseTo((1 - 1e-4) * (1 - (1e-4 + (0.02 - 1e-4) / 999)), 10);
    // Cosine: ᾱ_t ≈ cos²(((t+1)/T + s)/(1 + s) · π/2) / cos²(s/(1 + s) · π/2) away from the β clip.
    const f = (t: number) => Math.cos(((t / 1000 + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    expect(alphaBars('cosine', 1000)[499]).toBeCloseTo(f(500) / f(0), 10);
  });

  it('DDIM visits evenly spaced timesteps from T−1 down to x_0', () => {
    expect(ddimTimesteps(1000, 4)).toEqual([999, 749, 499, 249, -1]);
    expect(ddimTimesteps(10, 10)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1]);
    expect(() => ddimTimesteps(10, 11)).toThrow(/1 ≤ steps ≤ T/);
  });

  it('GroupNorm normalises each image and group on its own', () => {
    const x = tf.randomNormal([2, 4, 4, 6], 3, 5, 'float32', 11) as tf.Tensor4D;
    const y = groupNorm(x, tf.ones([6]), tf.zeros([6]), 2);
    const groups = y.reshape([2, 16, 2, 3]);
    const { mean: m, variance: v } = tf.moments(groups, [1, 3]);
    for (const value of m.dataSync()) expect(Math.abs(value)).toBeLessThan(1e-5);
    for (const value of v.dataSync()) expect(value).toBeCloseTo(1, 3);
    tf.dispose([x, y, groups, m, v]);
  });
});

describe('DDPM config', () => {
  it('derives latentDim from the image and rejects a chosen one', () => {
    expect(resolveConfig({ kind: 'ddpm', resolution: 64, channels: 3 }).latentDim).toBe(64 * 64 * 3);
    expect(() => resolveConfig({ kind: 'ddpm', resolution: 32, latentDim: 100 })).toThrow(/latentDim is the starting-noise size/);
    expect(() => resolveConfig({ kind: 'ddpm', resolution: 24, channelMultipliers: [1, 2, 2, 2] })).toThrow(/halve 3 times/);
    expect(() => resolveConfig({ kind: 'ddpm', timesteps: 10, samplingSteps: 20 })).toThrow(/samplingSteps/);
  });
});

describe('DDPM', () => {
  let data: PhantomBatches;
  beforeAll(() => {
    data = phantomBatches(16, 24);
  });
  afterAll(() => data.dispose());

  it('generates finite images in [-1, 1] at 16 px grey and 32 px RGB, conditional or not, raw or EMA', () => {
    for (const [resolution, channels, numClasses] of [
      [16, 1, 0],
      [32, 3, 2],
    ] as const) {
      const model = createModel({ ...TINY, resolution, channels, numClasses, channelMultipliers: [1, 2, 2] }) as Ddpm;
      // Train once so the zero-initialised output layer no longer makes every prediction 0.
      const real = tf.randomUniform([2, resolution, resolution, channels], -1, 1, 'float32', 5) as tf.Tensor4D;
      const labels = numClasses ? tf.tensor1d([0, 1], 'int32') : null;
      model.trainStep(real, labels).metrics.dispose();
      const z = model.sampleLatent(3, 9);
      expect(z.shape).toEqual([3, resolution * resolution * channels]);
      const y = numClasses ? tf.tensor1d([0, 1, 1], 'int32') : null;
      for (const ema of [false, true]) {
        const out = model.generate(z, y, { ema });
        expect(out.shape).toEqual([3, resolution, resolution, channels]);
        const values = out.dataSync();
        for (const v of values) expect(v >= -1 && v <= 1).toBe(true);
        out.dispose();
      }
      tf.dispose([real, z, ...(labels ? [labels] : []), ...(y ? [y] : [])]);
      model.dispose();
    }
  });

  it('generate is deterministic in z and rejects mis-shaped noise and labels', () => {
    const model = createModel(TINY) as Ddpm;
    const z = model.sampleLatent(2, 4);
    const a = model.generate(z, null);
    const b = model.generate(z, null);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    const wrong = tf.zeros([2, 10]) as tf.Tensor2D;
    expect(() => model.generate(wrong, null)).toThrow(/models\/ddpm.ts: generate needs z of shape \[n, 256\]/);
    const labels = tf.tensor1d([0, 1], 'int32');
    expect(() => model.generate(z, labels)).toThrow(/unconditional/);
    tf.dispose([z, a, b, wrong, labels]);
    model.dispose();
  });

  it("draws the starting noise with each image's mean removed (a positive mean gave a white frame)", () => {
    // Regression: x̂_0 at t = T − 1 multiplies what the U-Net cannot predict of x_T (its mean) by
    // 1/√ᾱ_{T−1}, and the clip to [−1, 1] made a positive mean a saturated frame (ddpm.ts, centredNoise).
    const model = createModel({ ...TINY, channels: 3 }) as Ddpm;
    const z = model.sampleLatent(3, 11);
    const perChannel = z.reshape([3, 16 * 16, 3]);
    const means = perChannel.mean(1).arraySync() as number[][];
    for (const image of means) for (const m of image) expect(Math.abs(m)).toBeLessThan(1e-6);
    // Still unit spread, and still a function of the seed alone.
    expect(Math.sqrt(z.square().mean().dataSync()[0])).toBeGreaterThan(0.9);
    const again = model.sampleLatent(3, 11);
    expect(Array.from(again.dataSync())).toEqual(Array.from(z.dataSync()));
    tf.dispose([z, perChannel, again]);
    model.dispose();
  });

  it('DPM-Solver++ in 10 passes lands nearer the many-step answer (DDIM over all 100 levels) than DDIM in 10', () => {
    const adam = { learningRate: 5e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    const model = createModel({ ...TINY, batchSize: 4, adam }) as Ddpm;
    trainFor(model, data, 25, false); // a net that predicts something, so the ODE is not trivial
    const z = model.sampleLatent(4, 11);
    const distance = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => a.sub(b).square().mean().sqrt().dataSync()[0]);
    const reference = model.generate(z, null, { sampler: 'ddim', samplingSteps: 100 });
    const ddim10 = model.generate(z, null, { sampler: 'ddim', samplingSteps: 10 });
    const dpm10 = model.generate(z, null, { sampler: 'dpm-solver++', samplingSteps: 10 });
    const errors = { ddim10: distance(ddim10, reference), dpm10: distance(dpm10, reference) };
    // Measured on cpu: RMS distance 0.009 (DPM-Solver++) against 0.030 (DDIM); 0.020 on the earlier path
    // spread in λ from λ_99 = −7.6, and 0.033 on a path that started at the first level above −5.1 (λ_98 =
    // −4.2) without stepping there from level 99, where the starting noise lives.
    expect(errors.dpm10).toBeLessThan(errors.ddim10 / 2);
    tf.dispose([z, reference, ddim10, dpm10]);
    model.dispose();
  });

  it("a train step computes no gradient for the noisy images (only the weights' are needed)", async () => {
    // The U-Net's first conv was a FusedConv2D, whose gradient computes the input's too: a full
    // Conv2DBackpropInput onto the image channels, thrown away every step.
    const model = createModel({ ...TINY, batchSize: 2 }) as Ddpm;
    const { resolution, channels } = model.config;
    const real = tf.randomUniform([2, resolution, resolution, channels], -1, 1, 'float32', 5) as tf.Tensor4D;
    const info = await tf.profile(() => { model.trainStep(real, null).metrics.dispose(); });
    const ontoImages = info.kernels.filter((k) => k.name === 'Conv2DBackpropInput' && k.inputShapes[1]?.[2] === channels);
    expect(ontoImages.map((k) => k.inputShapes)).toEqual([]);
    expect(info.kernels.filter((k) => k.name === 'Conv2DBackpropFilter').length).toBeGreaterThan(0);
    real.dispose();
    model.dispose();
  });

  it('noise-prediction loss is finite and falls on phantoms', () => {
    // A learning rate 25× the default so that 25 steps of a 2-channel net show it learning.
    const adam = { learningRate: 5e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    const model = createModel({ ...TINY, batchSize: 4, adam });
    const history = trainFor(model, data, 25, false);
    for (const h of history) {
      expect(Number.isFinite(h.loss)).toBe(true);
      expect(Number.isFinite(h.gradNorm)).toBe(true);
    }
    // The zero-initialised output predicts ε = 0 at first, so the loss starts at E[ε²] ≈ 1.
    const early = mean(history.slice(0, 5).map((h) => h.loss));
    const late = mean(history.slice(-5).map((h) => h.loss));
    expect(early).toBeGreaterThan(0.8);
    // Measured on cpu: late ≈ 0.65 × early; 0.8 leaves room for other seeds and backends' round-off.
    expect(late).toBeLessThan(0.8 * early);
    model.dispose();
  });

  it('the same seed gives identical losses; export → import continues identically; no tensor leaks', async () => {
    const config: ModelConfigInput = { ...TINY, numClasses: 2, emaDecay: 0.9 };
    const first = createModel(config);
    const second = createModel(config);
    const a = trainFor(first, data, 3, true);
    const b = trainFor(second, data, 3, true);
    expect(b).toEqual(a);

    const state = await first.exportState();
    const resumed = createModel(state.config);
    resumed.importState(state);
    const before = tf.memory().numTensors;
    const continued = trainFor(first, data, 3, true);
    const afterFirst = tf.memory().numTensors;
    expect(trainFor(resumed, data, 3, true)).toEqual(continued);
    expect(afterFirst).toBe(before);
    expect(tf.memory().numTensors).toBe(before);

    // The resumed model's sampler and EMA weights match too.
    const z = first.sampleLatent(2, 1);
    const labels = tf.tensor1d([1, 0], 'int32');
    const x = first.generate(z, labels, { ema: true });
    const y = resumed.generate(z, labels, { ema: true });
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    const beforeGenerate = tf.memory().numTensors;
    first.generate(z, labels).dispose();
    expect(tf.memory().numTensors).toBe(beforeGenerate);
    tf.dispose([z, labels, x, y]);
    for (const m of [first, second, resumed]) m.dispose();
  });
});

describe('DDPM classifier-free guidance', () => {
  // Width 16 (two channels per GroupNorm group): at width 2 each group is one channel and GroupNorm
  // removes the per-channel shift that carries the time and class embedding.
  const SMALL: ModelConfigInput = { kind: 'ddpm', resolution: 8, width: 16, channelMultipliers: [1, 2], batchSize: 2, timesteps: 100, samplingSteps: 4, seed: 3, numClasses: 2 };
  const conditional = (labelDropout?: number) => createModel({ ...SMALL, ...(labelDropout === undefined ? {} : { labelDropout }) }) as Ddpm;
  const labels = (a: number, b: number) => tf.tensor1d([a, b], 'int32');
  const values = (t: tf.Tensor) => {
    const v = Array.from(t.dataSync());
    t.dispose();
    return v;
  };
  /** Trains `steps` steps (the zero-initialised output conv must move before labels can matter); returns the losses. */
  const train = (model: Ddpm, steps: number) => {
    const x = tf.randomUniform([2, 8, 8, 1], -1, 1, 'float32', 11) as tf.Tensor4D;
    const y = labels(0, 1);
    const out: number[] = [];
    for (let i = 0; i < steps; i++) out.push(values(model.trainStep(x, y).metrics)[0]);
    x.dispose();
    y.dispose();
    return out;
  };

  it('label dropout changes training (the null class is seen), is reproducible, and a run without it keeps its old steps', () => {
    const losses = (dropout: number | undefined) => {
      const model = conditional(dropout);
      // With p = 0.5 over 2 images × 3 steps, some label is dropped (the draws are fixed by the seed).
      const out = train(model, 3);
      model.dispose();
      return out;
    };
    const none = losses(undefined);
    expect(losses(0)).toEqual(none);
    const dropped = losses(0.5);
    expect(losses(0.5)).toEqual(dropped);
    expect(dropped).not.toEqual(none);
    expect(() => createModel({ ...SMALL, labelDropout: 1 })).toThrow(/labelDropout must be in \[0, 1\)/);
  });

  it('w = 0 is the conditional sample, w = −1 the unconditional one (the same for every label), w > 0 another; refused without label dropout', () => {
    const model = conditional(0.5);
    train(model, 3);
    // Small starting noise keeps x̂0 inside [-1, 1], where the clip would otherwise hide the noise estimates' differences.
    const z = tf.tidy(() => model.sampleLatent(2, 4).mul(0.05)) as tf.Tensor2D;
    const y = labels(0, 1);
    const plain = values(model.generate(z, y));
    expect(values(model.generate(z, y, { guidance: 0 }))).toEqual(plain);
    const unconditional = values(model.generate(z, labels(0, 0), { guidance: -1 }));
    expect(values(model.generate(z, labels(1, 1), { guidance: -1 }))).toEqual(unconditional);
    expect(unconditional).not.toEqual(plain);
    const guided = values(model.generate(z, y, { guidance: 3 }));
    expect(guided).not.toEqual(plain);
    expect(guided.every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(() => model.generate(z, y, { guidance: -2 })).toThrow(/must be ≥ −1/);
    const before = tf.memory().numTensors;
    model.generate(z, y, { guidance: 2 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    const old = conditional(undefined);
    expect(() => old.generate(z, y, { guidance: 1 })).toThrow('trained without label dropout');
    z.dispose();
    y.dispose();
    model.dispose();
    old.dispose();
  });
});

describe('DDPM trajectory (the classroom’s reverse process, frame by frame)', () => {
  it('visits T−1 … −1 and ends on the image generate() makes from the same noise; x̂_0 stays in [-1, 1]', () => {
    const model = createModel(TINY) as Ddpm;
    const batches = phantomBatches(16, 4);
    trainFor(model, batches, 2, false);
    batches.dispose?.();
    const z = model.sampleLatent(3, 5);
    const frames = model.trajectory(z, 4);
    expect(frames.map((f) => f.t)).toEqual([99, 74, 49, 24, -1]);
    const generated = model.generate(z, null, { samplingSteps: 4 });
    expect(frames.at(-1)!.x.sub(generated).abs().max().dataSync()[0]).toBeLessThan(1e-4);
    // The first frame is the noise itself; frames move from it towards the image.
    expect(frames[0].x.reshape([3, 256]).sub(z).abs().max().dataSync()[0]).toBe(0);
    for (const f of frames) {
      expect(f.x0.max().dataSync()[0]).toBeLessThanOrEqual(1);
      expect(f.x0.min().dataSync()[0]).toBeGreaterThanOrEqual(-1);
    }
    tf.dispose([z, generated, ...frames.flatMap((f) => [f.x, f.x0])]);
    model.dispose();
  });
});
