import { describe, expect, it } from 'vitest';
import { generatePhantoms } from '../../src/data/phantom';
import { compareSets, KID_SPREAD_NOTE, type CompareOptions } from './compareSets';
import { pick, subsetOf, type ImageSet } from './imageSets';

/** Phantoms sorted by class, as a converted npz is within each split. */
function phantomSet(count: number, seed: number, source: string, classNames = ['normal', 'haemorrhage']): ImageSet {
  const set = generatePhantoms({ modality: 'head-ct', size: 32, count, seed });
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => set.labels[a] - set.labels[b] || a - b);
  const names = ['normal', 'haemorrhage'];
  const all: ImageSet = {
    kind: 'images',
    source,
    stack: { data: set.images, count, width: 32, height: 32 },
    labels: Int32Array.from(set.labels, (l) => classNames.indexOf(names[l])),
    classNames,
    names: Array.from({ length: count }, (_, i) => `${source}[${i}]`),
    skipped: [],
  };
  return pick(all, Int32Array.from(order));
}

const OPTIONS: CompareOptions = { features: 'radiomics', realLimit: Infinity, k: 3, kid: { subsets: 10, subsetSize: 1000 }, seed: 0, paired: false };

describe('seeded subsets (--limit)', () => {
  it('draws from the whole set, not its first N, and the same seed draws the same images', () => {
    const sorted = phantomSet(100, 1, 'real');
    const firstN = [...sorted.labels!.slice(0, 30)];
    expect(new Set(firstN).size).toBe(1); // the old --limit: one class only
    const a = subsetOf(sorted, 30, 7);
    expect(a.stack.count).toBe(30);
    expect(new Set(a.labels).size).toBe(2);
    expect(subsetOf(sorted, 30, 7).names).toEqual(a.names);
    expect(subsetOf(sorted, 30, 8).names).not.toEqual(a.names);
  });
});

describe('compareSets', () => {
  it('puts a real-vs-real floor beside every distance: the compared real images against as many other real images as there are fakes', () => {
    const { comparison } = compareSets(phantomSet(160, 1, 'real'), phantomSet(40, 2, 'fake'), null, { ...OPTIONS, realLimit: 60 });
    expect(comparison.n).toEqual({ real: 60, fake: 40 });
    expect(comparison.floor!.n).toEqual({ real: 60, fake: 40 });
    expect(comparison.floor!.distribution.frechet.value).toBeGreaterThan(0);
    expect(comparison.notes.join('\n')).not.toMatch(/floor compares/);
    expect(comparison.distribution!.kid.note).toBe(KID_SPREAD_NOTE);
    expect(KID_SPREAD_NOTE).toMatch(/not sampling noise/);
  });

  it('scales the floor down in the same proportions when the real set is too small, and says so', () => {
    // 160 real images cannot give 160 + 40 disjoint ones: 128 vs 32 keeps the 4 : 1 of the comparison.
    const { comparison } = compareSets(phantomSet(160, 1, 'real'), phantomSet(40, 2, 'fake'), null, OPTIONS);
    expect(comparison.n).toEqual({ real: 160, fake: 40 });
    expect(comparison.floor!.n).toEqual({ real: 128, fake: 32 });
    expect(comparison.notes.join('\n')).toMatch(/the real-vs-real floor compares 128 vs 32 real images, not 160 vs 40/);
  });

  it('gives per-class figures matched by class name, each with its own floor', () => {
    const fake = phantomSet(60, 2, 'fake', ['haemorrhage', 'normal']);
    const { comparison } = compareSets(phantomSet(160, 1, 'real'), fake, null, OPTIONS);
    expect(comparison.perClass!.map((c) => [c.className, c.n])).toEqual([
      ['normal', { real: 80, fake: 30 }],
      ['haemorrhage', { real: 80, fake: 30 }],
    ]);
    for (const c of comparison.perClass!) {
      expect(c.distribution!.frechet.value).toBeGreaterThan(0);
      // 80 real images of the class for an 80 vs 30 comparison: 58 vs 21 in the same proportions.
      expect(c.floor!.n).toEqual({ real: 58, fake: 21 });
    }
  });

  it('runs the memorisation audit against held-out images and names a copied image and its source', () => {
    const real = phantomSet(120, 1, 'train_images');
    const heldout = phantomSet(60, 3, 'val_images');
    const fake = phantomSet(40, 2, 'fake');
    // Fake image 5 is an exact copy of training image 17.
    const px = 32 * 32;
    (fake.stack.data as Uint8Array).set(real.stack.data.subarray(17 * px, 18 * px), 5 * px);
    const { comparison } = compareSets(real, fake, heldout, OPTIONS);
    const audit = comparison.memorization!;
    expect(audit.n).toEqual({ train: 120, validation: 60, synthetic: 40 });
    expect(audit.likelyCopies[0]).toMatchObject({ fake: fake.names[5], real: real.names[17], ssimDistance: 0 });
    expect(audit.flagged.likelyCopies).toBeGreaterThanOrEqual(1);
  });

  it('says why the audit is missing without held-out images', () => {
    const { comparison } = compareSets(phantomSet(60, 1, 'real'), phantomSet(40, 2, 'fake'), null, OPTIONS);
    expect(comparison.memorization).toBeNull();
    expect(comparison.notes.join('\n')).toMatch(/no memorisation audit: it needs held-out real images/);
  });
});
