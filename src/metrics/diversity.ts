/**
 * Within-set diversity as the mean SSIM over random pairs of distinct images. A generator in
 * mode collapse produces near-identical images, so its mean pairwise SSIM rises towards 1;
 * compare against the same statistic on the real set.
 */
import { Random } from '../data/random';
import { prepareSsimImage, ssimPrepared, type SsimOptions } from './paired/ssim';
import { stackImage } from './stack';
import type { ImageStack } from './types';
import { MetricInputError } from './types';
import { assertImageStack } from './validate';

export interface DiversityOptions extends SsimOptions {
  /** Pairs to sample (default 1000); all pairs are used when there are fewer. */
  pairs?: number;
  seed?: number;
}

export interface DiversityResult {
  meanSsim: number;
  std: number;
  pairs: number;
  n: number;
  warnings: string[];
}

export function meanPairwiseSsim(images: ImageStack, options: DiversityOptions = {}): DiversityResult {
  assertImageStack(images, 'diversity images');
  const n = images.count;
  if (n < 2) throw new MetricInputError(`diversity needs at least 2 images, got ${n}`);
  const requested = options.pairs ?? 1000;
  if (!Number.isInteger(requested) || requested < 1) throw new MetricInputError(`diversity pairs must be a positive integer, got ${requested}`);
  const allPairs = (n * (n - 1)) / 2;
  const pairs: [number, number][] = [];
  if (allPairs <= requested) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push([i, j]);
  } else {
    const rng = new Random(options.seed ?? 0);
    for (let t = 0; t < requested; t++) {
      const i = rng.int(n);
      let j = rng.int(n - 1);
      if (j >= i) j++;
      pairs.push([i, j]);
    }
  }
  // Sorting by the first image lets one prepared image serve all its pairs.
  pairs.sort((p, q) => p[0] - q[0]);
  const values = new Float64Array(pairs.length);
  let preparedIndex = -1;
  let prepared = null as ReturnType<typeof prepareSsimImage> | null;
  pairs.forEach(([i, j], t) => {
    if (i !== preparedIndex) {
      prepared = prepareSsimImage(stackImage(images, i), options);
      preparedIndex = i;
    }
    values[t] = ssimPrepared(prepared!, prepareSsimImage(stackImage(images, j), options)).ssim;
  });
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  const warnings: string[] = [];
  if (values.length < 100) warnings.push(`only ${values.length} pairs: mean pairwise SSIM is noisy`);
  return { meanSsim: mean, std: Math.sqrt(variance / values.length), pairs: values.length, n, warnings };
}
