/**
 * The exponential moving average of a set of weights (models/layers/ema.ts) as one kernel.
 * Composed from tfjs ops the update is three element-wise kernels per parameter (shadow·d,
 * w·(1 − d), their sum): about 300 kernel calls a step for a DDPM's U-Net, each costing more in
 * dispatch than in arithmetic for its small tensors. Here one call reads every shadow and weight
 * once and writes the new shadows.
 *
 * models/ declares the kernel and holds its arithmetic (a plain loop over Float32Arrays); a
 * backend that can run it registers it under EMA_UPDATE (the wasm backend does, in
 * src/compute/wasm/emaUpdateKernel.ts). Where no backend registered it, fusedEmaUpdate returns
 * null and the caller composes the ops as before. No gradient: an average is never differentiated.
 */
import * as tf from '@tensorflow/tfjs';

export const EMA_UPDATE = 'PhantomEmaUpdate';

/** The decay d of shadow' = d·shadow + (1 − d)·w; parameter i is inputs s{i} (shadow) and w{i}. */
export interface EmaUpdateAttrs {
  decay: number;
  count: number;
}

/**
 * out = d·shadow + (1 − d)·w with d and 1 − d rounded to float32 and each product and the sum
 * rounded to float32, exactly as the composed ops (two scalar multiplies and an add) compute it.
 */
export function emaUpdateInto(shadow: Float32Array, w: Float32Array, out: Float32Array, decay: number): void {
  const d = Math.fround(decay);
  const e = Math.fround(1 - decay);
  const n = shadow.length;
  for (let i = 0; i < n; i++) out[i] = Math.fround(shadow[i] * d) + Math.fround(w[i] * e);
}

/**
 * New shadows d·shadow[i] + (1 − d)·weights[i] from one kernel call on the active backend, or
 * null where that backend has not registered the kernel.
 */
export function fusedEmaUpdate(shadows: readonly tf.Tensor[], weights: readonly tf.Tensor[], decay: number): tf.Tensor[] | null {
  if (shadows.length === 0 || tf.getKernel(EMA_UPDATE, tf.getBackend()) === undefined) return null;
  if (weights.length !== shadows.length) throw new Error(`models/kernels/emaUpdate.ts: ${shadows.length} shadows but ${weights.length} weights`);
  const inputs: tf.NamedTensorMap = {};
  shadows.forEach((s, i) => {
    if (s.size !== weights[i].size)
      throw new Error(`models/kernels/emaUpdate.ts: shadow ${i} has ${s.size} elements, its weight ${weights[i].size}`);
    inputs[`s${i}`] = s;
    inputs[`w${i}`] = weights[i];
  });
  const attrs: EmaUpdateAttrs = { decay, count: shadows.length };
  return tf.engine().runKernel(EMA_UPDATE, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
}
