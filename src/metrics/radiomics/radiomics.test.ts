import { describe, expect, it } from 'vitest';
import { generatePhantoms } from '../../data/phantom';
import { haar, LaplacianOfGaussian } from './filters';
import { radiomicsFeatureNames, radiomicsFeatures } from './features';
import { frechetRadiomicsDistance } from './frd';
import { GldmCalculator } from './gldm';
import { GlrlmCalculator } from './glrlm';
import { GlszmCalculator } from './glszm';
import { NgtdmCalculator } from './ngtdm';
import { FirstOrderCalculator } from './firstOrder';

// 4x4 image with levels 0..2 (pyradiomics levels 1..3):
// 0 0 1 1
// 0 0 1 1
// 2 2 2 2
// 2 0 0 2
const TINY = Uint8Array.of(0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 2, 2, 2, 0, 0, 2);

describe('texture matrices on a hand-counted image', () => {
  it('GLSZM: 8-connected zones', () => {
    // Zones: {0 block of 4}, {1 block of 4}, {2: row 2 + both corners = 6}, {0 pair bottom, 8-connected to
    // the 0 block? (3,1) touches (2,0..2) = 2s only, not (1,1)} → separate zone of 2. Nz = 4.
    const f = new GlszmCalculator(4, 4, 3).compute(TINY);
    expect(f.total).toBe(4);
    expect(f.zonePercentage).toBe(4 / 16);
    // Sizes 4, 4, 6, 2: SAE = mean(1/s²).
    expect(f.smallEmphasis).toBeCloseTo((1 / 16 + 1 / 16 + 1 / 36 + 1 / 4) / 4, 14);
    expect(f.largeEmphasis).toBeCloseTo((16 + 16 + 36 + 4) / 4, 14);
    // Levels (1-based) 1, 2, 3, 1 → grey-level non-uniformity normalised = (2² + 1² + 1²) / 4².
    expect(f.greyLevelNonUniformityNormalized).toBeCloseTo(6 / 16, 14);
  });

  it('GLRLM: horizontal and vertical runs', () => {
    const f = new GlrlmCalculator(4, 4, 3).compute(TINY);
    // Runs per direction: 0°: 2,2 | 2,2 | 4 | 1,2,1 → 8 runs; 90°: 2,1(=col0: 0,0,2,2 → 2,2), ...
    // Rather than hand-average all 4 directions, check run percentage bounds and the 0° count via a
    // single-row image below.
    expect(f.runPercentage).toBeGreaterThan(0);
    const row = new GlrlmCalculator(4, 1, 2).compute(Uint8Array.of(0, 0, 1, 0));
    // 0° runs: 2,1,1 (3 runs); 45°/90°/135° on one row: 4 runs of length 1. Mean RP = (3/4 + 3 * 1)/4.
    expect(row.runPercentage).toBeCloseTo((3 / 4 + 3) / 4, 14);
    // Long run emphasis: 0° (4+1+1)/3 = 2; others 1 → mean 1.25.
    expect(row.largeEmphasis).toBeCloseTo(1.25, 14);
  });

  it('GLDM: dependence = 1 + equal 8-neighbours', () => {
    const flat = new GldmCalculator(3, 3, 2).compute(new Uint8Array(9));
    // Corner pixels have 3 neighbours, edges 5, centre 8 → dependences 4 (x4), 6 (x4), 9 (x1).
    expect(flat.largeEmphasis).toBeCloseTo((4 * 16 + 4 * 36 + 81) / 9, 14);
    expect(flat.total).toBe(9);
  });

  it('NGTDM: flat image is maximally coarse; checkerboard is busy', () => {
    const flat = new NgtdmCalculator(4, 4, 2).compute(new Uint8Array(16));
    expect(flat.coarseness).toBe(1e6);
    expect(flat.contrast).toBe(0);
    const checker = new NgtdmCalculator(4, 4, 2).compute(Uint8Array.from({ length: 16 }, (_, i) => ((i >> 2) + i) & 1));
    expect(checker.coarseness).toBeLessThan(10);
    expect(checker.busyness).toBeGreaterThan(0);
  });

  it('first order: numpy-style percentiles and moments', () => {
    const values = Float64Array.from({ length: 11 }, (_, i) => i); // 0..10
    const q = new Uint8Array(11).map((_, i) => (i < 5 ? 0 : 1));
    const f = new FirstOrderCalculator(11, 2).compute(values, q);
    expect(f.percentile10).toBeCloseTo(1, 14);
    expect(f.median).toBe(5);
    expect(f.interquartileRange).toBeCloseTo(5, 14);
    expect(f.mean).toBe(5);
    expect(f.skewness).toBeCloseTo(0, 14);
    expect(f.standardDeviation).toBeCloseTo(Math.sqrt(10), 14);
    expect(f.entropy).toBeCloseTo(-(5 / 11) * Math.log2(5 / 11) - (6 / 11) * Math.log2(6 / 11), 12);
  });
});

describe('filters', () => {
  it('LoG is zero on flat and linear images and negative at a bright spot', () => {
    const log = new LaplacianOfGaussian(1, 16, 16);
    const out = new Float64Array(256);
    log.apply(new Float64Array(256).fill(0.7), out);
    expect(Math.max(...out.map(Math.abs))).toBeLessThan(1e-12);
    const spot = new Float64Array(256);
    spot[8 * 16 + 8] = 1;
    log.apply(spot, out);
    expect(out[8 * 16 + 8]).toBeLessThan(0);
  });

  it('Haar is orthonormal: energy is preserved', () => {
    const img = Float64Array.from({ length: 64 }, (_, i) => Math.sin(i) + 1);
    const b = haar(img, 8, 8);
    const energy = (a: Float64Array) => a.reduce((s, v) => s + v * v, 0);
    expect(energy(b.LL) + energy(b.LH) + energy(b.HL) + energy(b.HH)).toBeCloseTo(energy(img), 12);
  });
});

describe('radiomics feature vector and FRD', () => {
  const a = generatePhantoms({ modality: 'head-ct', size: 32, count: 120, seed: 1 });
  const b = generatePhantoms({ modality: 'head-ct', size: 32, count: 120, seed: 2 });
  const c = generatePhantoms({ modality: 'chest-xray', size: 32, count: 120, seed: 3 });
  const fa = radiomicsFeatures(a.images, 32);
  const fb = radiomicsFeatures(b.images, 32);
  const fc = radiomicsFeatures(c.images, 32);

  it('has named, finite columns: 7 views x 55 features, less the always-zero LoG means', () => {
    expect(fa.names).toEqual(radiomicsFeatureNames());
    expect(fa.features.cols).toBe(7 * 55 - 2);
    expect(fa.names.filter((n) => n.startsWith('log-') && n.endsWith('_firstorder_mean'))).toEqual([]);
    expect(fa.names).toContain('log-sigma-2_firstorder_standardDeviation');
    expect(fa.features.rows).toBe(120);
    expect(new Set(fa.names).size).toBe(fa.names.length);
    expect(fa.features.data.every(Number.isFinite)).toBe(true);
    expect(fa.names).toContain('wavelet-HH_glszm_zonePercentage');
  });

  it('byte and float input give the same features', () => {
    // Float64 so the raw values are bit-identical; texture levels must then agree exactly despite
    // v·31.875 landing a hair below bin edges (robust MAD's tie handling would flip on float32 noise).
    const floats = Float64Array.from(a.images.subarray(0, 5 * 1024), (v) => v / 255);
    const fromFloat = radiomicsFeatures(floats, 32);
    const fromBytes = radiomicsFeatures(a.images.subarray(0, 5 * 1024), 32);
    for (let i = 0; i < fromBytes.features.data.length; i++) {
      expect(fromFloat.features.data[i]).toBe(fromBytes.features.data[i]);
    }
  });

  it('FRD is 0 against itself, small within a modality, large across modalities', () => {
    // 120 samples in ~380 dims: ~260 null eigenvalues of S·S whose float64 noise (~1e-12) turns into
    // ~1e-6 each under the square root. Relative to tr(2S) = 2·dims that is < 1e-6.
    const self = frechetRadiomicsDistance(fa.features, fa.features);
    expect(Math.abs(self.value)).toBeLessThan(1e-6 * 2 * self.dims);
    expect(self.rank.real).toBe(119);
    const same = frechetRadiomicsDistance(fa.features, fb.features, fa.names).value;
    const other = frechetRadiomicsDistance(fa.features, fc.features, fa.names).value;
    expect(same).toBeGreaterThan(0);
    expect(other).toBeGreaterThan(5 * same);
  });
});
