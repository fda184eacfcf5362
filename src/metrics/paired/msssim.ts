/**
 * Multi-scale SSIM (Wang, Simoncelli & Bovik 2003): contrast-structure at scales 1..4 and full
 * SSIM at scale 5, combined with the published exponents. Between scales the image is halved by
 * 2x2 averaging; an odd last row/column is averaged over the pixels that exist (ceil size), so a
 * 161 px image still has one valid 11 px window at the fifth scale (161→81→41→21→11). Smaller
 * images are refused rather than given a number computed on a window that no longer fits.
 */
import type { GreyImage } from '../types';
import { MetricInputError } from '../types';
import { assertImage, assertSameSize } from '../validate';
import { prepareSsimImage, ssimPrepared, type SsimOptions } from './ssim';

export const MS_SSIM_WEIGHTS = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333] as const;
export const MS_SSIM_MIN_SIZE = 161;

export function msSsim(a: GreyImage, b: GreyImage, options: SsimOptions = {}): number {
  assertImage(a, 'first image');
  assertImage(b, 'second image');
  assertSameSize(a, b);
  const shorter = Math.min(a.width, a.height);
  if (shorter < MS_SSIM_MIN_SIZE) {
    throw new MetricInputError(
      `MS-SSIM needs images of at least ${MS_SSIM_MIN_SIZE} px on the shorter side (5 scales of an 11 px window); got ${a.width}x${a.height}. Use SSIM instead.`,
    );
  }
  let x: GreyImage = { data: Float64Array.from(a.data), width: a.width, height: a.height };
  let y: GreyImage = { data: Float64Array.from(b.data), width: b.width, height: b.height };
  let result = 1;
  for (let scale = 0; scale < MS_SSIM_WEIGHTS.length; scale++) {
    const parts = ssimPrepared(prepareSsimImage(x, options), prepareSsimImage(y, options));
    const last = scale === MS_SSIM_WEIGHTS.length - 1;
    // Negative CS/SSIM (anti-correlated structure) would make a fractional power complex;
    // clamping at 0 follows pytorch_msssim and reads as "no similarity at this scale".
    const term = Math.max(0, last ? parts.ssim : parts.cs);
    result *= term ** MS_SSIM_WEIGHTS[scale];
    if (!last) {
      x = halve(x);
      y = halve(y);
    }
  }
  return result;
}

/** 2x2 mean; trailing odd row/column averages only existing pixels. */
export function halve(img: GreyImage): GreyImage {
  const width = Math.ceil(img.width / 2);
  const height = Math.ceil(img.height / 2);
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    const y0 = 2 * y;
    const y1 = Math.min(y0 + 1, img.height - 1);
    for (let x = 0; x < width; x++) {
      const x0 = 2 * x;
      const x1 = Math.min(x0 + 1, img.width - 1);
      let sum = 0;
      let count = 0;
      for (const yy of y1 === y0 ? [y0] : [y0, y1]) {
        for (const xx of x1 === x0 ? [x0] : [x0, x1]) {
          sum += img.data[yy * img.width + xx];
          count++;
        }
      }
      out[y * width + x] = sum / count;
    }
  }
  return { data: out, width, height };
}
