/**
 * Building blocks written with ops whose gradients are themselves differentiable on every tfjs
 * backend, because critics are differentiated twice for the gradient penalty.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Leaky ReLU with slope 0.2 as 0.6x + 0.4|x|. tf.leakyRelu/tf.maximum have no second-order
 * gradient in tfjs 4.22 ("no gradient for Greater"); abs's gradient (x·step) is differentiable.
 */
export function leakyRelu(x: tf.Tensor): tf.Tensor {
  return x.mul(0.6).add(x.abs().mul(0.4));
}

/**
 * Leaky ReLU with slope 0.2 as the single tfjs kernel (one kernel forward and three backward, in
 * place of four and about six for leakyRelu above). Its gradient is not differentiable again
 * in tfjs 4.22, so only for nets that are differentiated once (no gradient penalty).
 */
export function leakyReluFirstOrder(x: tf.Tensor): tf.Tensor {
  return tf.leakyRelu(x, 0.2);
}

export function dense(x: tf.Tensor2D, w: tf.Tensor, b?: tf.Tensor): tf.Tensor2D {
  const y: tf.Tensor2D = tf.matMul(x, w as tf.Tensor2D);
  return b ? y.add<tf.Tensor2D>(b) : y;
}

/** 'same'-padded convolution; w is [k, k, in, out]. */
export function conv(x: tf.Tensor4D, w: tf.Tensor, stride: number, b?: tf.Tensor): tf.Tensor4D {
  // The bias rides in the convolution kernel (FusedConv2D; XNNPACK adds it on wasm) instead of a
  // separate full-size Add: one kernel call and one tensor fewer per layer. Gradients are tfjs's own.
  if (b) return tf.fused.conv2d({ x, filter: w as tf.Tensor4D, strides: stride, pad: 'same', bias: b });
  return tf.conv2d(x, w as tf.Tensor4D, stride, 'same');
}

/**
 * conv() for a network's input, data whose gradient no one asks for (the U-Net's noisy images):
 * Conv2D, then the bias added. FusedConv2D's gradient computes the gradients of x, filter and bias
 * together, so the input gradient (a full convolution, 2 % of a DDPM-32 step on wasm) was made and
 * thrown away; Conv2D's gradient computes each input's only where the tape needs it.
 */
export function convOfInput(x: tf.Tensor4D, w: tf.Tensor, stride: number, b: tf.Tensor): tf.Tensor4D {
  return tf.conv2d(x, w as tf.Tensor4D, stride, 'same').add(b);
}

/** Stride-2 transposed convolution doubling H and W; w is [k, k, out, in] as tfjs expects. */
export function convTransposeUp(x: tf.Tensor4D, w: tf.Tensor, b?: tf.Tensor): tf.Tensor4D {
  const [n, h, wd] = x.shape;
  const out = w.shape[2] as number;
  const y = tf.conv2dTranspose(x, w as tf.Tensor4D, [n, h * 2, wd * 2, out], 2, 'same');
  return b ? y.add(b) : y;
}

/** Batch statistics over N, H, W (or N for 2-D input), as used in training mode. */
export function batchMoments(x: tf.Tensor): { mean: tf.Tensor; variance: tf.Tensor } {
  const axes = x.rank === 4 ? [0, 1, 2] : [0];
  const { mean, variance } = tf.moments(x, axes);
  return { mean, variance };
}

export const BN_EPSILON = 1e-5;

export function batchNormApply(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  return x.sub(mean).mul(variance.add(BN_EPSILON).rsqrt()).mul(gamma).add(beta);
}

/** One-hot float matrix from int32 labels; embeddings are oneHot·E because gather's gradient fails on wasm. */
export function oneHot(labels: tf.Tensor1D, numClasses: number): tf.Tensor2D {
  return tf.oneHot(labels, numClasses).toFloat() as tf.Tensor2D;
}

/** 2× nearest-neighbour upsampling with rank-4 broadcasts only (webgl/webgpu friendly). */
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const cols = x.reshape([n * h, w, 1, c]).mul(tf.ones([1, 1, 2, 1])); // [n·h, w, 2, c]
  const rows = cols.reshape([n, h, 1, 2 * w * c]).mul(tf.ones([1, 1, 2, 1])); // [n, h, 2, 2wc]
  return rows.reshape([n, 2 * h, 2 * w, c]);
}

/** 2× average-pool downsampling as reshape+mean, differentiable to any order (avgPoolGrad is not). */
export function downsample2x(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const rows = x.reshape([n, h / 2, 2, w * c]).mean(2); // [n, h/2, w·c]
  const cols = rows.reshape([(n * h) / 2, w / 2, 2, c]).mean(2); // [n·h/2, w/2, c]
  return cols.reshape([n, h / 2, w / 2, c]);
}

/** Linear interpolation a + (b − a)·t with t a number or a broadcastable tensor. */
export function lerp(a: tf.Tensor, b: tf.Tensor, t: number | tf.Tensor): tf.Tensor {
  return a.add(b.sub(a).mul(t));
}
