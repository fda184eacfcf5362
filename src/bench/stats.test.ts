import { describe, expect, it } from 'vitest';
import { imagesPerSecond, median, stepStats } from './stats';

describe('bench stats', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no values/);
  });

  it('summarises step times and has no statistics for no steps', () => {
    expect(stepStats([10, 30, 20, 40])).toEqual({ count: 4, medianMs: 25, minMs: 10, maxMs: 40, meanMs: 25 });
    expect(stepStats([])).toBeNull();
  });

  it('counts slow steps in images/s (bimodal WGAN-GP steps)', () => {
    // 4 critic steps of 100 ms and one G step of 600 ms: 5 steps · 16 images in 1 s.
    expect(imagesPerSecond(16, [100, 100, 100, 100, 600])).toBeCloseTo(80, 10);
    expect(imagesPerSecond(16, [])).toBeNull();
  });
});
