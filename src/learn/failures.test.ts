import { describe, expect, it } from 'vitest';
import { COLLAPSE_RATIO, ganFailures, meanPairwiseDistance, meanPairwiseSimilarity, MIN_GAN_STEPS, MIN_STEPS, recentMean, vaeFailures } from './failures';

/** `count` tiles of `size` pixels; tile i is filled by fill(i, p). */
function grid(count: number, size: number, fill: (i: number, p: number) => number): Uint8Array {
  const out = new Uint8Array(count * size);
  for (let i = 0; i < count; i++) for (let p = 0; p < size; p++) out[i * size + p] = fill(i, p);
  return out;
}

const healthy = { lossD: 1.2, lossG: 0.9, dReal: 0.6, dFake: 0.4 };

describe('failure detection', () => {
  it('measures a grid’s diversity: identical tiles 0 distance (similarity 1), black vs white 1', () => {
    expect(meanPairwiseDistance(grid(16, 64, (_i, p) => p), 16, 64)).toBe(0);
    expect(meanPairwiseSimilarity(grid(16, 64, (_i, p) => p), 16, 64)).toBe(1);
    expect(meanPairwiseDistance(grid(2, 64, (i) => (i ? 255 : 0)), 2, 64)).toBeCloseTo(1, 10);
    // Two pairs of equal tiles among four: 4 of 6 pairs differ fully.
    expect(meanPairwiseDistance(grid(4, 8, (i) => (i % 2 ? 255 : 0)), 4, 8)).toBeCloseTo(4 / 6, 10);
    expect(() => meanPairwiseDistance(new Uint8Array(8), 1, 8)).toThrow(/two tiles/);
    expect(() => meanPairwiseDistance(new Uint8Array(8), 2, 8)).toThrow(/pixels/);
  });

  it('averages the last readings', () => {
    expect(recentMean([{ a: 10 }, { a: 1 }, { a: 3 }], 'a', 2)).toBe(2);
    expect(recentMean([], 'a')).toBeNaN();
  });

  it('names a discriminator that wins (lossD near 0, or perfect verdicts), not a balanced game', () => {
    const rows = (r: Record<string, number>) => Array.from({ length: 5 }, () => r);
    const base = { steps: MIN_GAN_STEPS, fakeDistance: 0.2, realDistance: 0.2 };
    expect(ganFailures({ ...base, rows: rows(healthy) })).toEqual([]);
    expect(ganFailures({ ...base, rows: rows({ ...healthy, lossD: 0.02 }) }).map((f) => f.id)).toEqual(['discriminator-wins']);
    expect(ganFailures({ ...base, rows: rows({ ...healthy, lossD: 0.3, dReal: 0.95, dFake: 0.05 }) }).map((f) => f.id)).toEqual(['discriminator-wins']);
    // One lucky reading among healthy ones is not a verdict.
    expect(ganFailures({ ...base, rows: [...rows(healthy), { ...healthy, lossD: 0.01 }] })).toEqual([]);
  });

  it('names mode collapse when the generated grid is far less varied than the real one', () => {
    const real = grid(16, 64, (i, p) => (i * 37 + p * 11) % 256);
    const collapsed = grid(16, 64, (i, p) => (p * 11 + (i % 2)) % 256);
    const varied = grid(16, 64, (i, p) => (i * 41 + p * 13) % 256);
    const distance = (g: Uint8Array) => meanPairwiseDistance(g, 16, 64);
    const realDistance = distance(real);
    expect(distance(collapsed)).toBeLessThan(COLLAPSE_RATIO * realDistance);
    const rows = [healthy];
    expect(ganFailures({ steps: MIN_GAN_STEPS, rows, fakeDistance: distance(collapsed), realDistance }).map((f) => f.id)).toEqual(['mode-collapse']);
    expect(ganFailures({ steps: MIN_GAN_STEPS, rows, fakeDistance: distance(varied), realDistance })).toEqual([]);
    // With D winning too, the collapse is named with its cause.
    const both = ganFailures({ steps: MIN_GAN_STEPS, rows: [{ ...healthy, lossD: 0.001 }], fakeDistance: distance(collapsed), realDistance });
    expect(both.map((f) => f.id)).toEqual(['discriminator-wins', 'mode-collapse']);
    expect(both[1].detail).toMatch(/never learnt/);
    // Before the warm-up an untrained generator is not called collapsed.
    expect(ganFailures({ steps: MIN_GAN_STEPS - 1, rows, fakeDistance: distance(collapsed), realDistance })).toEqual([]);
  });

  it('names divergence at once', () => {
    expect(ganFailures({ steps: 1, rows: [{ ...healthy, lossD: NaN }], fakeDistance: 0, realDistance: 1 }).map((f) => f.id)).toEqual(['diverged']);
    expect(vaeFailures({ steps: 1, rows: [{ loss: Infinity, kl: 1 }], klPerDimension: [] }).map((f) => f.id)).toEqual(['diverged']);
  });

  it('names posterior collapse when the KL is near 0 or one dimension at most is in use', () => {
    const rows = [{ loss: 100, kl: 10 }];
    expect(vaeFailures({ steps: 100, rows, klPerDimension: [2, 1.5, 0.8, 0.3, 0.01] })).toEqual([]);
    expect(vaeFailures({ steps: 100, rows, klPerDimension: [0.05, 0.04, 0.01, 0.02] }).map((f) => f.id)).toEqual(['posterior-collapse']);
    expect(vaeFailures({ steps: 100, rows, klPerDimension: [3, 0.01, 0.01, 0.01] }).map((f) => f.id)).toEqual(['posterior-collapse']);
    expect(vaeFailures({ steps: MIN_STEPS - 1, rows, klPerDimension: [0, 0, 0, 0] })).toEqual([]);
  });
});
