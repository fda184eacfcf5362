/**
 * FID features for a whole image set held as bytes, one batch on the device at a time: only the
 * current batch's pixels and activations live in tfjs, the features gather in one Float32Array.
 */
import * as tf from '@tensorflow/tfjs';
import { POOL3_FEATURES } from './architecture';
import type { FidInception } from './network';

/** `count` images, row-major, each height × width × channels bytes (0..255), image after image. */
export interface PixelImages {
  pixels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
}

export interface BatchedFeaturesOptions {
  /** Images per forward pass (default 16): bounded device memory, not speed, is the reason to batch. */
  batchSize?: number;
  onProgress?(done: number, total: number): void;
  signal?: AbortSignal;
}

/** Returns count × 2048 features, row-major. Bytes are divided by 255, as torchvision's ToTensor does. */
export async function inceptionFeaturesFromPixels(net: FidInception, images: PixelImages, options: BatchedFeaturesOptions = {}): Promise<Float32Array> {
  const { pixels, count, height, width, channels } = images;
  const batchSize = options.batchSize ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const imageBytes = height * width * channels;
  if (channels !== 1 && channels !== 3) throw new RangeError(`images must have 1 or 3 channels, got ${String(channels)}`);
  if (pixels.length !== count * imageBytes) {
    throw new RangeError(`pixels hold ${pixels.length} bytes, but ${count} images of ${height}×${width}×${channels} need ${count * imageBytes}`);
  }
  const out = new Float32Array(count * POOL3_FEATURES);
  for (let start = 0; start < count; start += batchSize) {
    options.signal?.throwIfAborted();
    const n = Math.min(batchSize, count - start);
    const scaled = Float32Array.from(pixels.subarray(start * imageBytes, (start + n) * imageBytes), (v) => v / 255);
    const batch = tf.tensor4d(scaled, [n, height, width, channels]);
    let features: tf.Tensor2D | undefined;
    try {
      features = net.features(batch);
      // Async read-back: the worker's event loop breathes between batches.
      out.set((await features.data()) as Float32Array, start * POOL3_FEATURES);
    } finally {
      batch.dispose();
      features?.dispose();
    }
    options.onProgress?.(start + n, count);
  }
  return out;
}
