import { beforeAll, describe, expect, it } from 'vitest';
import { generatePhantoms } from '../data/phantom';
import { openMemoryStore } from '../storage/memoryStore';
import { saveDataset, type DatasetProvenance } from '../storage/datasetStore';
import type { KeyValueStore } from '../storage/keyValueStore';
import { useWasmBackend } from '../testing/wasmBackend';
import { runExperiment, type AugmentRequest } from './augmentExperiment';
import { readExperimentInput } from './experimentInput';
import { DEFAULT_BUDGET } from './trainArm';

beforeAll(async () => {
  await useWasmBackend();
});

const SIZE = 64;
const CLASSES = ['normal', 'haemorrhage'];

async function phantomStore(): Promise<KeyValueStore> {
  const store = openMemoryStore();
  const real = generatePhantoms({ modality: 'head-ct', size: SIZE, count: 400, seed: 1 });
  // 320 train, 40 validation, 40 test.
  const splits = Uint8Array.from({ length: 400 }, (_, i) => (i < 320 ? 0 : i < 360 ? 1 : 2));
  const meta = (id: string, count: number, provenance?: DatasetProvenance) => ({ id, name: id, source: 'phantom' as const, description: '', width: SIZE, height: SIZE, channels: 1 as const, count, classNames: CLASSES, chunkSize: 400, createdAt: 0, provenance });
  await saveDataset(store, meta('real', 400), { labels: real.labels, splits }, [{ pixels: real.images }]);
  // A "generator" that draws from the same distribution: fresh phantoms, marked synthetic from "real".
  const extra = generatePhantoms({ modality: 'head-ct', size: SIZE, count: 320, seed: 2 });
  const provenance: DatasetProvenance = { synthetic: true, runId: 'r', runName: 'perfect', modelKind: 'dcgan', checkpoint: 'latest', step: 1, seed: 1, generatedPerClass: [160, 160], realDatasetId: 'real', auditTime: 0 };
  await saveDataset(store, meta('synthetic', 320, provenance), { labels: extra.labels, splits: new Uint8Array(320) }, [{ pixels: extra.images }]);
  return store;
}

const budget = { ...DEFAULT_BUDGET, maxEpochs: 8, patience: 3, batchSize: 16 };

describe('augmentation experiment', () => {
  it('refuses a mix that adds no synthetic image (balancing classes that are already balanced), before training', async () => {
    const store = await phantomStore();
    const request: AugmentRequest = { realDatasetId: 'real', syntheticDatasetId: 'synthetic', mix: { kind: 'balance' }, rare: null, seeds: 3, budget };
    const input = await readExperimentInput(store, request);
    let trained = false;
    await expect(runExperiment('z', input, request, { onProgress: () => (trained = true) })).rejects.toThrow(
      'The real training classes of “real” are already balanced (normal 160, haemorrhage 160), so balancing adds no synthetic image; B would equal A. Choose a ratio of synthetic to real images instead',
    );
    await expect(runExperiment('z', input, { ...request, mix: { kind: 'top-up', classIndex: 0 } }, { onProgress: () => undefined })).rejects.toThrow(/^“normal” already has as many real training images as the largest other class/);
    expect(trained).toBe(false);
  });

  it('never hands a test image to training', async () => {
    const store = await phantomStore();
    const input = await readExperimentInput(store, { realDatasetId: 'real', syntheticDatasetId: 'synthetic', mix: { kind: 'balance' }, rare: null, seeds: 3, budget });
    const per = SIZE * SIZE;
    const key = (p: Uint8Array, i: number) => p.subarray(i * per, (i + 1) * per).join(',');
    const seen = new Set<string>();
    for (let i = 0; i < input.train.count; i++) seen.add(key(input.train.pixels, i));
    for (let i = 0; i < input.validation.count; i++) seen.add(key(input.validation.pixels, i));
    expect(input.test.count).toBe(40);
    for (let i = 0; i < input.test.count; i++) expect(seen.has(key(input.test.pixels, i))).toBe(false);
  });

  it('runs A, B and C over 3 seeds on phantoms: A well above chance, paired intervals, a verdict from them', async () => {
    const store = await phantomStore();
    const request: AugmentRequest = { realDatasetId: 'real', syntheticDatasetId: 'synthetic', mix: { kind: 'ratio', ratio: 0.5 }, rare: null, seeds: 3, budget };
    const progress: number[] = [];
    const report = await runExperiment('x', await readExperimentInput(store, request), request, { onProgress: (p) => progress.push(p.done / p.total) });
    expect(report.arms.map((a) => a.id)).toEqual(['A', 'B', 'C']);
    expect(report.arms[0].trainCounts.real).toEqual([160, 160]);
    expect(report.arms[1].trainCounts.synthetic.reduce((a, b) => a + b)).toBe(160);
    expect(report.arms[2].trainCounts.real).toEqual([0, 0]);
    for (const arm of report.arms) expect(arm.seeds.map((s) => s.seed)).toEqual([1, 2, 3]);
    expect(report.arms[0].summary.balancedAccuracy.mean).toBeGreaterThan(0.8);
    expect(report.arms[0].confusion.flat().reduce((a, b) => a + b)).toBe(40);
    const ba = report.comparisons.find((c) => c.label === 'B − A' && c.metric === 'balancedAccuracy')!;
    expect(ba.interval.method).toBe('t over seeds');
    expect(ba.perSeed).toHaveLength(3);
    expect(ba.interval.low).toBeLessThanOrEqual(ba.interval.mean);
    expect(report.verdict.headline).toMatch(/^(Adding synthetic images helped|Adding synthetic images hurt|No evidence that adding synthetic images helps): balanced accuracy B − A = [+−]\d+\.\d points, 95 % CI [+−]\d+\.\d to [+−]\d+\.\d over 3 seeds\.$/);
    expect(report.verdict.details.join(' ')).toMatch(/Classification Accuracy Score/);
    expect(report.warnings.filter((w) => /Only 40 real test images/.test(w.text))).toHaveLength(1);
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1])).toBe(true);
  }, 600_000);

  it('rare-class mode reports the rare class sensitivity for A full, A rare and B rare + synthetic; one seed uses the bootstrap', async () => {
    const store = await phantomStore();
    const request: AugmentRequest = { realDatasetId: 'real', syntheticDatasetId: 'synthetic', mix: { kind: 'balance' }, rare: { classIndex: 1, fraction: 0.1 }, seeds: 1, budget: { ...budget, maxEpochs: 4 } };
    const report = await runExperiment('y', await readExperimentInput(store, request), request, { onProgress: () => undefined });
    expect(report.arms.map((a) => a.id)).toEqual(['A', 'A-rare', 'B-rare']);
    expect(report.arms[1].trainCounts.real).toEqual([160, 16]);
    expect(report.arms[2].trainCounts).toEqual({ real: [160, 16], synthetic: [0, 144] });
    const lift = report.comparisons.find((c) => c.from === 'A-rare' && c.to === 'B-rare' && c.metric === 'sensitivity')!;
    expect(lift.interval.method).toBe('bootstrap over test images');
    expect(report.verdict.headline).toMatch(/sensitivity for “haemorrhage” B \(rare\) − A \(rare\) = [+−]\d+\.\d points/);
    expect(report.verdict.details.join(' ')).toMatch(/With 10 % of its real training images, sensitivity for “haemorrhage” goes from \d+\.\d % \(A, full\) to \d+\.\d % \(A, rare\); topped up with synthetic “haemorrhage” images it is \d+\.\d % \(B, rare \+ synthetic\)\./);
    expect(report.warnings.some((w) => w.group === 'Statistics' && /One seed/.test(w.text))).toBe(true);
  }, 600_000);
});
