/** Helpers for models/*.test.ts: tiny phantom batches and synchronous metric reads (tests only). */
import * as tf from '@tensorflow/tfjs';
import { generatePhantoms } from '../src/data/phantom';
import { downsample2x } from './layers/basic';
import type { GenerativeModel, StepResult } from './types';

export interface PhantomBatches {
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
  /** Batch `i` (cycling), as slices the caller disposes. */
  batch(i: number, size: number): { real: tf.Tensor4D; labels: tf.Tensor1D };
  dispose(): void;
}

/** `count` head-CT phantoms in [-1, 1], NHWC grey; sizes below 32 are 2×-average-pooled from 32. */
export function phantomBatches(size: 4 | 8 | 16 | 32 | 64, count: number, seed = 7): PhantomBatches {
  const source = Math.max(32, size) as 32 | 64;
  const set = generatePhantoms({ modality: 'head-ct', size: source, count, seed });
  const images = tf.tidy(() => {
    let x = tf.tensor4d(Float32Array.from(set.images), [count, source, source, 1]).div(127.5).sub(1) as tf.Tensor4D;
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

/** Runs `steps` training steps and returns every step's metrics by name (reads back each step; tests only). */
export function trainFor(
  model: GenerativeModel,
  data: PhantomBatches,
  steps: number,
  conditional: boolean,
): Record<string, number>[] {
  const out: Record<string, number>[] = [];
  for (let s = 0; s < steps; s++) {
    const { real, labels } = data.batch(model.step, model.config.batchSize);
    const result: StepResult = model.trainStep(real, conditional ? labels : null);
    const values = result.metrics.dataSync();
    out.push(Object.fromEntries(model.metricNames.map((n, i) => [n, values[i]])));
    result.metrics.dispose();
    real.dispose();
    labels.dispose();
  }
  return out;
}

export function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
