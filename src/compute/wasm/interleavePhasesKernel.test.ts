import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../../testing/wasmBackend';
import { INTERLEAVE_PHASES, hasInterleavePhases, subPixelBias, subPixelFilter, upsampleConvConcat } from '../../../models/kernels/upsampleConv';
import { conv, upsample2x } from '../../../models/layers/basic';
import { createModel } from '../../../models/index';
import type { Ddpm } from '../../../models/ddpm';

beforeAll(async () => {
  await useWasmBackend();
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => a.sub(b).abs().max().dataSync()[0]);

/** Runs `body` with the kernel `name` taken off the wasm backend. */
function without<T>(name: string, body: () => T): T {
  const kernel = tf.getKernel(name, 'wasm')!;
  tf.unregisterKernel(name, 'wasm');
  try {
    return body();
  } finally {
    tf.registerKernel(kernel);
  }
}

describe('sub-pixel upsampling convolution on wasm', () => {
  it('equals upsample2x → 3×3 conv (+ bias) → concat with the skip, for odd and even sizes', () => {
    expect(hasInterleavePhases()).toBe(true);
    for (const [n, h, w, cin, cout, skipChannels] of [[2, 4, 4, 8, 16, 16], [3, 5, 3, 3, 4, 0], [1, 1, 2, 2, 1, 3]]) {
      tf.tidy(() => {
        const x = tf.randomNormal([n, h, w, cin], 0, 1, 'float32', 1) as tf.Tensor4D;
        const filter = tf.randomNormal([3, 3, cin, cout], 0, 0.5, 'float32', 2) as tf.Tensor4D;
        const bias = tf.randomNormal([cout], 0, 1, 'float32', 3);
        const skip = skipChannels > 0 ? (tf.randomNormal([n, 2 * h, 2 * w, skipChannels], 0, 1, 'float32', 4) as tf.Tensor4D) : null;
        const upsampled = conv(upsample2x(x), filter, 1, bias);
        const reference = skip ? tf.concat([upsampled, skip], 3) : upsampled;
        const folded = subPixelFilter(filter);
        const tiled = subPixelBias(bias);
        const before = tf.memory().numTensors;
        const ours = upsampleConvConcat(x, folded, tiled, skip);
        // The result and nothing else left behind (the phases are freed).
        expect(tf.memory().numTensors).toBe(before + 1);
        expect(ours.shape).toEqual(reference.shape);
        // Float32 round-off only: the folded taps are sums of up to four weights.
        expect(maxDiff(ours, reference)).toBeLessThan(1e-5 * Math.sqrt(9 * cin) * 4);
        // The skip channels are copied exactly.
        if (skip) expect(maxDiff(ours.slice([0, 0, 0, cout], [-1, -1, -1, skipChannels]), skip)).toBe(0);
      });
    }
  });

  it('refuses a filter that is not 3×3 and a skip of the wrong size', () => {
    tf.tidy(() => {
      expect(() => subPixelFilter(tf.zeros([1, 1, 2, 2]) as tf.Tensor4D)).toThrow(/needs a 3×3 filter, got 1×1/);
      const folded = subPixelFilter(tf.zeros([3, 3, 2, 2]) as tf.Tensor4D);
      expect(() => upsampleConvConcat(tf.zeros([1, 2, 2, 2]) as tf.Tensor4D, folded, tf.zeros([8]) as tf.Tensor1D, tf.zeros([1, 2, 2, 1]) as tf.Tensor4D)).toThrow(/does not match the upsampled \[1, 4, 4\]/);
    });
  });

  it('a DDPM samples the same images with the sub-pixel path as with upsample → conv → concat, and leaks nothing', () => {
    const model = createModel({ kind: 'ddpm', resolution: 16, width: 8, channelMultipliers: [1, 2, 2], batchSize: 2, timesteps: 100, samplingSteps: 4, seed: 3 }) as Ddpm;
    // Random weights everywhere (the zero-initialised convs would make any two paths agree).
    model.unet.trainableNames().forEach((name, i) => {
      const variable = model.store.get(name);
      variable.assign(tf.tidy(() => tf.randomNormal(variable.shape, 0, 0.2, 'float32', i)));
    });
    const z = model.sampleLatent(3, 5);
    const before = tf.memory().numTensors;
    const fast = model.generate(z, null, { sampler: 'dpm-solver++' });
    expect(tf.memory().numTensors).toBe(before + 1);
    const plain = without(INTERLEAVE_PHASES, () => model.generate(z, null, { sampler: 'dpm-solver++' }));
    // Float32 round-off through 4 passes of a random net; a wrong phase or offset differs by ≥ 0.05.
    expect(maxDiff(fast, plain)).toBeLessThan(1e-3);
    expect(maxDiff(fast, tf.zerosLike(fast))).toBeGreaterThan(0.05);
    tf.dispose([z, fast, plain]);
    model.dispose();
  });
});
