/** Access to single images of an ImageStack on a [0, 1] scale (bytes are divided by 255). */
import type { FeatureMatrix, GreyImage, ImageStack } from './types';

export function stackImage(stack: ImageStack, index: number): GreyImage {
  const px = stack.width * stack.height;
  const src = stack.data.subarray(index * px, (index + 1) * px);
  const data = src instanceof Uint8Array ? Float64Array.from(src, (v) => v / 255) : Float64Array.from(src);
  return { data, width: stack.width, height: stack.height };
}

/** Every image as a row of pixels (the "raw" feature space), on the [0, 1] scale. */
export function stackPixels(stack: ImageStack): FeatureMatrix {
  const data = stack.data instanceof Uint8Array ? Float64Array.from(stack.data, (v) => v / 255) : Float64Array.from(stack.data);
  return { data, rows: stack.count, cols: stack.width * stack.height };
}

/** 2x2 box-downsampled pixel rows (odd last row/column dropped): a cheap proxy space for candidate search. */
export function stackPixelsHalved(stack: ImageStack): FeatureMatrix {
  const { width, height, count } = stack;
  const w = width >> 1;
  const h = height >> 1;
  const scale = stack.data instanceof Uint8Array ? 1 / (4 * 255) : 1 / 4;
  const out = new Float64Array(count * w * h);
  for (let n = 0; n < count; n++) {
    const src = n * width * height;
    const dst = n * w * h;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = src + 2 * y * width + 2 * x;
        out[dst + y * w + x] = (stack.data[p] + stack.data[p + 1] + stack.data[p + width] + stack.data[p + width + 1]) * scale;
      }
    }
  }
  return { data: out, rows: count, cols: w * h };
}
