/**
 * The fused training kernels on wasm (models/kernels/adamUpdate.ts, models/kernels/batchNormAct.ts)
 * against the composed tfjs ops they replace, run on the cpu backend: values and gradients within
 * float32 round-off, no tensors left behind, and the models taking the fused path.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../../testing/wasmBackend';
import { Adam } from '../../../models/core/adam';
import { ParamStore } from '../../../models/core/params';
import { fusedBatchNormAct } from '../../../models/kernels/batchNormAct';
import type { NormActivation } from '../../../models/kernels/batchNormAct';
import { batchMoments, batchNormApply, BN_EPSILON, leakyRelu } from '../../../models/layers/basic';
import { createModel } from '../../../models/index';
import type { AdamOptions } from '../../../models/types';
import { setWasmTrainingFusions } from './trainingKernels';

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
});
