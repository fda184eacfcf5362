/**
 * Adam's update of every parameter of an optimiser as one kernel. Composed from tfjs ops, the
 * update costs about a dozen element-wise kernels per group of parameters (plus concat and split
 * to batch the small ones), each writing a full-size tensor; here one pass per parameter reads
 * w, m, v and the gradient once and writes the new w, m and v.
 *
 * models/ declares the kernel and holds its arithmetic (a plain loop over Float32Arrays); a
 * backend that can run it registers it under ADAM_UPDATE (the wasm backend does, in
 * src/compute/wasm/adamUpdateKernel.ts). Where no backend registered it, fusedAdamUpdate returns
 * null and models/core/adam.ts composes the ops as before. No gradient: an optimiser step is
 * never differentiated.
 */
import * as tf from '@tensorflow/tfjs';

export const ADAM_UPDATE = 'PhantomAdamUpdate';

/**
 * β1, β2 and, per parameter, the bias-corrected step size lr·√(1−β2^t)/(1−β1^t) and ε·√(1−β2^t)
 * (models/core/adam.ts explains the rewriting). Parameter i is inputs w{i}, m{i}, v{i}, g{i}.
 */
export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  stepSizes: number[];
  epsilonHats: number[];
}

/**
 * m' = β1·m + (1−β1)·g, v' = β2·v + (1−β2)·g², w' = w − stepSize·m'/(√v' + ε̂) for one parameter.
 * The constants are rounded to float32 first, as the composed ops' scalars are, and each result
 * is rounded once (the composed ops round after every operation): the two agree within a few
 * float32 ulps.
 */
export function adamUpdateInto(
  w: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array,
  wOut: Float32Array, mOut: Float32Array, vOut: Float32Array,
  beta1: number, beta2: number, stepSize: number, epsilonHat: number,
): void {
  const b1 = Math.fround(beta1);
  const c1 = Math.fround(1 - beta1);
  const b2 = Math.fround(beta2);
  const c2 = Math.fround(1 - beta2);
  const step = Math.fround(stepSize);
  const eps = Math.fround(epsilonHat);
  const n = w.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = Math.fround(b1 * m[i] + c1 * gi);
    const vi = Math.fround(b2 * v[i] + c2 * gi * gi);
    mOut[i] = mi;
    vOut[i] = vi;
    wOut[i] = w[i] - (step * mi) / (Math.sqrt(vi) + eps);
  }
}

/** One parameter's tensors for fusedAdamUpdate. */
export interface AdamSlots {
  w: tf.Tensor;
  m: tf.Tensor;
  v: tf.Tensor;
  g: tf.Tensor;
  stepSize: number;
  epsilonHat: number;
}

/**
 * New [w, m, v] for each parameter from one kernel call on the active backend, or null where that
 * backend has not registered the kernel.
 */
export function fusedAdamUpdate(params: AdamSlots[], beta1: number, beta2: number): [tf.Tensor, tf.Tensor, tf.Tensor][] | null {
  if (params.length === 0 || tf.getKernel(ADAM_UPDATE, tf.getBackend()) === undefined) return null;
  const inputs: tf.NamedTensorMap = {};
  params.forEach((p, i) => {
    if (p.g.size !== p.w.size || p.m.size !== p.w.size || p.v.size !== p.w.size)
      throw new Error(`models/kernels/adamUpdate.ts: parameter ${i} has ${p.w.size} elements but m, v, gradient have ${p.m.size}, ${p.v.size}, ${p.g.size}`);
    Object.assign(inputs, { [`w${i}`]: p.w, [`m${i}`]: p.m, [`v${i}`]: p.v, [`g${i}`]: p.g });
  });
  const attrs: AdamUpdateAttrs = { beta1, beta2, stepSizes: params.map((p) => p.stepSize), epsilonHats: params.map((p) => p.epsilonHat) };
  const out = tf.engine().runKernel(ADAM_UPDATE, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return params.map((_, i) => [out[3 * i], out[3 * i + 1], out[3 * i + 2]]);
}
