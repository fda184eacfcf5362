import { describe, expect, it } from 'vitest';
import { generatePhantoms } from '../../src/data/phantom';
import { compareSets, type CompareOptions } from './compareSets';
import { metricsText } from './metricsText';
import type { ImageSet } from './imageSets';

function set(count: number, seed: number, source: string): ImageSet {
  const p = generatePhantoms({ modality: 'head-ct', size: 32, count, seed });
  return {
    kind: 'images',
    source,
    stack: { data: p.images, count, width: 32, height: 32 },
    labels: null,
    classNames: null,
    names: Array.from({ length: count }, (_, i) => `${source}/img${i}.png`),
    skipped: [],
  };
}

const OPTIONS: CompareOptions = { features: 'radiomics', realLimit: Infinity, k: 5, kid: { subsets: 10, subsetSize: 1000 }, seed: 0, paired: true };

describe('npm run metrics --paired', () => {
  it('works on 5 pairs: paired figures per pair, named by file; distribution metrics that need more samples say why they are not available', () => {
    const { comparison } = compareSets(set(5, 1, 'real'), set(5, 2, 'fake'), null, OPTIONS);
    const p = comparison.paired!;
    expect(p.pairs).toBe(5);
    expect(p.rows.map((r) => [r.real, r.fake])).toEqual(Array.from({ length: 5 }, (_, i) => [`real/img${i}.png`, `fake/img${i}.png`]));
    expect(p.rows.every((r) => r.ssim > -1 && r.ssim < 1 && typeof r.psnr === 'number')).toBe(true);
    expect(comparison.distribution).toBeNull();
    expect(comparison.distributionUnavailable).toMatch(/PRDC with k=5 needs more than 5/);
    const text = metricsText(comparison, { real: 'real', fake: 'fake' });
    expect(text).toMatch(/distribution metrics not available: PRDC with k=5/);
    expect(text).toMatch(/paired \(5\)/);
  });

  it('reports an identical pair as infinite PSNR, and the mean PSNR over the finite pairs with their count', () => {
    const real = set(6, 1, 'real');
    const fake = set(6, 2, 'fake');
    fake.stack.data.set(real.stack.data.subarray(0, 2 * 32 * 32)); // pairs 0 and 1 identical
    const { comparison } = compareSets(real, fake, null, { ...OPTIONS, k: 3 });
    const p = comparison.paired!;
    expect(p.rows[0].psnr).toBe('infinite');
    expect(p.rows[1].psnr).toBe('infinite');
    expect(p.identicalPairs).toBe(2);
    expect(p.psnrFinitePairs).toBe(4);
    const finite = p.rows.slice(2).map((r) => r.psnr as number);
    expect(p.psnr).toBeCloseTo(finite.reduce((a, b) => a + b, 0) / 4, 10);
    expect(JSON.parse(JSON.stringify(p)).rows[0].psnr).toBe('infinite');
    expect(metricsText(comparison, { real: 'real', fake: 'fake' })).toMatch(/PSNR \S+ dB over 4 differing pairs; 2 identical pairs \(infinite PSNR\)/);
  });
});
