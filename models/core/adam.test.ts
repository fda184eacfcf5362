/**
 * The batched Adam against a plain per-variable Adam written out here from the paper's formula,
 * with the small parameters batched, a large one updated alone and two step counts at once
 * (parameters that join training late, as PG-GAN layers do).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AdamOptions } from '../types';
import { Adam } from './adam';
import { ParamStore } from './params';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// β1 and ε as some configs use them; lr large enough that a wrong bias correction shows.
const OPTIONS: AdamOptions = { learningRate: 1e-2, beta1: 0.5, beta2: 0.999, epsilon: 1e-8 };

/** Shapes of every rank we train, plus one large enough to be updated on its own (≥ 64 Ki elements). */
const SHAPES: Record<string, number[]> = {
  'net/conv/w': [3, 3, 2, 4],
  'net/bn/gamma': [4],
  'net/dense/w': [6, 5],
  'net/out/b': [1],
  'net/late/w': [2, 3],
  'net/late/b': [3],
  'net/big/w': [256, 260],
};
const LATE = ['net/late/w', 'net/late/b'];

function makeStore(seed: number): ParamStore {
  const store = new ParamStore(seed, 'adam-test');
  for (const [name, shape] of Object.entries(SHAPES)) store.add(name, shape, { kind: 'normal', std: 0.5 });
  return store;
}

/** Gradients for `names` at `step`, deterministic, with a different scale per parameter so v differs. */
function gradients(store: ParamStore, names: string[], step: number): tf.NamedTensorMap {
  const grads: tf.NamedTensorMap = {};
  names.forEach((name, i) => {
    const w = store.get(name);
    grads[w.name] = tf.randomNormal(w.shape, 0, 10 ** (i % 3 - 1), 'float32', 1000 * step + i);
  });
  return grads;
}

/** Adam exactly as Kingma & Ba write it, one parameter at a time, on plain arrays in float64. */
class ReferenceAdam {
  readonly w = new Map<string, Float64Array>();
  private readonly m = new Map<string, Float64Array>();
  private readonly v = new Map<string, Float64Array>();
  private readonly t = new Map<string, number>();

  constructor(store: ParamStore) {
    for (const name of Object.keys(SHAPES)) {
      this.w.set(name, Float64Array.from(store.get(name).dataSync()));
      this.m.set(name, new Float64Array(store.get(name).size));
      this.v.set(name, new Float64Array(store.get(name).size));
      this.t.set(name, 0);
    }
  }

  step(name: string, grad: Float32Array): void {
    const { learningRate: lr, beta1, beta2, epsilon } = OPTIONS;
    const t = this.t.get(name)! + 1;
    this.t.set(name, t);
    const [w, m, v] = [this.w.get(name)!, this.m.get(name)!, this.v.get(name)!];
    for (let i = 0; i < w.length; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * grad[i];
      v[i] = beta2 * v[i] + (1 - beta2) * grad[i] * grad[i];
      const mHat = m[i] / (1 - beta1 ** t);
      const vHat = v[i] / (1 - beta2 ** t);
      w[i] -= (lr * mHat) / (Math.sqrt(vHat) + epsilon);
    }
  }
}

/** Runs both optimisers: `early` steps on all but the late parameters, then `late` steps on all. */
function trainBoth(early: number, late: number) {
  const store = makeStore(7);
  const names = Object.keys(SHAPES);
  const adam = new Adam(store, 'adam', names, OPTIONS);
  const reference = new ReferenceAdam(store);
  for (let step = 0; step < early + late; step++) {
    const active = step < early ? names.filter((n) => !LATE.includes(n)) : names;
    const grads = gradients(store, active, step);
    for (const name of active) reference.step(name, grads[store.get(name).name].dataSync() as Float32Array);
    const tensors = tf.memory().numTensors;
    adam.apply(grads);
    // Every intermediate is freed; the variables now hold the new values in place of the old.
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose(grads);
  }
  return { store, adam, reference };
}

/**
 * Largest |a − b| in units of the learning rate, Adam's typical step: a wrong bias correction
 * or a misaligned split moves a weight by a good fraction of that, float32 rounding by ~1e-6.
 */
function errorInSteps(actual: ArrayLike<number>, expected: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst / OPTIONS.learningRate;
}

describe('Adam', () => {
  it('matches per-variable Adam over several steps, with late joiners at a different step count', () => {
    const { store, adam, reference } = trainBoth(3, 4);
    const steps = adam.exportSteps();
    expect(steps['adam/t/net/conv/w']).toBe(7);
    expect(steps['adam/t/net/late/w']).toBe(4);
    for (const name of Object.keys(SHAPES)) {
      // float32 against float64 over 7 steps; the late joiners' t (4, not 7) alone changes
      // their √(1 − β2^t) correction by 30 %.
      expect(errorInSteps(store.get(name).dataSync(), reference.w.get(name)!), name).toBeLessThan(1e-4);
    }
    // And within 1e-6 relative on the weights themselves.
    for (const name of Object.keys(SHAPES)) {
      const w = store.get(name).dataSync();
      const ref = reference.w.get(name)!;
      for (let i = 0; i < ref.length; i++) expect(Math.abs(w[i] - ref[i])).toBeLessThanOrEqual(1e-6 * Math.abs(ref[i]) + 1e-7);
    }
    store.dispose();
  });

  it('runs the arithmetic once for all small parameters, however many there are', async () => {
    const countKernels = async (names: string[]): Promise<Record<string, number>> => {
      const store = makeStore(3);
      const adam = new Adam(store, 'adam', names, OPTIONS);
      const grads = gradients(store, names, 0);
      const profile = await tf.profile(() => adam.apply(grads));
      tf.dispose(grads);
      store.dispose();
      const byName: Record<string, number> = {};
      for (const k of profile.kernels) byName[k.name] = (byName[k.name] ?? 0) + 1;
      return byName;
    };
    const few = await countKernels(['net/conv/w', 'net/bn/gamma']);
    const many = await countKernels(['net/conv/w', 'net/bn/gamma', 'net/dense/w', 'net/out/b', 'net/late/w', 'net/late/b']);
    // Only the reshapes (which share data) grow with the number of parameters.
    for (const name of ['Multiply', 'Add', 'Sub', 'RealDiv', 'Sqrt', 'Square', 'Concat', 'SplitV']) expect(many[name], name).toBe(few[name]);
    // Per variable this would be 4 multiplies each (m, g, v, g² scaled) plus the step size.
    expect(many.Multiply).toBe(5);
    expect(many.Concat).toBe(4);
  });

  it('continues identically after exportSteps / importSteps and a copy of the store', () => {
    const { store, adam } = trainBoth(2, 2);
    const copy = makeStore(99);
    const names = Object.keys(SHAPES);
    const resumed = new Adam(copy, 'adam', names, OPTIONS);
    // What ModelBase.exportState / importState do: every store tensor by name, plus the step counts.
    for (const [name, variable] of store.entries()) copy.get(name).assign(variable);
    resumed.importSteps(adam.exportSteps());
    expect(resumed.exportSteps()).toEqual(adam.exportSteps());
    for (const [opt, s] of [
      [adam, store],
      [resumed, copy],
    ] as const) {
      const grads = gradients(s, names, 50);
      opt.apply(grads);
      tf.dispose(grads);
    }
    for (const [name, variable] of store.entries()) expect(copy.get(name).dataSync(), name).toEqual(variable.dataSync());
    store.dispose();
    copy.dispose();
  });

  it('keeps the slot variables and step-count keys the state format names', () => {
    const store = makeStore(1);
    const adam = new Adam(store, 'adamG', ['net/conv/w', 'net/out/b'], OPTIONS);
    expect(store.names('adamG/')).toEqual(['adamG/m/net/conv/w', 'adamG/v/net/conv/w', 'adamG/m/net/out/b', 'adamG/v/net/out/b']);
    expect(store.get('adamG/v/net/conv/w').shape).toEqual(SHAPES['net/conv/w']);
    expect(adam.exportSteps()).toEqual({ 'adamG/t/net/conv/w': 0, 'adamG/t/net/out/b': 0 });
    expect(() => adam.importSteps({ 'adamG/t/net/conv/w': 3 })).toThrow(/adamG\/net\/out\/b/);
    expect(() => adam.importSteps({ 'adamG/t/net/conv/w': 3, 'adamG/t/net/out/b': 1.5 })).toThrow(/valid step count/);
    store.dispose();
  });

  it('rejects a gradient of the wrong size before touching any step count or variable', () => {
    const store = makeStore(1);
    const adam = new Adam(store, 'adam', ['net/conv/w', 'net/dense/w'], OPTIONS);
    const before = store.get('net/conv/w').dataSync().slice();
    const grads = {
      [store.get('net/conv/w').name]: tf.ones(SHAPES['net/conv/w']),
      [store.get('net/dense/w').name]: tf.ones([5, 5]),
    };
    expect(() => adam.apply(grads)).toThrow(/"net\/dense\/w" has shape \[5,5\], parameter has \[6,5\]/);
    expect(adam.exportSteps()).toEqual({ 'adam/t/net/conv/w': 0, 'adam/t/net/dense/w': 0 });
    expect(store.get('net/conv/w').dataSync()).toEqual(before);
    tf.dispose(grads);
    store.dispose();
  });
});
