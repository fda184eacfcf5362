/**
 * Paired (full-reference) metrics of originals against their reconstructions, summarised over
 * the images as mean ± sample std with N. Metrics are on a 0–1 scale (bytes / 255, data range 1),
 * like every other image metric of the studio. Colour images follow scikit-image's `channel_axis`
 * convention: SSIM and MS-SSIM are averaged over channels, while MSE, MAE and PSNR use every value
 * of the image at once.
 */
import { meanAbsoluteError, meanSquaredError, msSsim, ssim, type GreyImage } from '../metrics';
import { MetricInputError } from '../metrics/types';
import type { MetricStat, ReconstructionMetrics } from './evaluationTypes';

export interface PairedStackShape {
  count: number;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** Accumulates per-image metrics pair by pair, so a caller can feed batches as they arrive. */
export class PairedMetricsAccumulator {
  private readonly values = { ssim: [] as number[], msSsim: [] as number[], psnr: [] as number[], mse: [] as number[], mae: [] as number[] };
  private msSsimUnavailable: string | undefined;

  constructor(private readonly shape: Omit<PairedStackShape, 'count'>) {
    const { width, height, channels } = shape;
    if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) throw new MetricInputError(`paired metrics: image size must be positive whole numbers, got ${width}x${height}`);
    if (channels !== 1 && channels !== 3) throw new MetricInputError(`paired metrics: images must have 1 or 3 channels, got ${channels}`);
  }

  /** Adds `count` pairs of interleaved (HWC) 8-bit images. */
  add(originals: Uint8Array, reconstructions: Uint8Array, count: number): void {
    const { width, height, channels } = this.shape;
    const perImage = width * height * channels;
    if (originals.length !== count * perImage || reconstructions.length !== count * perImage) {
      throw new MetricInputError(`paired metrics: expected ${count} images of ${perImage} bytes on each side, got ${originals.length} and ${reconstructions.length} bytes`);
    }
    for (let i = 0; i < count; i++) {
      const a = originals.subarray(i * perImage, (i + 1) * perImage);
      const b = reconstructions.subarray(i * perImage, (i + 1) * perImage);
      let ssimSum = 0;
      let msSsimSum = 0;
      let mse = 0;
      let mae = 0;
      for (let c = 0; c < channels; c++) {
        const x = plane(a, c, this.shape);
        const y = plane(b, c, this.shape);
        ssimSum += ssim(x, y, { dataRange: 1 });
        // Equal-sized planes: the image's MSE and MAE are the means of its channels'.
        mse += meanSquaredError(x, y) / channels;
        mae += meanAbsoluteError(x, y) / channels;
        if (this.msSsimUnavailable === undefined) msSsimSum += this.msSsimOf(x, y);
      }
      this.values.ssim.push(ssimSum / channels);
      this.values.mse.push(mse);
      this.values.mae.push(mae);
      this.values.psnr.push(mse === 0 ? Infinity : 10 * Math.log10(1 / mse));
      if (this.msSsimUnavailable === undefined) this.values.msSsim.push(msSsimSum / channels);
    }
  }

  get count(): number {
    return this.values.ssim.length;
  }

  result(): ReconstructionMetrics {
    if (this.count === 0) throw new MetricInputError('paired metrics: no image pairs were added');
    return {
      ssim: metricStat(this.values.ssim),
      msSsim: this.msSsimUnavailable === undefined ? metricStat(this.values.msSsim) : null,
      ...(this.msSsimUnavailable === undefined ? {} : { msSsimUnavailable: this.msSsimUnavailable }),
      psnr: metricStat(this.values.psnr),
      mse: metricStat(this.values.mse),
      mae: metricStat(this.values.mae),
    };
  }

  private msSsimOf(x: GreyImage, y: GreyImage): number {
    try {
      return msSsim(x, y, { dataRange: 1 });
    } catch (error) {
      // Too small for five scales: every image of the set is, so MS-SSIM is reported as unavailable.
      if (!(error instanceof MetricInputError)) throw error;
      this.msSsimUnavailable = error.message;
      return NaN;
    }
  }
}

export function pairedStackMetrics(originals: Uint8Array, reconstructions: Uint8Array, shape: PairedStackShape): ReconstructionMetrics {
  const accumulator = new PairedMetricsAccumulator(shape);
  accumulator.add(originals, reconstructions, shape.count);
  return accumulator.result();
}

/** Mean and sample standard deviation; an infinite value makes the mean infinite and the std NaN. */
export function metricStat(values: readonly number[]): MetricStat {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n < 2 || !Number.isFinite(mean)) return { mean, std: NaN, n };
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { mean, std: Math.sqrt(variance), n };
}

function plane(image: Uint8Array, channel: number, shape: Omit<PairedStackShape, 'count'>): GreyImage {
  const { width, height, channels } = shape;
  const data = new Float64Array(width * height);
  for (let p = 0; p < data.length; p++) data[p] = image[p * channels + channel] / 255;
  return { data, width, height };
}
