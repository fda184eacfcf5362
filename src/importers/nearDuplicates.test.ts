import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ssim } from '../metrics/paired/ssim';
import { openMemoryStore } from '../storage/memoryStore';
import { getDatasetIndex, readImages } from '../storage/datasetStore';
import { hasShared, sharedPath, SHARED_SKIP_MESSAGE } from '../testing/sharedData';
import { plantedNpz } from '../testing/plantedNearDuplicates';
import { standardise } from './nearDuplicates';
import { ImportJobs, type ImportSettings } from './importJob';

const SIZE = 64; // the planted set's size
const settings = (size: number): ImportSettings => ({ name: 't', size, channels: 1, fit: 'crop', labels: { kind: 'folder' }, window: { kind: 'file' }, nifti: {}, seed: 1, fractions: [0.8, 0.1, 0.1] });
const oneSsimDistance = (a: Uint8Array, b: Uint8Array, size: number) =>
  1 - ssim({ data: Float64Array.from(a), width: size, height: size }, { data: Float64Array.from(b), width: size, height: size }, { dataRange: 255 });
const matchedDistance = (a: Uint8Array, b: Uint8Array, size: number) =>
  1 - ssim({ data: standardise(Float64Array.from(a)), width: size, height: size }, { data: standardise(Float64Array.from(b)), width: size, height: size }, { dataRange: 255 });

describe('near-duplicates across splits at import', () => {
  it('flags planted near-copies (noise, re-windowing) with both names and the 1 − SSIM, not the exact copy, and nothing else', async () => {
    const { npz, train, val, per } = plantedNpz();
    const jobs = new ImportJobs(openMemoryStore());
    const staged = await jobs.stage([{ file: new Blob([new Uint8Array(npz)]), name: 'heads.npz', relativePath: 'heads.npz' }], settings(SIZE), () => undefined);
    const pairs = staged.report.nearDuplicates!;
    expect(pairs.map((p) => [p.kept.file, p.heldOut.file]).sort()).toEqual([
      ['heads.npz train_images[17]', 'heads.npz val_images[5]'],
      ['heads.npz train_images[30]', 'heads.npz val_images[9]'],
    ]);
    const noisy = pairs.find((p) => p.heldOut.file.endsWith('[5]'))!;
    const [trainImage, valImage] = [train.images.subarray(17 * per, 18 * per), val.images.subarray(5 * per, 6 * per)];
    expect(noisy.distance).toBeCloseTo(matchedDistance(trainImage, valImage, SIZE), 6);
    // The noisy copy sits near the issue's 0.005 by plain SSIM too.
    expect(oneSsimDistance(trainImage, valImage, SIZE)).toBeLessThan(0.02);
    expect(noisy.distance).toBeGreaterThan(0);
    expect(noisy.distance).toBeLessThan(0.02);
    // The re-windowed copy is far by plain SSIM (brightness and contrast differ) but a copy once they are matched.
    const rewindowed = pairs.find((p) => p.heldOut.file.endsWith('[9]'))!;
    expect(oneSsimDistance(train.images.subarray(30 * per, 31 * per), val.images.subarray(9 * per, 10 * per), SIZE)).toBeGreaterThan(0.05);
    expect(rewindowed.distance).toBeLessThan(0.02);
    // The exact copy is reported once, as an exact duplicate naming both rows.
    expect(staged.report.duplicates.map((d) => d.files)).toEqual([['heads.npz train_images[50]', 'heads.npz test_images[3]']]);
    expect(staged.report.notices.some((n) => /2 images are near-duplicates of an image in another split/.test(n.message))).toBe(true);
    // Both images of each pair travel with the staged import, for the side-by-side view.
    expect(staged.nearDuplicateImages.length).toBe(2 * 2 * per);
    const first = pairs[0];
    expect(staged.nearDuplicateImages.subarray(0, per)).toEqual(await imageOf(first.kept.index));
    async function imageOf(index: number) {
      return index < 200 ? train.images.subarray(index * per, (index + 1) * per) : val.images.subarray((index - 200) * per, (index - 199) * per);
    }
  });

  it('acts on the pairs at save: move the held-out image into training, or drop it', async () => {
    const { npz } = plantedNpz();
    const store = openMemoryStore();
    const jobs = new ImportJobs(store);
    const stage = () => jobs.stage([{ file: new Blob([new Uint8Array(npz)]), name: 'heads.npz', relativePath: 'heads.npz' }], settings(SIZE), () => undefined);
    const moved = await stage();
    const [a, b] = moved.report.nearDuplicates!;
    const meta = await jobs.commit(moved.stagingId, 'moved', [{ heldOut: a.heldOut.index, action: 'move' }, { heldOut: b.heldOut.index, action: 'move' }]);
    const index = await getDatasetIndex(store, meta.id);
    expect(meta.count).toBe(260);
    expect([index.splits[a.heldOut.index], index.splits[b.heldOut.index]]).toEqual([0, 0]);
    expect([...index.splits].filter((s) => s === 1)).toHaveLength(38);

    const dropped = await stage();
    const pairs = dropped.report.nearDuplicates!;
    const gone = pairs.map((p) => p.heldOut.index).sort((x, y) => x - y);
    const before = await Promise.all([gone[0] - 1, gone[0] + 1, 259].map((i) => readImages(store, { ...meta, id: dropped.stagingId, count: 260 }, i, 1)));
    const saved = await jobs.commit(dropped.stagingId, 'dropped', pairs.map((p) => ({ heldOut: p.heldOut.index, action: 'drop' as const })));
    expect(saved.count).toBe(258);
    expect(saved.chunkCount).toBe(Math.ceil(258 / saved.chunkSize));
    // Images after a dropped one move up by one: the neighbours and the last image are intact.
    expect(await readImages(store, saved, gone[0] - 1, 1)).toEqual(before[0]);
    expect(await readImages(store, saved, gone[0], 1)).toEqual(before[1]);
    expect(await readImages(store, saved, 257, 1)).toEqual(before[2]);
    expect((await getDatasetIndex(store, saved.id)).splits.filter((s) => s === 1)).toHaveLength(38);
  });

  it.skipIf(!hasShared)(`finds the near-duplicates across splits of the real PneumoniaMNIST, each confirmed by SSIM (${hasShared ? 'real data' : SHARED_SKIP_MESSAGE})`, async () => {
    const bytes = readFileSync(sharedPath('data', 'pneumoniamnist', 'pneumoniamnist.npz'));
    const jobs = new ImportJobs(openMemoryStore());
    const staged = await jobs.stage([{ file: new Blob([new Uint8Array(bytes)]), name: 'pneumoniamnist.npz', relativePath: 'pneumoniamnist.npz' }], settings(28), () => undefined);
    const check = staged.report.nearDuplicateCheck!;
    const pairs = staged.report.nearDuplicates!;
    const exactAcross = staged.report.duplicates.filter((d) => d.crossesSplits).length;
    console.info(`PneumoniaMNIST: ${check.images} images, ${exactAcross} exact copies across splits (reported as duplicates), ${check.candidates} candidate pairs checked by SSIM, ${pairs.length} near-duplicate pairs across splits, ${check.ms} ms; closest: ${pairs.slice(0, 5).map((p) => `${p.kept.file} ~ ${p.heldOut.file} (${p.distance.toFixed(4)})`).join('; ')}`);
    expect(check.images).toBe(5856);
    // The SSIM check is bounded by the prefilter: far fewer pairs than all 4708 × 1148 cross-split pairs.
    expect(check.candidates).toBeLessThan(5856 * 4);
    for (const p of pairs) {
      expect(p.kept.split).not.toBe(p.heldOut.split);
      expect(p.distance).toBeLessThanOrEqual(0.02);
      expect(p.heldOut.file).toMatch(/^pneumoniamnist\.npz (val|test)_images\[\d+\]$/);
    }
  }, 300_000);
});
