/**
 * Pixels between model space and bytes. Every network here reads and writes images in [-1, 1];
 * the studio stores, shows and measures 0..255 bytes. The mapping is x = v / 127.5 − 1 and its
 * inverse rounded and clipped, so a byte image survives a round trip exactly and a model output
 * outside [-1, 1] saturates instead of wrapping.
 */
import * as tf from '@tensorflow/tfjs';

/** Bytes (0..255) to model space ([-1, 1]) on the CPU, for building batches. */
export function bytesToModelSpace(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 127.5 - 1;
  return out;
}

/** NHWC byte images as a model-space tensor. Caller disposes. */
export function imagesFromBytes(bytes: Uint8Array, shape: [number, number, number, number]): tf.Tensor4D {
  return tf.tensor4d(bytesToModelSpace(bytes), shape);
}

/** Model-space images to int32 bytes (0..255), rounded. For use inside tf.tidy; caller disposes. */
export function modelSpaceToBytes<R extends tf.Rank>(images: tf.Tensor<R>): tf.Tensor<R> {
  return tf.tidy(() => images.add(1).mul(127.5).clipByValue(0, 255).round().cast('int32'));
}

/**
 * Runs `makeImages` (model-space images, e.g. a generate call) and downloads them as bytes in one
 * asynchronous read. Every intermediate tensor, the images included, is disposed.
 */
export async function downloadBytes(makeImages: () => tf.Tensor): Promise<Uint8Array> {
  const bytes = tf.tidy(() => modelSpaceToBytes(makeImages()));
  try {
    return Uint8Array.from(await bytes.data());
  } finally {
    bytes.dispose();
  }
}
