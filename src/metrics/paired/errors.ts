/** Pixel-wise error metrics between two same-sized grey images, accumulated in Float64. */
import type { GreyImage } from '../types';
import { MetricInputError } from '../types';
import { assertImage, assertSameSize } from '../validate';

function checkPair(a: GreyImage, b: GreyImage): void {
  assertImage(a, 'first image');
  assertImage(b, 'second image');
  assertSameSize(a, b);
}

export function meanSquaredError(a: GreyImage, b: GreyImage): number {
  checkPair(a, b);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    sum += d * d;
  }
  return sum / a.data.length;
}

export function meanAbsoluteError(a: GreyImage, b: GreyImage): number {
  checkPair(a, b);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length;
}

/** PSNR in dB; Infinity for identical images (serialise as null). */
export function peakSignalToNoiseRatio(a: GreyImage, b: GreyImage, dataRange = 1): number {
  if (!(dataRange > 0)) throw new MetricInputError(`PSNR data range must be positive, got ${dataRange}`);
  const mse = meanSquaredError(a, b);
  return mse === 0 ? Infinity : 10 * Math.log10((dataRange * dataRange) / mse);
}
