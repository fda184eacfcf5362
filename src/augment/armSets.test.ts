import { describe, expect, it } from 'vitest';
import { classCounts, subsampleClass, syntheticForMix, syntheticForRare, syntheticOnly, type LabelledImages } from './armSets';

/** One byte per image holding its own index, so picks can be traced. */
function set(labels: number[]): LabelledImages {
  return { pixels: Uint8Array.from(labels, (_, i) => i), labels: Uint8Array.from(labels), count: labels.length };
}
const names = ['a', 'b', 'c'];
const real = set([...new Array(30).fill(0), ...new Array(10).fill(1), ...new Array(20).fill(2)]);
const synthetic = set([...new Array(25).fill(0), ...new Array(25).fill(1), ...new Array(5).fill(2)]);

describe('arm training sets', () => {
  it('ratio: ratio × real count from the whole synthetic set, seeded', () => {
    const p = syntheticForMix(real, synthetic, { kind: 'ratio', ratio: 0.5 }, names, 1);
    expect(p.images.count).toBe(30);
    expect(syntheticForMix(real, synthetic, { kind: 'ratio', ratio: 0.5 }, names, 1).images.pixels).toEqual(p.images.pixels);
    expect(new Set(p.images.pixels).size).toBe(30);
    expect(syntheticForMix(real, synthetic, { kind: 'ratio', ratio: 2 }, names, 1).shortfalls).toEqual(['120 synthetic images were asked for but the set holds 55; all of them were used']);
  });

  it('top-up: one class up to the largest other class', () => {
    const p = syntheticForMix(real, synthetic, { kind: 'top-up', classIndex: 1 }, names, 1);
    expect(classCounts(p.images, 3)).toEqual([0, 20, 0]);
  });

  it('balance: every class up to the largest, saying where the set falls short', () => {
    const p = syntheticForMix(real, synthetic, { kind: 'balance' }, names, 1);
    expect(classCounts(p.images, 3)).toEqual([0, 20, 5]);
    expect(p.shortfalls).toEqual(['10 synthetic “c” images were asked for but the set holds 5; all of them were used']);
  });

  it('rare: the class cut to a fraction, then topped up with as many synthetic images of it as were removed', () => {
    const cut = subsampleClass(real, { classIndex: 0, fraction: 0.1 }, 3);
    expect(classCounts(cut, 3)).toEqual([3, 10, 20]);
    expect(classCounts(syntheticForRare(real, cut, synthetic, { classIndex: 0, fraction: 0.1 }, names, 3).images, 3)).toEqual([25, 0, 0]);
    expect(subsampleClass(real, { classIndex: 0, fraction: 0.1 }, 3).pixels).toEqual(cut.pixels);
    expect(subsampleClass(real, { classIndex: 0, fraction: 0.1 }, 4).pixels).not.toEqual(cut.pixels);
  });

  it('synthetic only: as many as the real training images, or all', () => {
    expect(syntheticOnly(set([0, 1, 0]), synthetic, names, 1).count).toBe(3);
    expect(syntheticOnly(real, synthetic, names, 1).count).toBe(55);
  });
});
