/**
 * DiffAugment (Zhao et al. 2020, policy "color,translation,cutout"): random but differentiable
 * augmentations applied to every image D sees, real and fake, so D cannot memorise a small
 * training set and G still receives gradients through the augmentation.
 *
 * Random parameters are drawn in JS from a seeded generator (identical on every backend).
 * Translation is a product with per-sample one-hot shift matrices instead of the reference
 * gather: gather's gradient fails on the wasm backend, and matMul is differentiable twice.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../core/random';
import type { DiffAugmentPolicy } from '../types';

export { FULL_DIFF_AUGMENT } from '../config';
const TRANSLATION_RATIO = 0.125;
const CUTOUT_RATIO = 0.5;

export function diffAugment(x: tf.Tensor4D, policy: DiffAugmentPolicy, seed: number): tf.Tensor4D {
  const rng = new Random(seed);
  let y = x;
  if (policy.color) y = augmentColor(y, rng);
  if (policy.translation) y = translate(y, rng);
  if (policy.cutout) y = cutout(y, rng);
  return y;
}

function perSample(rng: Random, n: number, lo: number, hi: number): tf.Tensor4D {
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.uniform(lo, hi);
  return tf.tensor4d(values, [n, 1, 1, 1]);
}

function augmentColor(x: tf.Tensor4D, rng: Random): tf.Tensor4D {
  const n = x.shape[0];
  let y: tf.Tensor4D = x.add(perSample(rng, n, -0.5, 0.5)); // brightness
  const saturation = perSample(rng, n, 0, 2);
  if (x.shape[3] > 1) {
    const mean = y.mean(3, true);
    y = y.sub(mean).mul(saturation).add(mean);
  }
  const mean = y.mean([1, 2, 3], true);
  return y.sub(mean).mul(perSample(rng, n, 0.5, 1.5)).add(mean); // contrast
}

/** [n, size, size] matrices S with S[i, i + t] = 1 (zero where i + t falls outside). */
function shiftMatrices(rng: Random, n: number, size: number): tf.Tensor3D {
  const maxShift = Math.floor(size * TRANSLATION_RATIO + 0.5);
  const m = new Float32Array(n * size * size);
  for (let b = 0; b < n; b++) {
    const t = rng.int(2 * maxShift + 1) - maxShift;
    for (let i = 0; i < size; i++) {
      const k = i + t;
      if (k >= 0 && k < size) m[(b * size + i) * size + k] = 1;
    }
  }
  return tf.tensor3d(m, [n, size, size]);
}

function translate(x: tf.Tensor4D, rng: Random): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const sy = shiftMatrices(rng, n, h);
  const sx = shiftMatrices(rng, n, w);
  // Rows: out[b, i] = Σ_k Sy[b, i, k] x[b, k]; then the same along columns after a transpose.
  const rows = tf.matMul(sy, x.reshape([n, h, w * c]) as tf.Tensor3D).reshape([n, h, w, c]);
  const cols = tf.matMul(sx, rows.transpose([0, 2, 1, 3]).reshape([n, w, h * c]) as tf.Tensor3D);
  return cols.reshape([n, w, h, c]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
}

function cutout(x: tf.Tensor4D, rng: Random): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const sizeY = Math.floor(h * CUTOUT_RATIO + 0.5);
  const sizeX = Math.floor(w * CUTOUT_RATIO + 0.5);
  const mask = new Float32Array(n * h * w).fill(1);
  for (let b = 0; b < n; b++) {
    const cy = rng.int(h + (1 - (sizeY % 2)));
    const cx = rng.int(w + (1 - (sizeX % 2)));
    const y0 = Math.max(0, cy - Math.floor(sizeY / 2));
    const y1 = Math.min(h, cy - Math.floor(sizeY / 2) + sizeY);
    const x0 = Math.max(0, cx - Math.floor(sizeX / 2));
    const x1 = Math.min(w, cx - Math.floor(sizeX / 2) + sizeX);
    for (let i = y0; i < y1; i++) for (let j = x0; j < x1; j++) mask[(b * h + i) * w + j] = 0;
  }
  return x.mul(tf.tensor4d(mask, [n, h, w, 1]));
}
