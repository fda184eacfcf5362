import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bytesToModelSpace, downloadBytes, imagesFromBytes, modelSpaceToBytes } from './pixels';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('pixels between bytes and model space', () => {
  const every = Uint8Array.from({ length: 256 }, (_, i) => i);

  it('maps 0 → −1, 255 → 1 and round-trips every byte exactly', async () => {
    const unit = bytesToModelSpace(every);
    expect(unit[0]).toBe(-1);
    expect(unit[255]).toBe(1);
    const back = await downloadBytes(() => imagesFromBytes(every, [1, 16, 16, 1]));
    expect(Array.from(back)).toEqual(Array.from(every));
  });

  it('saturates values outside [−1, 1] and rounds to the nearest byte', async () => {
    const bytes = await downloadBytes(() => tf.tensor4d([-3, -1, 0, 1.4 / 127.5 - 1, 1, 2], [1, 1, 6, 1]));
    expect(Array.from(bytes)).toEqual([0, 0, 128, 1, 255, 255]);
  });

  it('gives int32 tensors of the input shape and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const images = tf.zeros([2, 3, 3, 1]);
    const bytes = modelSpaceToBytes(images);
    expect(bytes.dtype).toBe('int32');
    expect(bytes.shape).toEqual([2, 3, 3, 1]);
    images.dispose();
    bytes.dispose();
    await downloadBytes(() => tf.ones([1, 4, 4, 1]).mul(0.5));
    expect(tf.memory().numTensors).toBe(before);
  });
});
