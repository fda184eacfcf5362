/**
 * Σ x² over every element of a list of tensors as one kernel, for the global gradient norm that
 * each training step reports (models/core/adam.ts's globalNorm). Composed from tfjs ops it is a
 * square and a sum per gradient, then a stack (an expandDims per gradient and a concat) and a
 * sum: about three kernel calls per parameter, about 300 a step for a DDPM's U-Net. Here one call
 * reads every gradient once.
 *
 * models/ declares the kernel and holds its arithmetic (a plain loop over Float32Arrays); a
 * backend that can run it registers it under SUM_OF_SQUARES (the wasm backend does, in
 * src/compute/wasm/sumOfSquaresKernel.ts). Where no backend registered it, fusedSumOfSquares
 * returns null and the caller composes the ops as before. No gradient: a reported metric.
 */
import * as tf from '@tensorflow/tfjs';

export const SUM_OF_SQUARES = 'PhantomSumOfSquares';

/** Inputs x0 … x{count − 1}. */
export interface SumOfSquaresAttrs {
  count: number;
}

/** Σ x² of one array, in float64 (the composed float32 sums agree within their round-off). */
export function sumOfSquares(x: Float32Array): number {
  let total = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) total += x[i] * x[i];
  return total;
}

/** Σ x² over all of `tensors` as a float32 scalar from one kernel call, or null where the active backend lacks the kernel. */
export function fusedSumOfSquares(tensors: readonly tf.Tensor[]): tf.Scalar | null {
  if (tensors.length === 0 || tf.getKernel(SUM_OF_SQUARES, tf.getBackend()) === undefined) return null;
  const inputs: tf.NamedTensorMap = {};
  tensors.forEach((t, i) => { inputs[`x${i}`] = t; });
  const attrs: SumOfSquaresAttrs = { count: tensors.length };
  return tf.engine().runKernel(SUM_OF_SQUARES, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Scalar;
}
