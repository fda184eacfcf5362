import { describe, expect, it } from 'vitest';
import { generatePhantoms } from '../data/phantom';
import { chooseBest, COLLAPSE_MIN_STEPS, gridDiversity, qualityFeatures, qualityKid, QUALITY_SAMPLES, type TileSet } from './quality';
import type { CheckpointRef } from './runTypes';

function phantoms(count: number, seed: number, size: 32 | 64 = 32): TileSet {
  const set = generatePhantoms({ modality: 'head-ct', size, count, seed });
  return { pixels: set.images, labels: Int32Array.from(set.labels), side: size, channels: 1 };
}

/** A "generator whose output ignores z": every tile of a class is the same image, with a faint per-tile noise. */
function collapsed(real: TileSet): TileSet {
  const px = real.side * real.side;
  const pixels = new Uint8Array(real.pixels.length);
  const first = new Map<number, number>();
  for (let i = 0; i < real.labels.length; i++) {
    const c = real.labels[i];
    if (!first.has(c)) first.set(c, i);
    const src = first.get(c)!;
    for (let p = 0; p < px; p++) pixels[i * px + p] = Math.min(255, real.pixels[src * px + p] + ((i * 7 + p) % 3));
  }
  return { ...real, pixels };
}

const ref = (step: number, score: number, kid?: number): CheckpointRef => ({
  step,
  key: `run/r/ckpt/${step}`,
  sha256: 'x',
  bytes: 1,
  score,
  ...(kid === undefined ? {} : { quality: { metric: 'kid', value: kid, n: 200, ms: 1 } }),
});

describe('grid diversity (mode collapse)', () => {
  const real = phantoms(16, 1);
  const otherReal = phantoms(16, 2);

  it('flags a grid whose output ignores the noise', () => {
    const d = gridDiversity(collapsed(otherReal), real, 400);
    expect(d.fakeSsim).toBeGreaterThan(0.9);
    expect(d.collapsed).toBe(true);
  });

  it('does not flag varied images (other real images)', () => {
    const d = gridDiversity(otherReal, real, 400);
    expect(d.fakeSsim).toBeLessThan(0.9);
    expect(d.collapsed).toBe(false);
  });

  it('waits for a warm-up: an untrained generator is not called collapsed', () => {
    expect(gridDiversity(collapsed(otherReal), real, COLLAPSE_MIN_STEPS - 1).collapsed).toBe(false);
  });
});

describe('checkpoint quality (KID on radiomics features)', () => {
  it('ranks real images above a collapsed set and measures its cost', () => {
    const heldOut = phantoms(QUALITY_SAMPLES, 3, 64);
    const t0 = performance.now();
    const realFeatures = qualityFeatures(heldOut);
    const t1 = performance.now();
    const good = qualityKid(realFeatures, qualityFeatures(phantoms(QUALITY_SAMPLES, 4, 64)));
    const t2 = performance.now();
    const bad = qualityKid(realFeatures, qualityFeatures(collapsed(phantoms(QUALITY_SAMPLES, 4, 64))));
    console.log(`quality: ${QUALITY_SAMPLES} real features ${(t1 - t0).toFixed(0)} ms; fake features + KID ${(t2 - t1).toFixed(0)} ms (64 px input, 32 px features)`);
    expect(good).toBeLessThan(bad);
    expect(bad).toBeGreaterThan(0);
  });
});

describe('checkpoint quality is not decided by one near-constant feature', () => {
  it('keeps KID finite and ranks by the bulk of the features', () => {
    // 40 images × 31 features: 30 vary among real images; the last is constant up to 1e-9.
    const make = (shift: number, last: number, seed: number) => {
      const data = new Float64Array(40 * 31);
      for (let i = 0; i < 40; i++) {
        for (let c = 0; c < 30; c++) data[i * 31 + c] = Math.sin(i * (1.3 + c * 0.37) + seed + c) + shift;
        data[i * 31 + 30] = last + 1e-9 * Math.sin(i);
      }
      return { data, rows: 40, cols: 31 };
    };
    const real = make(0, 1, 0);
    // Close on the varied features, off by 0.01 on the constant one (1e7 real SDs) …
    const close = qualityKid(real, make(0.05, 1.01, 1));
    // … against far off on the varied ones and exact on the constant one.
    const far = qualityKid(real, make(3, 1, 1));
    expect(close).toBeLessThan(far);
    expect(close).toBeLessThan(1e6);
  });
});

describe('the best checkpoint', () => {
  it('follows the quality measure, not the loss', () => {
    // Planted: the lowest loss (step 300) has the worst KID; step 200 has the best KID.
    const best = chooseBest([ref(100, 0.9, 0.5), ref(200, 0.7, 0.05), ref(300, 0.1, 0.8)]);
    expect(best?.step).toBe(200);
  });

  it('prefers a measured checkpoint over one stored without quality', () => {
    expect(chooseBest([ref(100, 0.01), ref(200, 5, 0.3)])?.step).toBe(200);
  });

  it('falls back to the smoothed loss for runs stored before quality was measured', () => {
    expect(chooseBest([ref(100, 0.9), ref(200, 0.4), null])?.step).toBe(200);
    expect(chooseBest([ref(100, NaN)])).toBeNull();
  });
});
