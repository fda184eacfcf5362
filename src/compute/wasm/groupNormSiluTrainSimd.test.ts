/**
 * The training GroupNorm + SiLU on wasm (src/compute/wasm/groupNormSiluGradKernel.ts): its
 * WebAssembly SIMD loops (./groupNormSiluSimd: trainApply, gradDz, gradDx) against its JS loops
 * (models/kernels/groupNormSiluGrad.ts), forward and the gradients for x, γ and β, on shapes past
 * one 64-pixel block, channel counts 4 to 64, one to eight groups and a mean far from zero.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../../testing/wasmBackend';
import { fusedGroupNormSiluTrainable, GROUP_NORM_SILU_TRAIN } from '../../../models/kernels/groupNormSiluGrad';
import { heapMemory, setGroupNormSiluSimd } from './groupNormSiluKernel';
import { simdFor } from './groupNormSiluSimd';

beforeAll(async () => {
  await useWasmBackend();
});

afterEach(() => {
  setGroupNormSiluSimd(true);
});

interface Result { y: Float32Array; dx: Float32Array; dGamma: Float32Array; dBeta: Float32Array }

/** y and the gradients of Σ y·w (w random, so dy varies per element) with the SIMD loops on or off. */
function run(shape: [number, number, number, number], groups: number, mean: number, simd: boolean): Result {
  setGroupNormSiluSimd(simd);
  return tf.tidy(() => {
    const x = tf.randomNormal(shape, mean, 1.7, 'float32', 21) as tf.Tensor4D;
    const gamma = tf.randomUniform([shape[3]], 0.5, 1.5, 'float32', 22);
    const beta = tf.randomNormal([shape[3]], 0, 0.5, 'float32', 23);
    const w = tf.randomNormal(shape, 0, 1, 'float32', 24);
    const attrs = { groups, epsilon: 1e-5, silu: true };
    const y = fusedGroupNormSiluTrainable(x, gamma, beta, attrs)!;
    const [dx, dGamma, dBeta] = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      fusedGroupNormSiluTrainable(xi as tf.Tensor4D, g, b, attrs)!.mul(w).sum())([x, gamma, beta]);
    return { y: y.dataSync() as Float32Array, dx: dx.dataSync() as Float32Array, dGamma: dGamma.dataSync() as Float32Array, dBeta: dBeta.dataSync() as Float32Array };
  });
}

/** Largest |a − b| / max(floor, |b|). */
function maxRelativeDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor: number): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(floor, Math.abs(b[i])));
  return worst;
}

describe('training GroupNorm + SiLU: WebAssembly SIMD loops against the JS loops', () => {
  it('has SIMD on this heap (else the comparison below would compare JS with itself)', () => {
    const memory = heapMemory((tf.backend() as unknown as { wasm: object }).wasm);
    expect(memory).toBeDefined();
    expect(simdFor(memory!)).not.toBeNull();
  });

  const cases: Array<[[number, number, number, number], number, number]> = [
    [[2, 9, 9, 4], 1, 0.5], [[3, 16, 16, 32], 8, 0.5], [[2, 5, 13, 64], 8, -0.3], [[1, 1, 1, 8], 2, 0.5],
    [[2, 8, 8, 16], 4, 30], [[2, 6, 6, 8], 4, -250],
  ];
  for (const [shape, groups, mean] of cases) {
    it(`[${shape}], ${groups} groups, mean ${mean}: y, dx, dγ, dβ within 1e-5`, () => {
      const js = run(shape, groups, mean, false);
      const simd = run(shape, groups, mean, true);
      // Relative to the larger of 1 and the value (dx: to its largest magnitude), as float32 allows.
      expect(maxRelativeDiff(simd.y, js.y, 1), 'y').toBeLessThan(1e-5);
      const dxScale = Math.max(...Array.from(js.dx, Math.abs));
      expect(maxRelativeDiff(simd.dx, js.dx, dxScale), 'dx').toBeLessThan(1e-5);
      expect(maxRelativeDiff(simd.dGamma, js.dGamma, 1), 'dγ').toBeLessThan(1e-5);
      expect(maxRelativeDiff(simd.dBeta, js.dBeta, 1), 'dβ').toBeLessThan(1e-5);
      // Not the same loops twice: float32 SIMD arithmetic rounds differently from the float64 JS.
      if (shape[0] * shape[1] * shape[2] > 1) expect(maxRelativeDiff(simd.dx, js.dx, dxScale)).toBeGreaterThan(0);
    });
  }

  it('stores σ(z) in the forward for the gradient: the SIMD and JS loops agree, and both are the sigmoid of z', () => {
    const shape = [2, 9, 9, 16];
    const groups = 4;
    const outputs = (simd: boolean) => {
      setGroupNormSiluSimd(simd);
      return tf.tidy(() => {
        const x = tf.randomNormal(shape, 0.3, 1.7, 'float32', 31);
        const gamma = tf.randomUniform([16], 0.5, 1.5, 'float32', 32);
        const beta = tf.randomNormal([16], 0, 0.5, 'float32', 33);
        const [y, mean, invStd, sigmoid] = tf.engine().runKernel(GROUP_NORM_SILU_TRAIN, { x, gamma, beta }, { groups, epsilon: 1e-5, silu: true }) as tf.Tensor[];
        // z from the kernel's own statistics, by tfjs ops: the reference σ(z) and SiLU(z).
        const grouped = x.reshape([2, 81, groups, 4]);
        const z = grouped.sub(mean.reshape([2, 1, groups, 1])).mul(invStd.reshape([2, 1, groups, 1])).reshape(shape)
          .mul(gamma).add(beta);
        return { sigmoid: sigmoid.dataSync() as Float32Array, y: y.dataSync() as Float32Array,
          reference: tf.sigmoid(z).dataSync() as Float32Array, silu: z.mul(tf.sigmoid(z)).dataSync() as Float32Array };
      });
    };
    const js = outputs(false);
    const simd = outputs(true);
    expect(simd.sigmoid.length).toBe(2 * 9 * 9 * 16);
    expect(maxRelativeDiff(simd.sigmoid, js.sigmoid, 1), 'σ: SIMD against JS').toBeLessThan(1e-6);
    expect(maxRelativeDiff(js.sigmoid, js.reference, 1), 'σ: JS against tf.sigmoid').toBeLessThan(1e-5);
    expect(maxRelativeDiff(simd.y, simd.silu, 1), 'y = z·σ(z)').toBeLessThan(1e-5);
  });

  it('leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    run([2, 8, 8, 16], 4, 0, true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
