import { describe, expect, it } from 'vitest';
import { convertChannels, preprocess, resize, squareImage, validatePreprocessOptions } from './preprocess';
import type { IntensityImage } from './types';

const image = (width: number, height: number, f: (x: number, y: number) => number): IntensityImage => {
  const pixels = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) pixels[y * width + x] = f(x, y);
  return { width, height, channels: 1, pixels, meta: { format: 'png', width, height } };
};

describe('antialiased resize', () => {
  it('turns a 1-px checkerboard into uniform grey when downscaling (no aliasing)', () => {
    // Factors ≥ ~2 (every realistic scan → 28..256). Like PIL's Lanczos, a mild 1.2× downscale leaves
    // part of an exact-Nyquist pattern (a steeper filter would blur ordinary images more).
    for (const [from, to] of [[256, 28], [512, 64], [255, 32], [300, 128], [1000, 256], [64, 28]]) {
      const out = preprocess(image(from, from, (x, y) => (x + y) % 2), { size: to, channels: 1, fit: 'crop' });
      const deviation = Math.max(...Array.from(out, (v) => Math.abs(v - 127.5)));
      expect(deviation, `${from}->${to}`).toBeLessThanOrEqual(3);
    }
  });

  it('point sampling of the same pattern would alias to black or white (the test can fail)', () => {
    const checker = image(256, 256, (x, y) => (x + y) % 2);
    const nearest = Array.from({ length: 28 * 28 }, (_, i) => checker.pixels[Math.floor(((i / 28) | 0) * 256 / 28) * 256 + Math.floor((i % 28) * 256 / 28)]);
    expect(Math.max(...nearest.map((v) => Math.abs(v * 255 - 127.5)))).toBeGreaterThan(100);
  });

  it('keeps a constant image constant and preserves a smooth gradient', () => {
    const flat = resize(new Float32Array(100 * 100).fill(0.25), 100, 100, 1, 37, 37);
    for (const v of flat) expect(v).toBeCloseTo(0.25, 5);
    const ramp = resize(image(200, 200, (x) => x / 199).pixels, 200, 200, 1, 50, 50);
    expect(ramp[25]).toBeCloseTo(0.5, 1);
  });
});

describe('square and channels', () => {
  it('centre-crops or pads keeping aspect', () => {
    const wide = new Float32Array([1, 2, 3, 4, 5, 6]); // 3x2
    expect(Array.from(squareImage(wide, 3, 2, 1, 'crop').pixels)).toEqual([1, 2, 4, 5]); // odd excess: the extra column goes from the right
    const padded = squareImage(wide, 3, 2, 1, 'pad');
    expect(padded.side).toBe(3);
    expect(Array.from(padded.pixels)).toEqual([1, 2, 3, 4, 5, 6, 0, 0, 0]);
  });
  it('converts RGB to luma and grey to RGB', () => {
    expect(convertChannels(new Float32Array([1, 0, 0]), 3, 1)[0]).toBeCloseTo(0.299, 5);
    expect(Array.from(convertChannels(new Float32Array([0.5]), 1, 3))).toEqual([0.5, 0.5, 0.5]);
  });
  it('refuses sizes outside 28..256', () => {
    expect(() => validatePreprocessOptions({ size: 512, channels: 1, fit: 'crop' })).toThrow(/28 to 256/);
    expect(() => validatePreprocessOptions({ size: 27, channels: 1, fit: 'crop' })).toThrow(/28 to 256/);
  });
});
