import { describe, expect, it } from 'vitest';
import { hasShared, readSharedJson } from '../../testing/sharedData';
import { GLCM_OFFSETS, graycomatrix, graycoprops } from './glcm';
import { quantiseFixed } from './quantise';

interface GlcmGolden {
  cases: { image: number[]; contrast: number[]; dissimilarity: number[]; homogeneity: number[]; energy: number[]; correlation: number[]; ASM: number[] }[];
}
const PROPS = ['contrast', 'dissimilarity', 'homogeneity', 'energy', 'correlation', 'ASM'] as const;

describe.skipIf(!hasShared)('GLCM vs scikit-image graycomatrix/graycoprops', () => {
  const golden = hasShared ? readSharedJson<GlcmGolden>('golden', 'glcm.json') : { cases: [] };
  golden.cases.forEach((c, index) => {
    it(`case ${index}`, () => {
      const levels = quantiseFixed(Uint8Array.from(c.image), 0, 256, 32);
      GLCM_OFFSETS.forEach((offset, angle) => {
        const props = graycoprops(graycomatrix(levels, 28, 28, 32, offset), 32);
        // Sums of at most 1458 exact counts divided once: float64 on both sides, so 1e-12
        // absolute is far tighter than float32 round-off and still allows summation order.
        for (const key of PROPS) expect(props[key], `${key} angle ${angle}`).toBeCloseTo(c[key][angle], 12);
      });
    });
  });
});

describe('GLCM hand-checked cases', () => {
  it('stripes: horizontal pairs always differ, vertical pairs never do', () => {
    // Columns alternate 0,1: horizontal neighbours always differ, vertical ones never do.
    const img = Uint8Array.from({ length: 16 }, (_, i) => i % 2);
    const horizontal = graycoprops(graycomatrix(img, 4, 4, 2, GLCM_OFFSETS[0]), 2);
    const vertical = graycoprops(graycomatrix(img, 4, 4, 2, GLCM_OFFSETS[2]), 2);
    expect(horizontal.contrast).toBe(1);
    expect(horizontal.correlation).toBeCloseTo(-1, 12);
    expect(vertical.contrast).toBe(0);
    expect(vertical.homogeneity).toBe(1);
    expect(vertical.correlation).toBeCloseTo(1, 12);
  });

  it('a flat image has correlation 1 and energy 1', () => {
    const props = graycoprops(graycomatrix(new Uint8Array(25), 5, 5, 8, GLCM_OFFSETS[1]), 8);
    expect(props.correlation).toBe(1);
    expect(props.energy).toBe(1);
    expect(props.jointEntropy).toBeCloseTo(0, 12);
  });
});
