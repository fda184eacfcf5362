import { describe, expect, it } from 'vitest';
import { hasShared, readSharedJson } from '../../testing/sharedData';
import { GLCM_OFFSETS, GlcmAngleMean, graycomatrix, graycoprops } from './glcm';
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

describe('GLCM angle mean of the radiomics vector', () => {
  it('equals the mean over angles of graycomatrix + graycoprops (which the golden cases pin down)', () => {
    // Odd, non-square sizes and a level range with gaps exercise the borders and the zero cells.
    for (const [width, height, levels, seed] of [[7, 5, 4, 1], [16, 16, 32, 2], [9, 12, 8, 3]] as const) {
      let state = seed;
      const image = Uint8Array.from({ length: width * height }, () => {
        state = (state * 1103515245 + 12345) % 2147483648;
        return (state >> 16) % levels === 1 ? 0 : (state >> 16) % levels;
      });
      const fast = new GlcmAngleMean(width, height, levels).compute(image);
      for (const key of Object.keys(fast) as (keyof typeof fast)[]) {
        let reference = 0;
        for (const offset of GLCM_OFFSETS) reference += graycoprops(graycomatrix(image, width, height, levels, offset), levels)[key] / GLCM_OFFSETS.length;
        // Same sums in another order: float64 round-off only.
        expect(Math.abs(fast[key] - reference), `${key} ${width}x${height}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(reference)));
      }
    }
  });
});
