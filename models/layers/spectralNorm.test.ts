import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ParamStore, rawWeights } from '../core/params';
import { SpectralNorm } from './spectralNorm';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Largest singular value of a row-major rows×cols matrix, by float64 power iteration on AᵀA. */
function largestSingularValue(a: Float64Array, rows: number, cols: number): number {
  let v = new Float64Array(cols).map((_, i) => Math.cos(i + 1));
  let sigma = 0;
  for (let it = 0; it < 2000; it++) {
    const av = new Float64Array(rows);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) av[r] += a[r * cols + c] * v[c];
    const atav = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) atav[c] += a[r * cols + c] * av[r];
    const norm = Math.hypot(...atav);
    v = atav.map((x) => x / norm);
    sigma = Math.sqrt(norm);
  }
  return sigma;
}

describe('spectral normalisation', () => {
  it('normalised conv kernels and matrices have largest singular value ≈ 1', () => {
    const store = new ParamStore(5, 'sn-test');
    // Scaled away from 1 on purpose, one conv kernel ([k,k,in,out] → [k·k·in, out]) and one dense matrix.
    store.add('conv', [3, 3, 4, 6], { kind: 'normal', std: 0.7 });
    store.add('dense', [20, 7], { kind: 'normal', std: 3 });
    const sn = new SpectralNorm(store, ['conv', 'dense']);
    for (const [name, rows, cols] of [
      ['conv', 36, 6],
      ['dense', 20, 7],
    ] as const) {
      const raw = Float64Array.from(store.get(name).dataSync());
      expect(largestSingularValue(raw, rows, cols)).toBeGreaterThan(1.5);
    }
    // The persistent u converges over training steps: one power iteration per step.
    for (let step = 0; step < 30; step++) tf.tidy(() => void sn.iterate(rawWeights(store)));
    tf.tidy(() => {
      const w = sn.current(rawWeights(store));
      for (const [name, rows, cols] of [
        ['conv', 36, 6],
        ['dense', 20, 7],
      ] as const) {
        const normalised = Float64Array.from(w(name).dataSync());
        expect(Math.abs(largestSingularValue(normalised, rows, cols) - 1)).toBeLessThan(1e-3);
      }
    });
    store.dispose();
  });

  it('gradients flow through σ(W) but not through u', () => {
    const store = new ParamStore(6, 'sn-grad');
    const w = store.add('w', [5, 4], { kind: 'normal', std: 1 });
    const sn = new SpectralNorm(store, ['w']);
    tf.tidy(() => {
      const weights = sn.iterate(rawWeights(store));
      // ‖W/σ‖ along the top singular direction is 1 whatever the scale of W, so scaling W
      // uniformly must leave the loss unchanged: its gradient is orthogonal to W.
      const { grads } = tf.variableGrads(() => weights('w').square().sum() as tf.Scalar, [w]);
      const g = grads[w.name];
      expect(Number.isFinite(g.norm().dataSync()[0])).toBe(true);
      const [inner, gNorm, wNorm] = [g.mul(w).sum(), g.norm(), w.norm()].map((t) => t.dataSync()[0]);
      expect(Math.abs(inner)).toBeLessThan(1e-4 * gNorm * wNorm);
      expect(store.get('sn/u/w').trainable).toBe(false);
    });
    store.dispose();
  });
});
