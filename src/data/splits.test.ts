import { describe, expect, it } from 'vitest';
import { stratifiedSplits } from './splits';

describe('stratified splits', () => {
  it('is 80/10/10 within every class and reproducible from the seed', () => {
    const labels = Uint8Array.from({ length: 1000 }, (_, i) => (i < 700 ? 0 : 1));
    const a = stratifiedSplits(labels, 5);
    expect(stratifiedSplits(labels, 5)).toEqual(a);
    expect(stratifiedSplits(labels, 6)).not.toEqual(a);
    for (const [cls, n] of [[0, 700], [1, 300]] as const) {
      const codes = [...a].filter((_, i) => labels[i] === cls);
      expect(codes.filter((c) => c === 0).length).toBe(n * 0.8);
      expect(codes.filter((c) => c === 1).length).toBe(n * 0.1);
      expect(codes.filter((c) => c === 2).length).toBe(n * 0.1);
    }
  });

  it('rejects nonsense fractions', () => {
    expect(() => stratifiedSplits([0, 1], 1, { train: 0, val: 0, test: 0 })).toThrow(/fractions/);
  });
});
