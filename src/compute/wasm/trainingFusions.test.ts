/**
 * The fused training kernels on wasm (models/kernels/adamUpdate.ts, models/kernels/batchNormAct.ts,
 * models/kernels/groupNormSiluGrad.ts) against the composed tfjs ops they replace, run on the cpu backend: values and gradients within
 * float32 round-off, no tensors left behind, and the models taking the fused path.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../../testing/wasmBackend';
import { Adam } from '../../../models/core/adam';
import { globalNorm } from '../../../models/core/adam';
import { ParamStore } from '../../../models/core/params';
import { Ema } from '../../../models/layers/ema';
import { fusedEmaUpdate } from '../../../models/kernels/emaUpdate';
import { fusedSumOfSquares } from '../../../models/kernels/sumOfSquares';
import { fusedBatchNormAct } from '../../../models/kernels/batchNormAct';
import { fusedGroupNormSiluTrainable } from '../../../models/kernels/groupNormSiluGrad';
import { groupNorm, silu } from '../../../models/nets/unet';
import type { NormActivation } from '../../../models/kernels/batchNormAct';
import { batchMoments, batchNormApply, BN_EPSILON, leakyRelu } from '../../../models/layers/basic';
import { createModel } from '../../../models/index';
import type { AdamOptions } from '../../../models/types';
import { setWasmTrainingFusions } from './trainingKernels';
import { setOptimizerUpdatesSimd } from './adamUpdateKernel';
import { optimizerUpdatesFor } from './optimizerUpdatesSimd';
import { heapMemory } from './groupNormSiluKernel';

beforeAll(async () => {
  await useWasmBackend();
});

afterEach(async () => {
  setWasmTrainingFusions(true);
  await tf.setBackend('wasm');
});

/** Runs `body` with `backend` active and returns its arrays (read before switching back). */
async function on<T>(backend: 'cpu' | 'wasm', body: () => T): Promise<T> {
  await tf.setBackend(backend);
  return body();
}

function maxRelativeDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor: number): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(floor, Math.abs(b[i])));
  return worst;
}

// --- Adam -----------------------------------------------------------------------------------

const OPTIONS: AdamOptions = { learningRate: 1e-2, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 };
const SHAPES: Record<string, number[]> = {
  'net/conv/w': [3, 3, 2, 4], 'net/bn/gamma': [4], 'net/dense/w': [6, 5], 'net/late/b': [3], 'net/big/w': [256, 260],
};

/** Weights, m and v of every parameter after `steps` updates (the last parameter joins at step 2). */
function trainAdam(steps: number): Record<string, number[]> {
  const store = new ParamStore(11, 'fusion-adam');
  for (const [name, shape] of Object.entries(SHAPES)) store.add(name, shape, { kind: 'normal', std: 0.5 });
  const names = Object.keys(SHAPES);
  const adam = new Adam(store, 'adam', names, OPTIONS);
  for (let step = 0; step < steps; step++) {
    const active = step < 2 ? names.slice(0, -1) : names;
    const grads: tf.NamedTensorMap = {};
    active.forEach((name, i) => {
      const w = store.get(name);
      grads[w.name] = tf.randomNormal(w.shape, 0, 10 ** ((i % 3) - 1), 'float32', 100 * step + i + 1); // seed 0 would mean unseeded
    });
    const before = tf.memory().numTensors;
    adam.apply(grads);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(grads);
  }
  const out: Record<string, number[]> = {};
  for (const name of names) {
    for (const slot of [name, `adam/m/${name}`, `adam/v/${name}`]) out[slot] = Array.from(store.get(slot).dataSync());
  }
  store.dispose();
  return out;
}

describe('fused Adam update on wasm', () => {
  it('matches the composed Adam on cpu (weights, m, v) within float32 round-off over 6 steps with two step counts', async () => {
    const composed = await on('cpu', () => trainAdam(6));
    const fused = await on('wasm', () => trainAdam(6));
    for (const slot of Object.keys(composed)) {
      // As models/core/adam.test.ts asks of the composed Adam against float64: within 1e-6
      // relative plus 1e-7 (a wrong bias correction moves weights by ~lr = 1e-2). m and v within
      // 1e-6 relative (v's smallest values are ~1e-9, a thousandth of its typical ones).
      const absolute = slot.includes('/v/') ? 1e-12 : 1e-7;
      fused[slot].forEach((value, i) => {
        const expected = composed[slot][i];
        if (Math.abs(value - expected) > 1e-6 * Math.abs(expected) + absolute) expect.fail(`${slot}[${i}]: fused ${value}, composed ${expected}`);
      });
    }
  });

  it('runs by its SIMD loop where the engine has SIMD (its float32 sums differ from the JS loop in the last bit)', async () => {
    await tf.setBackend('wasm');
    if (!optimizerUpdatesFor(heapMemory((tf.backend() as unknown as { wasm: object }).wasm)!)) {
      console.warn('trainingFusions.test.ts: no WebAssembly SIMD on this engine; the SIMD Adam is not checked');
      return;
    }
    const simd = await on('wasm', () => trainAdam(3));
    setOptimizerUpdatesSimd(false);
    try {
      const js = await on('wasm', () => trainAdam(3));
      const slots = Object.keys(js);
      expect(slots.some((slot) => simd[slot].some((value, i) => value !== js[slot][i]))).toBe(true);
      for (const slot of slots) simd[slot].forEach((value, i) => expect(Math.abs(value - js[slot][i])).toBeLessThan(1e-6 * Math.abs(js[slot][i]) + 1e-9));
    } finally {
      setOptimizerUpdatesSimd(true);
    }
  });

  it('updates every small parameter in one kernel call, large ones with the composed ops, and composes all where the kernel is absent', async () => {
    const kernels = async (names: string[]): Promise<string[]> => {
      const store = new ParamStore(3, 'fusion-adam-count');
      for (const name of names) store.add(name, SHAPES[name], { kind: 'normal', std: 0.5 });
      const adam = new Adam(store, 'adam', names, OPTIONS);
      const grads: tf.NamedTensorMap = {};
      for (const name of names) grads[store.get(name).name] = tf.onesLike(store.get(name));
      const profile = await tf.profile(() => adam.apply(grads));
      tf.dispose(grads);
      store.dispose();
      return profile.kernels.map((k) => k.name);
    };
    const small = Object.keys(SHAPES).filter((name) => name !== 'net/big/w');
    expect(await kernels(small)).toEqual(['PhantomAdamUpdate']);
    const all = await kernels(Object.keys(SHAPES));
    expect(all.filter((k) => k === 'PhantomAdamUpdate')).toHaveLength(1);
    expect(all.length).toBeGreaterThan(5);
    setWasmTrainingFusions(false);
    expect(await kernels(small)).not.toContain('PhantomAdamUpdate');
  });
});

// --- Batch norm + activation ------------------------------------------------------------------

const ACTIVATIONS: Record<NormActivation, (x: tf.Tensor) => tf.Tensor> = {
  none: (x) => x,
  relu: (x) => tf.relu(x),
  leakyRelu: (x) => leakyRelu(x),
};

interface NormResult { y: number[]; mean: number[]; variance: number[]; dx: number[]; dGamma: number[]; dBeta: number[] }

/**
 * act(batchNorm(x)) and the gradients of Σ y·r (r a fixed random tensor, so every output's
 * gradient differs) for x, γ, β, composed from tfjs ops or fused.
 */
function normAct(shape: number[], activation: NormActivation, fused: boolean): NormResult {
  return tf.tidy(() => {
    const channels = shape[shape.length - 1];
    const x = tf.randomNormal(shape, 0.4, 1.7, 'float32', 1);
    const gamma = tf.randomUniform([channels], 0.5, 1.5, 'float32', 2);
    const beta = tf.randomNormal([channels], 0, 0.5, 'float32', 3);
    const r = tf.randomNormal(shape, 0, 1, 'float32', 4);
    const forward = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor[] => {
      if (fused) {
        const out = fusedBatchNormAct(xi, g, b, { epsilon: BN_EPSILON, activation });
        if (out === null) throw new Error('fused kernels not registered');
        return [out.y, out.mean, out.variance];
      }
      const { mean, variance } = batchMoments(xi);
      return [ACTIVATIONS[activation](batchNormApply(xi, mean, variance, g, b)), mean, variance];
    };
    const [y, mean, variance] = forward(x, gamma, beta);
    const grads = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => forward(xi, g, b)[0].mul(r).sum())([x, gamma, beta]);
    return {
      y: Array.from(y.dataSync()),
      mean: Array.from(mean.dataSync()),
      variance: Array.from(variance.dataSync()),
      dx: Array.from(grads[0].dataSync()),
      dGamma: Array.from(grads[1].dataSync()),
      dBeta: Array.from(grads[2].dataSync()),
    };
  });
}

describe('fused batch norm + activation on wasm', () => {
  for (const activation of ['relu', 'leakyRelu', 'none'] as const) {
    it(`equals the composed ops on cpu, forward and gradients for x, γ, β (${activation})`, async () => {
      for (const shape of [[4, 5, 5, 6], [16, 7, 7, 8], [8, 12]]) {
        const composed = await on('cpu', () => normAct(shape, activation, false));
        const fused = await on('wasm', () => normAct(shape, activation, true));
        const label = `${activation} [${shape}]`;
        expect(maxRelativeDiff(fused.y, composed.y, 1), `${label} y`).toBeLessThan(2e-6);
        expect(maxRelativeDiff(fused.mean, composed.mean, 1), `${label} mean`).toBeLessThan(1e-6);
        expect(maxRelativeDiff(fused.variance, composed.variance, 1), `${label} variance`).toBeLessThan(2e-6);
        // Gradients are sums over up to 784 rows; the composed float32 ops round at every step.
        const dxScale = Math.max(...composed.dx.map(Math.abs));
        expect(maxRelativeDiff(fused.dx, composed.dx, dxScale), `${label} dx`).toBeLessThan(2e-5);
        expect(maxRelativeDiff(fused.dGamma, composed.dGamma, 1), `${label} dγ`).toBeLessThan(2e-5);
        expect(maxRelativeDiff(fused.dBeta, composed.dBeta, 1), `${label} dβ`).toBeLessThan(2e-5);
      }
    });
  }

  it('leaves no tensors behind, forward or backward', () => {
    const x = tf.randomNormal([4, 3, 3, 5]);
    const gamma = tf.ones([5]);
    const beta = tf.zeros([5]);
    const before = tf.memory().numTensors;
    const out = fusedBatchNormAct(x, gamma, beta, { epsilon: BN_EPSILON, activation: 'relu' })!;
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([out.y, out.mean, out.variance]);
    expect(tf.memory().numTensors).toBe(before);
    const grads = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => fusedBatchNormAct(xi, g, b, { epsilon: BN_EPSILON, activation: 'leakyRelu' })!.y.sum())([x, gamma, beta]);
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([...grads, x, gamma, beta]);
  });

  it('is absent on backends without the kernels (models/ then composes the ops)', async () => {
    await tf.setBackend('cpu');
    expect(fusedBatchNormAct(tf.zeros([2, 3]), tf.ones([3]), tf.zeros([3]), { epsilon: BN_EPSILON, activation: 'relu' })).toBeNull();
  });
});

// --- GroupNorm + SiLU (training) ------------------------------------------------------------------

interface GroupNormResult { y: number[]; dx: number[]; dGamma: number[]; dBeta: number[] }

/**
 * act(GroupNorm(x)) and the gradients of Σ y·r (r a fixed random tensor) for x, γ, β, composed
 * from tfjs ops (models/nets/unet.ts's groupNorm and silu) or fused. `offset` shifts x's mean
 * away from 0 (the single-pass statistics must not lose precision to it).
 */
function groupNormAct(shape: number[], groups: number, activate: boolean, fused: boolean, offset = 0.4): GroupNormResult {
  return tf.tidy(() => {
    const channels = shape[3];
    const x = tf.randomNormal(shape as [number, number, number, number], offset, 1.7, 'float32', 1) as tf.Tensor4D;
    const gamma = tf.randomUniform([channels], 0.5, 1.5, 'float32', 2);
    const beta = tf.randomNormal([channels], 0, 0.5, 'float32', 3);
    const r = tf.randomNormal(shape, 0, 1, 'float32', 4);
    const forward = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
      if (fused) {
        const out = fusedGroupNormSiluTrainable(xi as tf.Tensor4D, g, b, { groups, epsilon: 1e-5, silu: activate });
        if (out === null) throw new Error('fused kernels not registered');
        return out;
      }
      const normed = groupNorm(xi as tf.Tensor4D, g, b, groups);
      return activate ? silu(normed) : normed;
    };
    const y = forward(x, gamma, beta);
    const grads = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => forward(xi, g, b).mul(r).sum())([x, gamma, beta]);
    return {
      y: Array.from(y.dataSync()),
      dx: Array.from(grads[0].dataSync()),
      dGamma: Array.from(grads[1].dataSync()),
      dBeta: Array.from(grads[2].dataSync()),
    };
  });
}

describe('fused GroupNorm + SiLU for training on wasm', () => {
  const cases: Array<[number[], number]> = [[[2, 5, 5, 8], 8], [[3, 4, 4, 16], 8], [[1, 7, 3, 6], 2], [[2, 2, 2, 4], 1], [[4, 8, 8, 32], 8], [[2, 6, 6, 12], 4]];
  for (const activate of [true, false]) {
    it(`equals the composed ops on cpu, forward and gradients for x, γ, β (${activate ? 'SiLU' : 'no activation'})`, async () => {
      for (const [shape, groups] of cases) {
        const composed = await on('cpu', () => groupNormAct(shape, groups, activate, false));
        const fused = await on('wasm', () => groupNormAct(shape, groups, activate, true));
        const label = `[${shape}] ${groups} groups`;
        expect(maxRelativeDiff(fused.y, composed.y, 1), `${label} y`).toBeLessThan(2e-6);
        // Gradients are sums over up to 2,048 elements; the composed float32 ops round at every step.
        const dxScale = Math.max(...composed.dx.map(Math.abs));
        expect(maxRelativeDiff(fused.dx, composed.dx, dxScale), `${label} dx`).toBeLessThan(2e-5);
        expect(maxRelativeDiff(fused.dGamma, composed.dGamma, 1), `${label} dγ`).toBeLessThan(2e-5);
        expect(maxRelativeDiff(fused.dBeta, composed.dBeta, 1), `${label} dβ`).toBeLessThan(2e-5);
      }
    });
  }

  it('keeps its precision when the mean is far from zero (x around 30 with spread 1.7)', async () => {
    const composed = await on('cpu', () => groupNormAct([2, 6, 6, 8], 4, true, false, 30));
    const fused = await on('wasm', () => groupNormAct([2, 6, 6, 8], 4, true, true, 30));
    // The composed float32 ops themselves lose about 30/1.7 × 6e-8 relative here.
    expect(maxRelativeDiff(fused.y, composed.y, 1)).toBeLessThan(2e-5);
    const dxScale = Math.max(...composed.dx.map(Math.abs));
    expect(maxRelativeDiff(fused.dx, composed.dx, dxScale)).toBeLessThan(1e-4);
    expect(maxRelativeDiff(fused.dGamma, composed.dGamma, 1)).toBeLessThan(1e-4);
  });

  it('leaves no tensors behind, forward or backward, and refuses channels that do not split into the groups', () => {
    const x = tf.randomNormal([2, 3, 3, 8]) as tf.Tensor4D;
    const gamma = tf.ones([8]);
    const beta = tf.zeros([8]);
    const before = tf.memory().numTensors;
    const y = fusedGroupNormSiluTrainable(x, gamma, beta, { groups: 4, epsilon: 1e-5, silu: true })!;
    expect(tf.memory().numTensors).toBe(before + 1);
    y.dispose();
    const grads = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      fusedGroupNormSiluTrainable(xi as tf.Tensor4D, g, b, { groups: 4, epsilon: 1e-5, silu: true })!.sum())([x, gamma, beta]);
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => fusedGroupNormSiluTrainable(x, gamma, beta, { groups: 3, epsilon: 1e-5, silu: true })).toThrow(/8 channels do not split into 3 groups/);
    tf.dispose([x, gamma, beta]);
  });

  it('is absent on backends without the kernels (models/ then composes the ops)', async () => {
    await tf.setBackend('cpu');
    expect(fusedGroupNormSiluTrainable(tf.zeros([1, 2, 2, 4]) as tf.Tensor4D, tf.ones([4]), tf.zeros([4]), { groups: 2, epsilon: 1e-5, silu: true })).toBeNull();
  });
});

// --- EMA update and the gradient norm's sum of squares ------------------------------------------

const EMA_SHAPES: Record<string, number[]> = { 'g/conv/w': [3, 3, 2, 4], 'g/bn/gamma': [4], 'g/dense/w': [6, 5], 'g/big/w': [256, 260] };

/** Every shadow after `steps` EMA updates, the weights moving between updates. */
function trainEma(steps: number): Record<string, number[]> {
  const store = new ParamStore(13, 'fusion-ema');
  const names = Object.keys(EMA_SHAPES);
  for (const [name, shape] of Object.entries(EMA_SHAPES)) store.add(name, shape, { kind: 'normal', std: 0.5 });
  const ema = new Ema(store, names, 0.999);
  for (let step = 0; step < steps; step++) {
    names.forEach((name, i) => store.get(name).assign(tf.tidy(() => tf.randomNormal(EMA_SHAPES[name], 0, 1, 'float32', 10 * step + i + 1))));
    const before = tf.memory().numTensors;
    ema.update(step);
    expect(tf.memory().numTensors).toBe(before);
  }
  const weights = ema.weights((name) => store.get(name));
  const out = Object.fromEntries(names.map((name) => [name, Array.from(weights(name).dataSync())]));
  store.dispose();
  return out;
}

describe('fused EMA update and sum of squares on wasm', () => {
  it('the EMA equals the composed ops on cpu bit for bit over 5 updates (decays 0.1 … 0.36)', async () => {
    const composed = await on('cpu', () => trainEma(5));
    const fused = await on('wasm', () => trainEma(5));
    for (const name of Object.keys(EMA_SHAPES)) expect(fused[name], name).toEqual(composed[name]);
  });

  it('the global gradient norm equals the composed ops on cpu within float32 round-off', async () => {
    const grads = (): tf.NamedTensorMap => Object.fromEntries(Object.entries(EMA_SHAPES).map(([name, shape], i) =>
      [name, tf.randomNormal(shape, 0.1, 10 ** (i - 2), 'float32', i + 1)]));
    const norm = (): number => tf.tidy(() => globalNorm(grads()).dataSync()[0]);
    const composed = await on('cpu', norm);
    const fused = await on('wasm', norm);
    expect(Math.abs(fused - composed)).toBeLessThan(1e-6 * composed);
    await tf.setBackend('wasm');
    const profile = await tf.profile(() => tf.dispose(globalNorm(tf.tidy(() => grads()))));
    expect(profile.kernels.map((k) => k.name)).toEqual(expect.arrayContaining(['PhantomSumOfSquares']));
  });

  it('each is one kernel call, leaves no tensors behind, and is absent where the backend lacks it', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.tensor2d([[4, 5], [6, 7]]);
    const wa = tf.tensor1d([4, 5, 6]);
    const wb = tf.tensor2d([[1, 2], [3, 1]]);
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      const [a2, b2] = fusedEmaUpdate([a, b], [wa, wb], 0.75)!;
      expect(Array.from(a2.dataSync())).toEqual([1.75, 2.75, 3.75]);
      expect(Array.from(b2.dataSync())).toEqual([3.25, 4.25, 5.25, 5.5]);
      const total = fusedSumOfSquares([a, b])!;
      expect(total.dataSync()[0]).toBe(1 + 4 + 9 + 16 + 25 + 36 + 49);
      tf.dispose([a2, b2, total]);
    });
    expect(profile.kernels.map((k) => k.name)).toEqual(['PhantomEmaUpdate', 'PhantomSumOfSquares']);
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
    expect(fusedEmaUpdate([a], [a], 0.5)).toBeNull();
    expect(fusedSumOfSquares([a])).toBeNull();
    tf.dispose([a, b, wa, wb]);
  });
});

// --- In the models ------------------------------------------------------------------------------

describe('training fusions in the studio models on wasm', () => {
  for (const kind of ['dcgan', 'vae'] as const) {
    it(`${kind}: a training step calls the fused kernels, about a third fewer kernels, and keeps numTensors flat`, async () => {
      const kernelsOfStep = async (): Promise<Map<string, number>> => {
        const model = createModel({ kind, resolution: 16, batchSize: 4, seed: 5 });
        const real = tf.randomUniform([4, 16, 16, 1], -1, 1, 'float32', 6) as tf.Tensor4D;
        model.trainStep(real, null).metrics.dispose();
        const before = tf.memory().numTensors;
        model.trainStep(real, null).metrics.dispose();
        expect(tf.memory().numTensors).toBe(before);
        const profile = await tf.profile(() => model.trainStep(real, null).metrics.dispose());
        model.dispose();
        real.dispose();
        const counts = new Map<string, number>();
        for (const k of profile.kernels) counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
        return counts;
      };
      const fused = await kernelsOfStep();
      setWasmTrainingFusions(false);
      const composed = await kernelsOfStep();
      expect(fused.get('PhantomAdamUpdate')).toBe(kind === 'dcgan' ? 2 : 1);
      expect(fused.get('PhantomBatchNormAct')).toBeGreaterThan(0);
      expect(fused.get('PhantomBatchNormActGrad')).toBeGreaterThan(0);
      expect(composed.has('PhantomAdamUpdate')).toBe(false);
      const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
      expect(total(fused)).toBeLessThan(0.75 * total(composed));
    });
  }

  it('ddpm: every GroupNorm + SiLU of a training step is one fused kernel forward and one backward, the EMA and the gradient norm one each, far fewer kernels, numTensors flat', async () => {
    const kernelsOfStep = async (): Promise<Map<string, number>> => {
      const model = createModel({ kind: 'ddpm', resolution: 16, width: 8, channelMultipliers: [1, 2], batchSize: 4, timesteps: 100, seed: 5 });
      const real = tf.randomUniform([4, 16, 16, 1], -1, 1, 'float32', 6) as tf.Tensor4D;
      model.trainStep(real, null).metrics.dispose();
      const before = tf.memory().numTensors;
      model.trainStep(real, null).metrics.dispose();
      expect(tf.memory().numTensors).toBe(before);
      const profile = await tf.profile(() => model.trainStep(real, null).metrics.dispose());
      model.dispose();
      real.dispose();
      const counts = new Map<string, number>();
      for (const k of profile.kernels) counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
      return counts;
    };
    const fused = await kernelsOfStep();
    setWasmTrainingFusions(false);
    const composed = await kernelsOfStep();
    // Two levels: 2 norms in each of down0, down1, mid, up1, up0, and the output norm.
    expect(fused.get('PhantomGroupNormSiLUTrain')).toBe(11);
    expect(fused.get('PhantomGroupNormSiLUGrad')).toBe(11);
    expect(fused.get('PhantomEmaUpdate')).toBe(1);
    expect(fused.get('PhantomSumOfSquares')).toBe(1);
    expect(composed.has('PhantomGroupNormSiLUTrain')).toBe(false);
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    expect(total(fused)).toBeLessThan(0.75 * total(composed));
  });
});
