import { describe, expect, it } from 'vitest';
import { hasShared, readSharedJson } from '../../testing/sharedData';
import { Random } from '../../data/random';
import type { GreyImage } from '../types';
import { MetricInputError } from '../types';
import { meanAbsoluteError, meanSquaredError, msSsim, pairedMetrics, peakSignalToNoiseRatio, ssim } from './index';

interface SsimGolden {
  pairs: { size: number; kind: string; a: number[]; b: number[]; ssim: number; psnr: number | null }[];
}

const fromBytes = (values: number[], size: number): GreyImage => ({
  data: Float64Array.from(values, (v) => v / 255),
  width: size,
  height: size,
});

function noiseImage(width: number, height: number, seed: number): GreyImage {
  const rng = new Random(seed);
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rng.next();
  return { data, width, height };
}

describe.skipIf(!hasShared)('paired metrics vs scikit-image golden values', () => {
  const golden = hasShared ? readSharedJson<SsimGolden>('golden', 'ssim_psnr.json') : { pairs: [] };
  // Both sides compute in float64 over the same kernel; only summation order differs, so
  // 1e-9 absolute is ~1e6 times float64 round-off yet far below anything visible.
  for (const pair of golden.pairs) {
    it(`${pair.size}px ${pair.kind}`, () => {
      const a = fromBytes(pair.a, pair.size);
      const b = fromBytes(pair.b, pair.size);
      expect(ssim(a, b)).toBeCloseTo(pair.ssim, 9);
      if (pair.psnr === null) expect(peakSignalToNoiseRatio(a, b)).toBe(Infinity);
      else expect(peakSignalToNoiseRatio(a, b)).toBeCloseTo(pair.psnr, 9);
    });
  }
});

describe('paired metric invariants', () => {
  const a = noiseImage(40, 30, 1);
  const b = noiseImage(40, 30, 2);

  it('SSIM is symmetric and 1 for identical images', () => {
    expect(ssim(a, b)).toBeCloseTo(ssim(b, a), 14);
    expect(ssim(a, a)).toBeCloseTo(1, 14);
    expect(ssim(a, b)).toBeLessThan(0.2);
  });

  it('MSE/MAE are zero on identical images and match hand values', () => {
    expect(meanSquaredError(a, a)).toBe(0);
    expect(meanAbsoluteError(a, a)).toBe(0);
    const x: GreyImage = { data: Float64Array.of(0, 0.5, 1, 1), width: 2, height: 2 };
    const y: GreyImage = { data: Float64Array.of(0, 0, 0.5, 1), width: 2, height: 2 };
    expect(meanSquaredError(x, y)).toBeCloseTo(0.125, 15);
    expect(meanAbsoluteError(x, y)).toBeCloseTo(0.25, 15);
    expect(peakSignalToNoiseRatio(x, y)).toBeCloseTo(10 * Math.log10(8), 12);
  });

  it('refuses SSIM on images smaller than the window and mismatched sizes', () => {
    const tiny: GreyImage = { data: new Float64Array(100), width: 10, height: 10 };
    expect(() => ssim(tiny, tiny)).toThrow(/at least 11x11/);
    expect(() => ssim(a, noiseImage(30, 40, 3))).toThrow(/differ in size/);
  });

  it('MS-SSIM refuses images below 161 px with a clear message', () => {
    const small = noiseImage(160, 200, 4);
    expect(() => msSsim(small, small)).toThrow(MetricInputError);
    expect(() => msSsim(small, small)).toThrow(/at least 161 px/);
    const metrics = pairedMetrics(small, small);
    expect(metrics.msSsim).toBeNull();
    expect(metrics.msSsimError).toMatch(/161 px/);
  });

  it('MS-SSIM is 1 for identical images, symmetric, and drops with noise', () => {
    const base = smoothImage(161, 5);
    const noisy = addNoise(base, 0.05, 6);
    const noisier = addNoise(base, 0.2, 7);
    expect(msSsim(base, base)).toBeCloseTo(1, 12);
    const m1 = msSsim(base, noisy);
    expect(m1).toBeCloseTo(msSsim(noisy, base), 12);
    expect(m1).toBeLessThan(1);
    expect(msSsim(base, noisier)).toBeLessThan(m1);
  });
});

function smoothImage(size: number, seed: number): GreyImage {
  const rng = new Random(seed);
  const fx = rng.uniform(2, 6);
  const fy = rng.uniform(2, 6);
  const data = new Float64Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      data[y * size + x] = 0.5 + 0.4 * Math.sin((fx * x) / size * Math.PI) * Math.cos((fy * y) / size * Math.PI);
    }
  }
  return { data, width: size, height: size };
}

function addNoise(img: GreyImage, sigma: number, seed: number): GreyImage {
  const rng = new Random(seed);
  return { ...img, data: Float64Array.from(img.data, (v) => v + sigma * rng.normal()) };
}
