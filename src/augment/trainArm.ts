/**
 * Trains one arm's classifier: epochs over its training set in a seeded order, the loss on the
 * real validation split after each, and early stopping that keeps the best epoch's weights once
 * `patience` epochs bring no improvement. Every arm gets the same budget, so differences between
 * arms come from their data.
 */
import * as tf from '@tensorflow/tfjs';
import { Classifier } from '../../models/classifier';
import { imagesFromBytes } from '../../models';
import { deriveSeed, Random } from '../data/random';
import { throwIfCancelled, type CancelToken } from '../core/jobControl';
import type { LabelledImages } from './armSets';
import type { ClassifierBudget, ImageShape } from './augmentTypes';

export { DEFAULT_BUDGET, type ClassifierBudget, type ImageShape } from './augmentTypes';


export interface TrainedArm {
  classifier: Classifier;
  /** Epochs trained (best epoch + patience, or maxEpochs). */
  epochs: number;
  /** The epoch (1-based) whose weights were kept. */
  bestEpoch: number;
  validationLoss: number[];
}

export interface ArmHooks {
  /** Called after every few batches with the training images seen in this arm so far. */
  onImages(seen: number): void;
  cancel?: CancelToken;
  /** Named in the cancellation. */
  what: string;
}

function toTensor(shape: ImageShape, pixels: Uint8Array, count: number): tf.Tensor4D {
  return imagesFromBytes(pixels, [count, shape.height, shape.width, shape.channels]);
}

export async function trainArm(shape: ImageShape, classes: number, train: LabelledImages, validation: LabelledImages, budget: ClassifierBudget, seed: number, hooks: ArmHooks): Promise<TrainedArm> {
  const classifier = new Classifier({ resolution: shape.width, channels: shape.channels, numClasses: classes, width: budget.width, learningRate: budget.learningRate, seed, architecture: budget.architecture });
  const per = shape.width * shape.height * shape.channels;
  const validationLoss: number[] = [];
  let best = Infinity;
  let bestEpoch = 0;
  let saved: Record<string, tf.Tensor> | null = null;
  let epoch = 0;
  try {
    for (epoch = 1; epoch <= budget.maxEpochs; epoch++) {
      const order = new Random(deriveSeed(seed, epoch)).shuffle(Array.from({ length: train.count }, (_, i) => i));
      for (let start = 0, batch = 0; start < train.count; start += budget.batchSize, batch++) {
        const members = order.slice(start, start + budget.batchSize);
        const pixels = new Uint8Array(members.length * per);
        const oneHot = new Float32Array(members.length * classes);
        members.forEach((i, b) => {
          pixels.set(train.pixels.subarray(i * per, (i + 1) * per), b * per);
          oneHot[b * classes + train.labels[i]] = 1;
        });
        const x = toTensor(shape, pixels, members.length);
        const y = tf.tensor2d(oneHot, [members.length, classes]);
        const loss = classifier.trainStep(x, y);
        x.dispose();
        y.dispose();
        if (batch % 8 === 7) {
          // An occasional readback keeps the queue short and lets progress and Cancel through.
          await loss.data();
          hooks.onImages((epoch - 1) * train.count + start + members.length);
          await throwIfCancelled(hooks.cancel, hooks.what);
        }
        loss.dispose();
      }
      const loss = await validationCrossEntropy(classifier, shape, validation, classes);
      validationLoss.push(loss);
      hooks.onImages(epoch * train.count);
      await throwIfCancelled(hooks.cancel, hooks.what);
      if (loss < best) {
        best = loss;
        bestEpoch = epoch;
        if (saved) Object.values(saved).forEach((t) => t.dispose());
        saved = classifier.snapshot();
      } else if (epoch - bestEpoch >= budget.patience) break;
    }
    if (saved) classifier.restore(saved);
  } catch (error) {
    classifier.dispose();
    throw error;
  } finally {
    if (saved) Object.values(saved).forEach((t) => t.dispose());
  }
  return { classifier, epochs: Math.min(epoch, budget.maxEpochs), bestEpoch, validationLoss };
}

/** Softmax probabilities, N × classes, of `set` in order. */
export async function predictProbabilities(classifier: Classifier, shape: ImageShape, set: LabelledImages): Promise<Float32Array> {
  const per = shape.width * shape.height * shape.channels;
  const classes = classifier.config.numClasses;
  const out = new Float32Array(set.count * classes);
  for (let start = 0; start < set.count; start += 128) {
    const n = Math.min(128, set.count - start);
    const x = toTensor(shape, set.pixels.subarray(start * per, (start + n) * per), n);
    const probs = tf.tidy(() => tf.softmax(classifier.logits(x)));
    out.set((await probs.data()) as Float32Array, start * classes);
    x.dispose();
    probs.dispose();
  }
  return out;
}

async function validationCrossEntropy(classifier: Classifier, shape: ImageShape, set: LabelledImages, classes: number): Promise<number> {
  const probs = await predictProbabilities(classifier, shape, set);
  let sum = 0;
  for (let i = 0; i < set.count; i++) sum -= Math.log(Math.max(1e-7, probs[i * classes + set.labels[i]]));
  return sum / Math.max(1, set.count);
}
