/**
 * SSIM (Wang et al. 2004) matching scikit-image `structural_similarity(gaussian_weights=True,
 * sigma=1.5, use_sample_covariance=False, data_range=R)`.
 *
 * scikit-image filters the whole image with mode='reflect' and then averages the SSIM map only
 * after cropping (win_size - 1) / 2 = 5 pixels from every border. Those kept pixels are exactly the
 * ones whose 11-tap window lies inside the image, so we convolve only the valid region: the
 * padding mode never influences the result and we skip ~half the work on small images.
 *
 * Preparing an image once (its local means and second moments) lets pair loops (diversity,
 * memorisation) pay only for the cross term.
 */
import { gaussianTaps } from '../gaussian';
import type { GreyImage } from '../types';
import { MetricInputError } from '../types';
import { assertImage, assertSameSize } from '../validate';

export interface SsimOptions {
  /** Max minus min of the intensity scale (1 for [0, 1] images, 255 for 8-bit values). */
  dataRange?: number;
  sigma?: number;
  k1?: number;
  k2?: number;
}

export const SSIM_DEFAULTS = { dataRange: 1, sigma: 1.5, k1: 0.01, k2: 0.03 } as const;

/** An image plus its windowed statistics over the valid region. */
export interface PreparedSsimImage {
  width: number;
  height: number;
  /** Source pixels (Float64). */
  pixels: Float64Array;
  /** Valid region size: (width - 2r) x (height - 2r). */
  validWidth: number;
  validHeight: number;
  mean: Float64Array;
  /** Windowed E[x²] - E[x]² (population variance). */
  variance: Float64Array;
  taps: Float64Array;
  c1: number;
  c2: number;
}

export interface SsimParts {
  /** Mean SSIM over the valid region. */
  ssim: number;
  /** Mean contrast-structure term (2σxy + C2)/(σx² + σy² + C2), used by MS-SSIM. */
  cs: number;
}

export function prepareSsimImage(image: GreyImage, options: SsimOptions = {}): PreparedSsimImage {
  assertImage(image, 'SSIM input');
  const { dataRange, sigma, k1, k2 } = { ...SSIM_DEFAULTS, ...options };
  if (!(dataRange > 0)) throw new MetricInputError(`SSIM data range must be positive, got ${dataRange}`);
  const taps = gaussianTaps(sigma);
  const win = taps.length;
  const { width, height } = image;
  if (width < win || height < win) {
    throw new MetricInputError(`SSIM needs images of at least ${win}x${win} px (Gaussian window ${win}), got ${width}x${height}`);
  }
  const pixels = Float64Array.from(image.data);
  const squares = new Float64Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) squares[i] = pixels[i] * pixels[i];
  const mean = filterValid(pixels, width, height, taps);
  const variance = filterValid(squares, width, height, taps);
  for (let i = 0; i < mean.length; i++) variance[i] -= mean[i] * mean[i];
  return {
    width,
    height,
    pixels,
    validWidth: width - win + 1,
    validHeight: height - win + 1,
    mean,
    variance,
    taps,
    c1: (k1 * dataRange) ** 2,
    c2: (k2 * dataRange) ** 2,
  };
}

/** SSIM and mean CS of two prepared images (must share size and options). */
export function ssimPrepared(a: PreparedSsimImage, b: PreparedSsimImage): SsimParts {
  if (a.width !== b.width || a.height !== b.height) {
    throw new MetricInputError(`images differ in size: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  }
  const n = a.pixels.length;
  const products = new Float64Array(n);
  for (let i = 0; i < n; i++) products[i] = a.pixels[i] * b.pixels[i];
  const cross = filterValid(products, a.width, a.height, a.taps);
  const { c1, c2 } = a;
  let ssimSum = 0;
  let csSum = 0;
  for (let i = 0; i < cross.length; i++) {
    const mx = a.mean[i];
    const my = b.mean[i];
    const covariance = cross[i] - mx * my;
    const cs = (2 * covariance + c2) / (a.variance[i] + b.variance[i] + c2);
    ssimSum += ((2 * mx * my + c1) / (mx * mx + my * my + c1)) * cs;
    csSum += cs;
  }
  return { ssim: ssimSum / cross.length, cs: csSum / cross.length };
}

export function ssim(a: GreyImage, b: GreyImage, options: SsimOptions = {}): number {
  assertSameSize(a, b);
  return ssimPrepared(prepareSsimImage(a, options), prepareSsimImage(b, options)).ssim;
}

/**
 * Separable correlation with `taps`, output only where the whole window is inside the image.
 * Horizontal pass over every row, then vertical pass; Float64 throughout.
 */
export function filterValid(src: Float64Array, width: number, height: number, taps: Float64Array): Float64Array {
  const win = taps.length;
  const vw = width - win + 1;
  const vh = height - win + 1;
  const rows = new Float64Array(height * vw);
  for (let y = 0; y < height; y++) {
    const rowStart = y * width;
    const outStart = y * vw;
    for (let x = 0; x < vw; x++) {
      let acc = 0;
      const base = rowStart + x;
      for (let t = 0; t < win; t++) acc += taps[t] * src[base + t];
      rows[outStart + x] = acc;
    }
  }
  const out = new Float64Array(vh * vw);
  for (let y = 0; y < vh; y++) {
    const outStart = y * vw;
    for (let t = 0; t < win; t++) {
      const w = taps[t];
      const srcStart = (y + t) * vw;
      for (let x = 0; x < vw; x++) out[outStart + x] += w * rows[srcStart + x];
    }
  }
  return out;
}
