/**
 * SAGAN self-attention block (Zhang et al. 2019) with BigGAN's 2×2 pooling of keys and values,
 * which cuts the attention matrix 4×. Pooling is an average by reshape+mean (not max-pool) so
 * the block stays twice-differentiable inside a gradient-penalised critic.
 * y = x + γ · Wo · softmax(f gᵀ) h, with γ starting at 0 so the block begins as identity.
 */
import * as tf from '@tensorflow/tfjs';
import type { Init, ParamStore, Weights } from '../core/params';
import { downsample2x } from './basic';

export function addSelfAttentionParams(store: ParamStore, prefix: string, channels: number, init: (fanIn: number) => Init): void {
  const ck = Math.max(1, Math.floor(channels / 8));
  const cv = Math.max(1, Math.floor(channels / 2));
  store.add(`${prefix}/f`, [channels, ck], init(channels));
  store.add(`${prefix}/g`, [channels, ck], init(channels));
  store.add(`${prefix}/h`, [channels, cv], init(channels));
  store.add(`${prefix}/o`, [cv, channels], init(cv));
  store.add(`${prefix}/gamma`, [1], { kind: 'zeros' });
}

/** Names of the block's matrices (spectral norm applies to these, not to γ). */
export function selfAttentionMatrices(prefix: string): string[] {
  return ['f', 'g', 'h', 'o'].map((k) => `${prefix}/${k}`);
}

export function selfAttention(x: tf.Tensor4D, w: Weights, prefix: string): tf.Tensor4D {
  const [n, h, wd, c] = x.shape;
  if (h % 2 !== 0 || wd % 2 !== 0) throw new Error(`models/layers/selfAttention.ts: feature map ${h}×${wd} is not even`);
  const positions = h * wd;
  const pooled = downsample2x(x).reshape([(n * positions) / 4, c]) as tf.Tensor2D;
  const flat = x.reshape([n * positions, c]) as tf.Tensor2D;
  const ck = w(`${prefix}/f`).shape[1] as number;
  const cv = w(`${prefix}/h`).shape[1] as number;
  const query = tf.matMul(flat, w(`${prefix}/f`) as tf.Tensor2D).reshape([n, positions, ck]) as tf.Tensor3D;
  const key = tf.matMul(pooled, w(`${prefix}/g`) as tf.Tensor2D).reshape([n, positions / 4, ck]) as tf.Tensor3D;
  const value = tf.matMul(pooled, w(`${prefix}/h`) as tf.Tensor2D).reshape([n, positions / 4, cv]) as tf.Tensor3D;
  const attention = tf.softmax(tf.matMul(query, key, false, true)); // [n, positions, positions/4]
  const attended = tf.matMul(attention, value).reshape([n * positions, cv]) as tf.Tensor2D;
  const out = tf.matMul(attended, w(`${prefix}/o`) as tf.Tensor2D).reshape([n, h, wd, c]);
  return x.add(out.mul(w(`${prefix}/gamma`))) as tf.Tensor4D;
}
