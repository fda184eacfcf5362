import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { useWasmBackend } from '../testing/wasmBackend';
import { argmaxRows } from '../metrics/classification';
import { DEFAULT_BUDGET, predictProbabilities, trainArm } from './trainArm';
import type { LabelledImages } from './armSets';

beforeAll(async () => {
  await useWasmBackend();
});

/** A separable toy task: a bright bar on the left (class 0) or the right (class 1) half, on noise. */
function bars(count: number, size: number, seed: number): LabelledImages {
  let s = seed;
  const noise = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 90;
  const pixels = new Uint8Array(count * size * size);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % 2;
    const column = labels[i] ? Math.floor((3 * size) / 4) : Math.floor(size / 4);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) pixels[i * size * size + y * size + x] = Math.abs(x - column) <= 1 ? 200 + noise() / 3 : noise();
  }
  return { pixels, labels, count };
}

describe('the augment classifier', () => {
  for (const architecture of ['cnn', 'resnet'] as const) {
    it(`(${architecture}) learns a separable toy task and keeps its best epoch, without leaking tensors`, async () => {
      const shape = { width: 16, height: 16, channels: 1 as const };
      const before = tf.memory().numTensors;
      const arm = await trainArm(shape, 2, bars(96, 16, 1), bars(32, 16, 2), { ...DEFAULT_BUDGET, architecture, width: 8, maxEpochs: 8, patience: 2, batchSize: 16 }, 5, { onImages: () => undefined, what: 'toy' });
      const test = bars(64, 16, 3);
      const predicted = argmaxRows(await predictProbabilities(arm.classifier, shape, test), 2);
      const accuracy = predicted.reduce((s, p, i) => s + (p === test.labels[i] ? 1 : 0), 0) / test.count;
      expect(accuracy).toBeGreaterThan(0.95);
      expect(arm.bestEpoch).toBeGreaterThanOrEqual(1);
      expect(arm.validationLoss[arm.bestEpoch - 1]).toBe(Math.min(...arm.validationLoss));
      arm.classifier.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }, 240_000);
  }

  it('stops early once the validation loss stops falling', async () => {
    const shape = { width: 16, height: 16, channels: 1 as const };
    // Random labels: nothing to learn, the validation loss rises soon.
    const train = bars(64, 16, 4);
    train.labels = train.labels.map((_, i) => (i * 7919) % 3 === 0 ? 1 : 0);
    const arm = await trainArm(shape, 2, train, bars(32, 16, 5), { ...DEFAULT_BUDGET, width: 8, maxEpochs: 40, patience: 2, batchSize: 16 }, 1, { onImages: () => undefined, what: 'toy' });
    expect(arm.epochs).toBeLessThan(40);
    expect(arm.epochs).toBe(arm.bestEpoch + 2);
    arm.classifier.dispose();
  }, 240_000);
});
