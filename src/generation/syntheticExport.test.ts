import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../testing/wasmBackend';
import { generatePhantoms } from '../data/phantom';
import { openMemoryStore } from '../storage/memoryStore';
import { getDatasetMeta, saveDataset } from '../storage/datasetStore';
import { Trainer } from '../training/trainer';
import { describeExportAudit, exportSynthetic, listExportAudits, type ExportAudit } from './syntheticExport';

const SIZE = 32;

beforeAll(async () => {
  await useWasmBackend();
});

describe('synthetic export', () => {
  it('audits before saving, leaves out only likely copies (below both thresholds), and records the audit for the run card', async () => {
    const store = openMemoryStore();
    const set = generatePhantoms({ modality: 'head-ct', size: SIZE, count: 120, seed: 6 });
    await saveDataset(
      store,
      { id: 'real', name: 'real', source: 'phantom', description: '', width: SIZE, height: SIZE, channels: 1, count: 120, classNames: ['normal', 'lesion'], chunkSize: 64, createdAt: 0 },
      { labels: set.labels, splits: Uint8Array.from({ length: 120 }, (_, i) => (i < 100 ? 0 : 1)) },
      [0, 1].map((c) => ({ pixels: set.images.slice(c * 64 * SIZE * SIZE, Math.min(120, (c + 1) * 64) * SIZE * SIZE) })),
    );
    const trainer = await Trainer.create(
      store,
      'run',
      { name: 'vae', datasetId: 'real', model: { kind: 'vae', width: 4, latentDim: 8, batchSize: 8, seed: 2 }, totalSteps: 1, readbackEvery: 1, sampleEvery: 1, checkpointEvery: 1, keepCheckpoints: 1, samplesPerClass: 1, seed: 1 },
      { emit: () => undefined, replaceBackend: async () => 'cpu', backendName: () => 'cpu' },
    );
    trainer.dispose();

    const { meta, audit } = await exportSynthetic(store, { runId: 'run', checkpoint: 'latest', count: 40, seed: 3, dropFlagged: true }, () => undefined);
    expect(audit.generated).toBe(40);
    expect(audit.likelyCopies).toBeDefined();
    // Only images flagged by both criteria count as copies, and only they are left out.
    expect(audit.likelyCopies!).toBeLessThanOrEqual(Math.min(audit.flaggedBySsim, audit.flaggedByFeatures));
    expect(audit.dropped).toBe(audit.likelyCopies);
    expect(audit.kept).toBe(40 - audit.dropped);
    expect((await getDatasetMeta(store, meta.id)).count).toBe(audit.kept);
    expect(meta.description).toMatch(new RegExp(`${audit.likelyCopies} of 40 likely copies of training images left out`));
    expect(await listExportAudits(store, 'run')).toEqual([audit]);
  });

  it('describes an audit for the run card, likely copies first, and says when an older audit counted either criterion', () => {
    const audit: ExportAudit = { time: 0, step: 900, generated: 500, likelyCopies: 2, flaggedBySsim: 6, flaggedByFeatures: 4, dropped: 2, kept: 498, datasetId: 'd', thresholds: { ssim: 0.15, features: 13 } };
    expect(describeExportAudit(audit)).toBe('step 900: 500 generated, 2 likely copies (0.4 %, below both thresholds; flagged by SSIM 6, by features 4), 2 left out, 498 saved');
    const { likelyCopies: _, ...older } = audit;
    expect(describeExportAudit({ ...older, dropped: 9, kept: 491 })).toBe('step 900: 500 generated, flagged by SSIM 6, by features 4 (older audit: either criterion counted), 9 left out, 491 saved');
  });
});
