import { beforeAll, describe, expect, it } from 'vitest';
import { generatePhantoms } from '../data/phantom';
import { openMemoryStore } from '../storage/memoryStore';
import { saveDataset } from '../storage/datasetStore';
import { rocAuc, runAugmentExperiment, wilson } from './augmentExperiment';
import { useWasmBackend } from '../testing/wasmBackend';

beforeAll(async () => {
  await useWasmBackend();
});

describe('classifier statistics', () => {
  it('AUC is 1 for a perfect ranking, 0.5 for ties, and counts ties half', () => {
    const labels = Uint8Array.from([0, 0, 1, 1]);
    const perfect = Float32Array.from([0.9, 0.1, 0.8, 0.2, 0.3, 0.7, 0.2, 0.8]);
    expect(rocAuc({ labels, count: 4 }, perfect, 2, 1)).toBe(1);
    const ties = Float32Array.from([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(rocAuc({ labels, count: 4 }, ties, 2, 1)).toBe(0.5);
  });

  it('the Wilson interval matches the textbook value', () => {
    const [lo, hi] = wilson(8, 10);
    expect(lo).toBeCloseTo(0.4902, 3);
    expect(hi).toBeCloseTo(0.9433, 3);
  });
});

describe('augmentation experiment', () => {
  it('trains real-only and real+synthetic classifiers that beat chance on held-out phantoms, with IS and per-class distances', async () => {
    const store = openMemoryStore();
    const real = generatePhantoms({ modality: 'head-ct', size: 32, count: 240, seed: 1 });
    // 160 train, 80 test.
    const splits = Uint8Array.from({ length: 240 }, (_, i) => (i < 160 ? 0 : 2));
    const save = (id: string, images: Uint8Array, labels: Uint8Array, s: Uint8Array, count: number) =>
      saveDataset(store, { id, name: id, source: 'phantom', description: '', width: 32, height: 32, channels: 1, count, classNames: ['normal', 'haemorrhage'], chunkSize: 256, createdAt: 0 }, { labels, splits: s }, [{ pixels: images }]);
    await save('real', real.images, real.labels, splits, 240);
    const extra = generatePhantoms({ modality: 'head-ct', size: 32, count: 100, seed: 2 });
    await save('synthetic', extra.images, extra.labels, new Uint8Array(100), 100);
    const report = await runAugmentExperiment(store, 'a', { realDatasetId: 'real', syntheticDatasetId: 'synthetic', steps: 60, batchSize: 16, seed: 3 }, () => undefined);
    expect(report.trainCounts).toEqual({ real: 160, synthetic: 100 });
    expect(report.realOnly.n).toBe(80);
    expect(report.realOnly.auc).toBeGreaterThan(0.6);
    expect(report.withSynthetic!.auc).toBeGreaterThan(0.6);
    expect(report.realOnly.accuracyCi[0]).toBeLessThan(report.realOnly.accuracy);
    expect(report.inceptionScore!.mean).toBeGreaterThan(1);
    expect(report.inceptionScore!.mean).toBeLessThanOrEqual(2);
    expect(report.perClassFrechet.map((d) => d.className)).toEqual(['normal', 'haemorrhage']);
    expect(report.warnings.some((w) => /Only 80 test images/.test(w))).toBe(true);
  });
});
