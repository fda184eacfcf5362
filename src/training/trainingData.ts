/**
 * The training split of a stored dataset, held as bytes on the CPU, and a batch sampler whose
 * batches are a pure function of (seed, step): a resumed run sees exactly the batches the
 * uninterrupted run would have.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, Random } from '../data/random';
import { getDatasetIndex, getDatasetMeta, readImages, SPLIT_CODES, type DatasetMeta } from '../storage/datasetStore';
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
    const index = await getDatasetIndex(store, datasetId);
    const all = await readImages(store, meta, 0, meta.count);
    const perImage = meta.width * meta.height * meta.channels;
    const train: number[] = [];
    for (let i = 0; i < meta.count; i++) if (index.splits[i] === SPLIT_CODES.train) train.push(i);
    if (train.length === 0) throw new Error(`Dataset "${meta.name}" has no training images`);
    const pixels = new Uint8Array(train.length * perImage);
    const labels = new Uint8Array(train.length);
    train.forEach((source, k) => {
      pixels.set(all.subarray(source * perImage, (source + 1) * perImage), k * perImage);
      labels[k] = index.labels[source];
    });
    return new TrainingData(meta, pixels, labels, train.length);
  }

  /** For tests and the CLI: wraps arrays already in memory. */
  static fromArrays(meta: DatasetMeta, pixels: Uint8Array, labels: Uint8Array): TrainingData {
    return new TrainingData(meta, pixels, labels, labels.length);
  }

  /** A batch in [-1, 1], NHWC, with int32 labels (null when the model is unconditional). */
  batch(step: number, batchSize: number, seed: number, conditional: boolean): { images: tf.Tensor4D; labels: tf.Tensor1D | null } {
    const { width, height, channels } = this.meta;
    const perImage = width * height * channels;
    const rng = new Random(deriveSeed(seed, step));
    const data = new Float32Array(batchSize * perImage);
    const labels = new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++) {
      const i = rng.int(this.count);
      const offset = i * perImage;
      for (let p = 0; p < perImage; p++) data[b * perImage + p] = this.pixels[offset + p] / 127.5 - 1;
      labels[b] = this.labels[i];
    }
    return {
      images: tf.tensor4d(data, [batchSize, height, width, channels]),
      labels: conditional ? tf.tensor1d(labels, 'int32') : null,
    };
  }
}
