/**
 * A small classifier for the Augment stage and for classifier-based metrics. Two architectures:
 * - 'cnn': three conv blocks (the 2nd and 3rd stride 2), global average pooling, one hidden layer;
 * - 'resnet': a stem conv and three residual stages (two 3×3 convs plus a skip, 1×1 projection
 *   where the shape changes), then the same pooling and head.
 * Images larger than 32 px are average-pooled to about 32 px first: the diagnostic signal of the
 * studio's phantoms and MedMNIST-sized images survives, and a step costs a quarter (wasm has no
 * GPU to hide a 64-px convolution). Explicit seeded weights, plain tfjs ops, so it runs on every
 * backend the studio uses (wasm included, with our training kernels).
 */
import * as tf from '@tensorflow/tfjs';

export type ClassifierArchitecture = 'cnn' | 'resnet';

export interface ClassifierConfig {
  resolution: number;
  channels: 1 | 3;
  numClasses: number;
  width: number;
  learningRate: number;
  seed: number;
  /** Default 'cnn'. */
  architecture?: ClassifierArchitecture;
}

/** The integer pooling factor that brings `resolution` down to at most about 32 px. */
export function inputPoolFactor(resolution: number): number {
  return Math.max(1, Math.floor(resolution / 32));
}

export class Classifier {
  private readonly weights: Record<string, tf.Variable>;
  private readonly optimizer: tf.Optimizer;
  private readonly architecture: ClassifierArchitecture;
  private readonly pool: number;

  constructor(readonly config: ClassifierConfig) {
    const { channels, numClasses, width, seed } = config;
    this.architecture = config.architecture ?? 'cnn';
    this.pool = inputPoolFactor(config.resolution);
    let k = 0;
    // Inside tidy, so the initial values do not outlive the variables made from them.
    const he = (shape: number[], fanIn: number) => {
      const key = seed * 97 + ++k;
      return tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', key)));
    };
    const zeros = (n: number) => tf.tidy(() => tf.variable(tf.zeros([n])));
    const conv = (name: string, size: number, cin: number, cout: number, w: Record<string, tf.Variable>) => {
      w[name] = he([size, size, cin, cout], size * size * cin);
      w[`${name}b`] = zeros(cout);
    };
    const w: Record<string, tf.Variable> = {};
    if (this.architecture === 'cnn') {
      conv('c1', 3, channels, width, w);
      conv('c2', 3, width, 2 * width, w);
      conv('c3', 3, 2 * width, 4 * width, w);
    } else {
      conv('stem', 3, channels, width, w);
      const stages = [width, 2 * width, 4 * width];
      let cin = width;
      stages.forEach((cout, s) => {
        conv(`r${s}a`, 3, cin, cout, w);
        conv(`r${s}b`, 3, cout, cout, w);
        if (cin !== cout || s > 0) conv(`r${s}p`, 1, cin, cout, w);
        cin = cout;
      });
    }
    // Mean and max pooling side by side: a small lesion moves the max long before the mean.
    w.d1 = he([8 * width, 64], 8 * width);
    w.e1 = zeros(64);
    w.d2 = he([64, numClasses], 64);
    w.e2 = zeros(numClasses);
    this.weights = w;
    this.optimizer = tf.train.adam(config.learningRate);
  }

  private conv(h: tf.Tensor4D, name: string, stride: 1 | 2): tf.Tensor4D {
    return tf.conv2d(h, this.weights[name] as tf.Tensor4D, stride, 'same').add(this.weights[`${name}b`]) as tf.Tensor4D;
  }

  /** Penultimate features (64-d) of images in [-1, 1]. */
  features(x: tf.Tensor4D): tf.Tensor2D {
    const w = this.weights;
    return tf.tidy(() => {
      let h: tf.Tensor4D = this.pool > 1 ? tf.avgPool(x, this.pool, this.pool, 'valid') : x;
      if (this.architecture === 'cnn') {
        h = tf.relu(this.conv(h, 'c1', 1));
        h = tf.relu(this.conv(h, 'c2', 2));
        h = tf.relu(this.conv(h, 'c3', 2));
      } else {
        h = tf.relu(this.conv(h, 'stem', 1));
        for (let s = 0; s < 3; s++) {
          const stride = s === 0 ? 1 : 2;
          const inner = tf.relu(this.conv(h, `r${s}a`, stride));
          const skip = w[`r${s}p`] ? this.conv(h, `r${s}p`, stride) : h;
          h = tf.relu(this.conv(inner, `r${s}b`, 1).add(skip));
        }
      }
      const pooled = tf.concat([h.mean([1, 2]), h.max([1, 2])], 1) as tf.Tensor2D;
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

  /** The current weights, copied (for early stopping: keep the best epoch's). */
  snapshot(): Record<string, tf.Tensor> {
    return Object.fromEntries(Object.entries(this.weights).map(([name, v]) => [name, tf.clone(v)]));
  }

  /** Puts back weights from `snapshot` (the optimizer's moments are left as they are). */
  restore(saved: Record<string, tf.Tensor>): void {
    for (const [name, v] of Object.entries(this.weights)) v.assign(saved[name]);
  }

  dispose(): void {
    Object.values(this.weights).forEach((v) => v.dispose());
    this.optimizer.dispose();
  }
}
