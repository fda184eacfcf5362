import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../../testing/wasmBackend';
import { fusedGroupNormSilu } from '../../../models/kernels/groupNormSilu';
import { groupNorm, silu } from '../../../models/nets/unet';
import { createModel } from '../../../models/index';
import type { Ddpm } from '../../../models/ddpm';

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
