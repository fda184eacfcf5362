/**
 * The training split of a stored dataset, held as bytes on the CPU, and a batch sampler whose
 * batches are a pure function of (seed, step): a resumed run sees exactly the batches the
 * uninterrupted run would have.
 */
import * as tf from '@tensorflow/tfjs';
import { imagesFromBytes } from '../../models';
import { deriveSeed, Random } from '../data/random';
import { getDatasetMeta, type DatasetMeta } from '../storage/datasetStore';
import { readSplit } from '../storage/datasetSplits';
import type { KeyValueStore } from '../storage/keyValueStore';

export class TrainingData {
  private constructor(
    readonly meta: DatasetMeta,
    private readonly pixels: Uint8Array,
    private readonly labels: Uint8Array,
    readonly count: number,
  ) {}

  static async load(store: KeyValueStore, datasetId: string): Promise<TrainingData> {
    const meta = await getDatasetMeta(store, datasetId);
    const train = await readSplit(store, meta, 'train');
    if (train.count === 0) throw new Error(`Dataset "${meta.name}" has no training images`);
    return new TrainingData(meta, train.pixels, train.labels, train.count);
  }

  /** For tests and the CLI: wraps arrays already in memory. */
  static fromArrays(meta: DatasetMeta, pixels: Uint8Array, labels: Uint8Array): TrainingData {
    return new TrainingData(meta, pixels, labels, labels.length);
  }

  /**
   * `perClass` training images of each of `classes` classes (labelled 0 for one class: any image),
   * seeded, as 0..255 bytes: the real side of a sample grid's diversity.
   */
  tiles(perClass: number, classes: number, seed: number): { pixels: Uint8Array; labels: Int32Array } {
    const { width, height, channels } = this.meta;
    const perImage = width * height * channels;
    const rng = new Random(seed);
    const byClass = Array.from({ length: classes }, (_, c) => {
      const members: number[] = [];
      for (let i = 0; i < this.count; i++) if (classes === 1 || this.labels[i] === c) members.push(i);
      return members;
    });
    const picked: { index: number; label: number }[] = [];
    byClass.forEach((members, c) => {
      // Without replacement (a repeated image would make the real images look less varied).
      for (let k = 0; k < Math.min(perClass, members.length); k++) {
        const j = k + rng.int(members.length - k);
        [members[k], members[j]] = [members[j], members[k]];
        picked.push({ index: members[k], label: c });
      }
    });
    const pixels = new Uint8Array(picked.length * perImage);
    picked.forEach(({ index }, k) => pixels.set(this.pixels.subarray(index * perImage, (index + 1) * perImage), k * perImage));
    return { pixels, labels: Int32Array.from(picked, (p) => p.label) };
  }

  /** A batch in [-1, 1], NHWC, with int32 labels (null when the model is unconditional). */
  batch(step: number, batchSize: number, seed: number, conditional: boolean): { images: tf.Tensor4D; labels: tf.Tensor1D | null } {
    const { width, height, channels } = this.meta;
    const perImage = width * height * channels;
    const rng = new Random(deriveSeed(seed, step));
    const bytes = new Uint8Array(batchSize * perImage);
    const labels = new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++) {
      const i = rng.int(this.count);
      bytes.set(this.pixels.subarray(i * perImage, (i + 1) * perImage), b * perImage);
      labels[b] = this.labels[i];
    }
    return {
      images: imagesFromBytes(bytes, [batchSize, height, width, channels]),
      labels: conditional ? tf.tensor1d(labels, 'int32') : null,
    };
  }
}
