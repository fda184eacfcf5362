/**
 * Helpers for models/*.test.ts (tests only): the shape of the batches they train on, and
 * synchronous metric reads. The phantom batches themselves come from src/testing/phantomBatches.ts,
 * since the phantom generator is the studio's (src/data) and models/ imports nothing from src/.
 */
import type * as tf from '@tensorflow/tfjs';
import type { GenerativeModel, StepResult } from './types';

export interface PhantomBatches {
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
  /** Batch `i` (cycling), as slices the caller disposes. */
  batch(i: number, size: number): { real: tf.Tensor4D; labels: tf.Tensor1D };
  dispose(): void;
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
