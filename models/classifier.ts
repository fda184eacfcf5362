/**
 * A small CNN classifier for the Augment stage and for classifier-based metrics: two conv blocks,
 * global average pooling, one hidden layer. Explicit seeded weights, plain tfjs ops, so it runs
 * on every backend the studio uses (wasm included, with our training kernels).
 */
import * as tf from '@tensorflow/tfjs';

export interface ClassifierConfig {
  resolution: number;
  channels: 1 | 3;
  numClasses: number;
  width: number;
  learningRate: number;
  seed: number;
}

export class Classifier {
  private readonly weights: Record<string, tf.Variable>;
  private readonly optimizer: tf.Optimizer;

  constructor(readonly config: ClassifierConfig) {
    const { channels, numClasses, width, seed } = config;
    const he = (shape: number[], fanIn: number, k: number) => tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed * 97 + k));
    this.weights = {
      c1: he([3, 3, channels, width], 9 * channels, 1),
      b1: tf.variable(tf.zeros([width])),
      c2: he([3, 3, width, 2 * width], 9 * width, 2),
      b2: tf.variable(tf.zeros([2 * width])),
      c3: he([3, 3, 2 * width, 4 * width], 18 * width, 3),
      b3: tf.variable(tf.zeros([4 * width])),
      d1: he([4 * width, 64], 4 * width, 4),
      e1: tf.variable(tf.zeros([64])),
      d2: he([64, numClasses], 64, 5),
      e2: tf.variable(tf.zeros([numClasses])),
    };
    this.optimizer = tf.train.adam(config.learningRate);
  }

  /** Penultimate features (64-d) of images in [-1, 1]. */
  features(x: tf.Tensor4D): tf.Tensor2D {
    const w = this.weights;
    return tf.tidy(() => {
      let h: tf.Tensor4D = tf.relu(tf.conv2d(x, w.c1 as tf.Tensor4D, 1, 'same').add(w.b1));
      h = tf.relu(tf.conv2d(h, w.c2 as tf.Tensor4D, 2, 'same').add(w.b2));
      h = tf.relu(tf.conv2d(h, w.c3 as tf.Tensor4D, 2, 'same').add(w.b3));
      const pooled = h.mean([1, 2]) as tf.Tensor2D;
      return tf.relu(pooled.matMul(w.d1 as tf.Tensor2D).add(w.e1)) as tf.Tensor2D;
    });
  }

  logits(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.features(x).matMul(this.weights.d2 as tf.Tensor2D).add(this.weights.e2) as tf.Tensor2D);
  }

  /** One Adam step on a batch; returns the loss, still on the device. */
  trainStep(x: tf.Tensor4D, oneHot: tf.Tensor2D): tf.Scalar {
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(oneHot, this.logits(x)) as tf.Scalar);
    this.optimizer.applyGradients(grads);
    Object.values(grads).forEach((g) => g.dispose());
    return value;
  }

  dispose(): void {
    Object.values(this.weights).forEach((v) => v.dispose());
    this.optimizer.dispose();
  }
}
