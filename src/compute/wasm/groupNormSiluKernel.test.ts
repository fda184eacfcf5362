import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../../testing/wasmBackend';
import { fusedGroupNormSilu } from '../../../models/kernels/groupNormSilu';
import { groupNorm, silu } from '../../../models/nets/unet';
import { createModel } from '../../../models/index';
import type { Ddpm } from '../../../models/ddpm';
import { heapMemory, setGroupNormSiluSimd } from './groupNormSiluKernel';
import { simdFor } from './groupNormSiluSimd';

beforeAll(async () => {
  await useWasmBackend();
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);

describe('fused GroupNorm + SiLU on wasm', () => {
  it('equals the composed ops (GroupNorm, then x·sigmoid(x)) for several shapes and group counts', () => {
    for (const [shape, groups] of [[[2, 5, 5, 8], 8], [[3, 4, 4, 16], 8], [[1, 7, 3, 6], 2], [[2, 2, 2, 4], 1]] as const) {
      tf.tidy(() => {
        const x = tf.randomNormal([...shape], 0.3, 2, 'float32', 1) as tf.Tensor4D;
        const gamma = tf.randomUniform([shape[3]], 0.5, 1.5, 'float32', 2);
        const beta = tf.randomNormal([shape[3]], 0, 0.5, 'float32', 3);
        const before = tf.memory().numTensors;
        const fused = fusedGroupNormSilu(x, gamma, beta, { groups, epsilon: 1e-5, silu: true })!;
        expect(tf.memory().numTensors).toBe(before + 1);
        expect(fused.shape).toEqual([...shape]);
        expect(maxDiff(fused, silu(groupNorm(x, gamma, beta, groups)))).toBeLessThan(2e-5);
        const plain = fusedGroupNormSilu(x, gamma, beta, { groups, epsilon: 1e-5, silu: false })!;
        expect(maxDiff(plain, groupNorm(x, gamma, beta, groups))).toBeLessThan(2e-5);
      });
    }
  });

  it('with an offset per image and channel (the time embedding), equals GroupNorm(x + offset) then SiLU', () => {
    // Two or more channels per group: a per-channel offset on a one-channel group is normalised away.
    for (const [shape, groups] of [[[2, 5, 5, 8], 2], [[3, 4, 4, 16], 4]] as const) {
      tf.tidy(() => {
        const x = tf.randomNormal([...shape], 0.3, 2, 'float32', 1) as tf.Tensor4D;
        const gamma = tf.randomUniform([shape[3]], 0.5, 1.5, 'float32', 2);
        const beta = tf.randomNormal([shape[3]], 0, 0.5, 'float32', 3);
        // Offsets of the size of x's spread, different per image, so a misplaced one shows.
        const offset = tf.randomNormal([shape[0], shape[3]], 0, 3, 'float32', 4) as tf.Tensor2D;
        const fused = fusedGroupNormSilu(x, gamma, beta, { groups, epsilon: 1e-5, silu: true }, offset)!;
        const shifted = x.add(offset.reshape([shape[0], 1, 1, shape[3]])) as tf.Tensor4D;
        expect(maxDiff(fused, silu(groupNorm(shifted, gamma, beta, groups)))).toBeLessThan(2e-5);
        expect(maxDiff(fused, silu(groupNorm(x, gamma, beta, groups)))).toBeGreaterThan(0.1);
        expect(() => fusedGroupNormSilu(x, gamma, beta, { groups, epsilon: 1e-5, silu: true }, offset.slice([0, 0], [1, -1]))).toThrow(/offset \[1,\d+\] does not match/);
      });
    }
  });

  it('runs as WebAssembly SIMD on the wasm heap, matching its JS loops and the composed ops, with and without offsets', () => {
    const memory = (tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm.asm.memory;
    expect(simdFor(memory)).not.toBeNull();
    // Sizes past one 64-pixel block of the sums, channel counts of 4 to 64, odd pixel counts.
    for (const [shape, groups] of [[[2, 9, 9, 4], 1], [[3, 16, 16, 32], 8], [[2, 5, 13, 64], 8], [[1, 1, 1, 8], 2]] as const) {
      tf.tidy(() => {
        const x = tf.randomNormal([...shape], 0.5, 2, 'float32', 5) as tf.Tensor4D;
        const gamma = tf.randomUniform([shape[3]], 0.5, 1.5, 'float32', 6);
        const beta = tf.randomNormal([shape[3]], 0, 0.5, 'float32', 7);
        const offset = tf.randomNormal([shape[0], shape[3]], 0, 2, 'float32', 8) as tf.Tensor2D;
        for (const o of [undefined, offset]) {
          const attrs = { groups, epsilon: 1e-5, silu: true };
          const simd = fusedGroupNormSilu(x, gamma, beta, attrs, o)!;
          setGroupNormSiluSimd(false);
          const js = fusedGroupNormSilu(x, gamma, beta, attrs, o)!;
          setGroupNormSiluSimd(true);
          const input = o ? (x.add(o.reshape([shape[0], 1, 1, shape[3]])) as tf.Tensor4D) : x;
          // Float32 arithmetic in the SIMD loop against float64 in JS: a few units in the last place.
          expect(maxDiff(simd, js)).toBeLessThan(1e-5);
          expect(maxDiff(simd, silu(groupNorm(input, gamma, beta, groups)))).toBeLessThan(2e-5);
        }
      });
    }
    // Large inputs reach the clamped ends of e^{−v}: SiLU is then 0 or v itself, never NaN or ∞.
    tf.tidy(() => {
      const x = tf.tensor4d([-1e4, -200, -90, -20, 0, 20, 90, 1e4], [1, 2, 1, 4]);
      const out = fusedGroupNormSilu(x, tf.fill([4], 300), tf.zeros([4]), { groups: 1, epsilon: 1e-5, silu: true })!;
      const reference = silu(groupNorm(x, tf.fill([4], 300), tf.zeros([4]), 1));
      expect(Array.from(out.dataSync()).every(Number.isFinite)).toBe(true);
      expect(maxDiff(out, reference)).toBeLessThan(1e-3);
    });
  });

  it('finds the heap of the single-threaded and the threaded tfjs builds, and binds to shared memory too', () => {
    const plain = new WebAssembly.Memory({ initial: 1 });
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    expect(heapMemory({ asm: { memory: plain } })).toBe(plain);
    expect(heapMemory({ asm: {}, wasmMemory: shared })).toBe(shared);
    expect(heapMemory({})).toBeUndefined();
    // The threaded build's heap is shared (SharedArrayBuffer): the module must import it as shared.
    const simd = simdFor(shared)!;
    expect(simd).not.toBeNull();
    const f32 = new Float32Array(shared.buffer);
    // One image of 2 pixels × 4 channels at byte 64; scales and shifts at byte 256; output at byte 512.
    f32.set([1, -2, 3, 0, -1, 2, -3, 4], 16);
    f32.set([1, 1, 1, 1, 0, 0.5, 0, 0], 64);
    simd.apply(64, 512, 256, 2, 4);
    const sigmoidTimes = (v: number) => v / (1 + Math.exp(-v));
    const expected = [1, -1.5, 3, 0, -1, 2.5, -3, 4].map(sigmoidTimes);
    Array.from(f32.subarray(128, 136)).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    new Float64Array(shared.buffer).fill(0, 128, 136);
    simd.sums(64, 1024, 2, 4, 0);
    expect(Array.from(new Float64Array(shared.buffer, 1024, 8))).toEqual([0, 0, 0, 4, 2, 8, 18, 16]);
  });

  it('refuses channels that do not split into the groups, and is absent on backends that lack it', async () => {
    const x = tf.zeros([1, 2, 2, 6]) as tf.Tensor4D;
    expect(() => fusedGroupNormSilu(x, tf.ones([6]), tf.zeros([6]), { groups: 4, epsilon: 1e-5, silu: true })).toThrow(/6 channels do not split into 4 groups/);
    await tf.setBackend('cpu');
    expect(fusedGroupNormSilu(tf.zeros([1, 2, 2, 4]) as tf.Tensor4D, tf.ones([4]), tf.zeros([4]), { groups: 2, epsilon: 1e-5, silu: true })).toBeNull();
    await tf.setBackend('wasm');
  });

  it('a DDPM samples the same images with the fused kernel as with the composed ops', () => {
    const model = createModel({ kind: 'ddpm', resolution: 16, width: 8, channelMultipliers: [1, 2], batchSize: 2, timesteps: 100, samplingSteps: 4, seed: 3 }) as Ddpm;
    // Random weights everywhere (the output conv starts at zero, which would make any two paths agree).
    const names = model.unet.trainableNames();
    expect(names.length).toBeGreaterThan(10);
    names.forEach((name, i) => {
      const variable = model.store.get(name);
      variable.assign(tf.tidy(() => tf.randomNormal(variable.shape, 0, 0.2, 'float32', i)));
    });
    const z = model.sampleLatent(3, 5);
    const fused = model.generate(z, null);
    // The same sampling with the fused kernel taken away: the U-Net falls back to the composed ops.
    const kernel = tf.getKernel('PhantomGroupNormSiLU', 'wasm')!;
    tf.unregisterKernel('PhantomGroupNormSiLU', 'wasm');
    let composed: tf.Tensor4D;
    try {
      composed = model.generate(z, null);
    } finally {
      tf.registerKernel(kernel);
    }
    // Float32 round-off of the two paths (2e-5 per norm, above) grows through 4 sampling passes of a
    // net with random weights: 1.7e-4 was seen in a full CI run; a wrong kernel differs by ≥ 0.05.
    expect(maxDiff(fused, composed)).toBeLessThan(1e-3);
    expect(maxDiff(fused, tf.zerosLike(fused))).toBeGreaterThan(0.05);
    tf.dispose([z, fused, composed]);
    model.dispose();
  });
});
