/**
 * Tiny head-CT phantom batches for the model tests and benches: the studio's phantom generator
 * (src/data) feeding models/, which may not import it itself.
 */
import * as tf from '@tensorflow/tfjs';
import { imagesFromBytes } from '../../models/core/pixels';
import { downsample2x } from '../../models/layers/basic';
import type { PhantomBatches } from '../../models/testUtils';
import { generatePhantoms } from '../data/phantom';

export type { PhantomBatches };

/** `count` head-CT phantoms in [-1, 1], NHWC grey; sizes below 32 are 2×-average-pooled from 32. */
export function phantomBatches(size: 4 | 8 | 16 | 32 | 64, count: number, seed = 7): PhantomBatches {
  const source = Math.max(32, size) as 32 | 64;
  const set = generatePhantoms({ modality: 'head-ct', size: source, count, seed });
  const images = tf.tidy(() => {
    let x = imagesFromBytes(set.images, [count, source, source, 1]);
    while (x.shape[1] > size) x = downsample2x(x);
    return x;
  });
  const labels = tf.tensor1d(Int32Array.from(set.labels), 'int32');
  return {
    images,
    labels,
    batch(i, n) {
      const start = (i * n) % (count - n + 1);
      return {
        real: images.slice([start, 0, 0, 0], [n, size, size, 1]),
        labels: labels.slice([start], [n]),
      };
    },
    dispose() {
      images.dispose();
      labels.dispose();
    },
  };
}
