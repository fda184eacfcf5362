/**
 * WGAN-GP gradient penalty (Gulrajani et al. 2017): the critic's input-gradient norm, one per
 * sample, on random interpolates of real and fake images, pushed towards 1. Computing it inside
 * tf.variableGrads differentiates the critic twice, which is why critics use only ops whose
 * gradients are differentiable (see layers/basic.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { lerp } from './basic';

/** ‖∂ critic(x)_i / ∂ x_i‖₂ for each sample i. Exact per sample when the critic treats samples independently. */
export function inputGradientNorms(critic: (x: tf.Tensor4D) => tf.Tensor1D, x: tf.Tensor4D): tf.Tensor1D {
  const gradient = tf.grad((xi) => critic(xi as tf.Tensor4D).sum())(x);
  // The tiny offset keeps sqrt's gradient finite when a gradient vanishes.
  return gradient.square().sum([1, 2, 3]).add(1e-12).sqrt() as tf.Tensor1D;
}

/** x̂ = ε·real + (1 − ε)·fake with one ε ~ U[0, 1) per sample. */
export function interpolate(real: tf.Tensor4D, fake: tf.Tensor4D, seed: number): tf.Tensor4D {
  const eps = tf.randomUniform([real.shape[0], 1, 1, 1], 0, 1, 'float32', seed);
  return lerp(fake, real, eps) as tf.Tensor4D;
}

/** Returns the penalty mean((‖∇‖ − 1)²) and the per-sample norms. */
export function gradientPenalty(
  critic: (x: tf.Tensor4D) => tf.Tensor1D,
  real: tf.Tensor4D,
  fake: tf.Tensor4D,
  seed: number,
): { penalty: tf.Scalar; norms: tf.Tensor1D } {
  const norms = inputGradientNorms(critic, interpolate(real, fake, seed));
  return { penalty: norms.sub(1).square().mean() as tf.Scalar, norms };
}

/**
 * The R1 penalty (Mescheder et al. 2018, "Which training methods for GANs do actually converge?"):
 * mean over the batch of ‖∇ₓ D(x)ᵢ‖² at the real images, which the caller weights by γ/2. The
 * gradient is of D's summed output, so with batch norm in D (batch statistics) it includes what
 * each image does to the others' normalisation, as autograd gives it in PyTorch.
 */
export function r1Penalty(critic: (x: tf.Tensor4D) => tf.Tensor1D, real: tf.Tensor4D): tf.Scalar {
  const gradient = tf.grad((xi) => critic(xi as tf.Tensor4D).sum())(real);
  return gradient.square().sum([1, 2, 3]).mean() as tf.Scalar;
}
