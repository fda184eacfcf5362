import { describe, expect, it } from 'vitest';
import { generatePhantoms } from '../data/phantom';
import { meanPairwiseSsim } from './diversity';
import type { ImageStack } from './types';

describe('mean pairwise SSIM (diversity)', () => {
  const set = generatePhantoms({ modality: 'chest-xray', size: 32, count: 40, seed: 5 });
  const diverse: ImageStack = { data: set.images, count: 40, width: 32, height: 32 };
  // Mode collapse: one image repeated.
  const collapsed: ImageStack = { data: new Uint8Array(40 * 1024).map((_, i) => set.images[i % 1024]), count: 40, width: 32, height: 32 };

  it('is 1 for a collapsed set and clearly lower for a diverse one', () => {
    expect(meanPairwiseSsim(collapsed, { pairs: 50 }).meanSsim).toBeCloseTo(1, 12);
    const d = meanPairwiseSsim(diverse, { pairs: 200, seed: 1 });
    expect(d.meanSsim).toBeLessThan(0.9);
    expect(d.pairs).toBe(200);
    expect(d.n).toBe(40);
  });

  it('is seeded, and uses every pair when there are fewer than requested', () => {
    expect(meanPairwiseSsim(diverse, { pairs: 100, seed: 3 })).toEqual(meanPairwiseSsim(diverse, { pairs: 100, seed: 3 }));
    const small: ImageStack = { ...diverse, data: diverse.data.subarray(0, 5 * 1024), count: 5 };
    const all = meanPairwiseSsim(small, { pairs: 1000 });
    expect(all.pairs).toBe(10);
    expect(all.warnings.join(' ')).toMatch(/only 10 pairs/);
  });
});
