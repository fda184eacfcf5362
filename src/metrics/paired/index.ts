/** All paired (full-reference) metrics of one image pair in one call. */
import type { GreyImage } from '../types';
import { MetricInputError } from '../types';
import { meanAbsoluteError, meanSquaredError, peakSignalToNoiseRatio } from './errors';
import { msSsim } from './msssim';
import { ssim } from './ssim';

export { meanAbsoluteError, meanSquaredError, peakSignalToNoiseRatio } from './errors';
export { msSsim, MS_SSIM_MIN_SIZE, MS_SSIM_WEIGHTS } from './msssim';
export { prepareSsimImage, ssim, ssimPrepared, type PreparedSsimImage, type SsimOptions } from './ssim';

export interface PairedMetrics {
  ssim: number;
  /** dB; Infinity when the images are identical. */
  psnr: number;
  mse: number;
  mae: number;
  /** null when the images are too small; `msSsimError` then says why. */
  msSsim: number | null;
  msSsimError?: string;
}

export function pairedMetrics(a: GreyImage, b: GreyImage, dataRange = 1): PairedMetrics {
  const result: PairedMetrics = {
    ssim: ssim(a, b, { dataRange }),
    psnr: peakSignalToNoiseRatio(a, b, dataRange),
    mse: meanSquaredError(a, b),
    mae: meanAbsoluteError(a, b),
    msSsim: null,
  };
  try {
    result.msSsim = msSsim(a, b, { dataRange });
  } catch (error) {
    if (!(error instanceof MetricInputError)) throw error;
    result.msSsimError = error.message;
  }
  return result;
}
