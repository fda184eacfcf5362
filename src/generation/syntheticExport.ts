/**
 * Saving synthetic images as a dataset, with the memorisation audit run first: by default every
 * likely copy of a training image (below both the SSIM and the radiomics threshold, see
 * src/metrics/memorization.ts) is left out, and the audit's summary is stored with the run so its
 * card shows it.
 */
import { applyZNormalisation, auditByFeatures, auditBySsim, fitZNormalisation, radiomicsFeatures, type ImageStack } from '../metrics';
import { combineAudits } from '../metrics/memorization';
import type { KeyValueStore } from '../storage/keyValueStore';
import { getDatasetMeta, newDatasetId, saveDataset, type DatasetMeta } from '../storage/datasetStore';
import { readSplit } from '../storage/datasetSplits';
import { loadRun } from '../training/runStore';
import { assignSplits } from '../importers/splits';
import { SPLITS } from '../importers/types';
import type { ProgressCallback } from '../core/jobControl';
import { generateFromRun } from './generateFromRun';
import type { ExportAudit } from './exportAudit';
import { saveExportAudit } from './exportAuditStore';
export { describeExportAudit, type ExportAudit } from './exportAudit';
export { listExportAudits } from './exportAuditStore';

export interface SyntheticExportRequest {
  runId: string;
  checkpoint: 'latest' | 'best';
  count: number;
  seed: number;
  /** Leave out the likely copies the audit finds (default true). */
  dropFlagged: boolean;
  name?: string;
}

export async function exportSynthetic(store: KeyValueStore, request: SyntheticExportRequest, onProgress: ProgressCallback): Promise<{ meta: DatasetMeta; audit: ExportAudit }> {
  const label = 'Exporting synthetic images';
  onProgress({ done: 0, total: 3, label: `${label}: generating` });
  const run = await loadRun(store, request.runId);
  const set = await generateFromRun(store, request.runId, { checkpoint: request.checkpoint, count: request.count, seed: request.seed });
  if (set.channels !== 1) throw new Error('The memorisation audit supports grey images only');

  onProgress({ done: 1, total: 3, label: `${label}: memorisation audit` });
  const realMeta = await getDatasetMeta(store, run.settings.datasetId);
  const subset = async (split: 'train' | 'val'): Promise<ImageStack> => {
    const images = await readSplit(store, realMeta, split);
    return { data: images.pixels, count: images.count, width: realMeta.width, height: realMeta.height };
  };
  const train = await subset('train');
  const validation = await subset('val');
  if (validation.count < 2) throw new Error(`"${realMeta.name}" has too few held-out images to calibrate the memorisation audit`);
  const synthetic: ImageStack = { data: set.pixels, count: set.count, width: set.resolution, height: set.resolution };
  const ssim = auditBySsim({ train, validation, synthetic });
  const f = (s: ImageStack) => radiomicsFeatures(s.data, s.width).features;
  const trainF = f(train);
  const z = fitZNormalisation(trainF);
  const features = auditByFeatures({ train: applyZNormalisation(trainF, z), validation: applyZNormalisation(f(validation), z), synthetic: applyZNormalisation(f(synthetic), z) });
  const flagged = new Set(combineAudits(ssim, features).flagged.map((c) => c.synthetic));

  onProgress({ done: 2, total: 3, label: `${label}: saving` });
  const keep = Array.from({ length: set.count }, (_, i) => i).filter((i) => !request.dropFlagged || !flagged.has(i));
  if (keep.length === 0) throw new Error('Every generated image was flagged as a likely copy of a training image; nothing was saved');
  const perOut = set.resolution * set.resolution * set.channels;
  const out = new Uint8Array(keep.length * perOut);
  keep.forEach((src, k) => out.set(set.pixels.subarray(src * perOut, (src + 1) * perOut), k * perOut));
  const labels = Uint8Array.from(keep, (i) => set.labels[i]);
  const splits = Uint8Array.from(assignSplits(Array.from(labels, (label) => ({ label })), { seed: request.seed }), (s) => SPLITS.indexOf(s));
  const chunkSize = 256;
  const id = newDatasetId();
  const meta = await saveDataset(
    store,
    {
      id,
      name: request.name?.trim() || `Synthetic: ${run.settings.name} @ ${set.step}`,
      source: 'import',
      description: `Synthetic, ${run.config.kind} step ${set.step}; memorisation audit: ${flagged.size} of ${set.count} likely copies of training images${request.dropFlagged ? ' left out' : ' (kept)'}`,
      width: set.resolution,
      height: set.resolution,
      channels: set.channels,
      count: keep.length,
      classNames: run.config.numClasses > 0 ? run.classNames : ['synthetic'],
      chunkSize,
      createdAt: Date.now(),
    },
    { labels: run.config.numClasses > 0 ? labels : new Uint8Array(keep.length), splits },
    Array.from({ length: Math.ceil(keep.length / chunkSize) }, (_, c) => ({ pixels: out.slice(c * chunkSize * perOut, Math.min(keep.length, (c + 1) * chunkSize) * perOut) })),
  );
  const audit: ExportAudit = {
    time: Date.now(),
    step: set.step,
    generated: set.count,
    likelyCopies: flagged.size,
    flaggedBySsim: ssim.flagged.length,
    flaggedByFeatures: features.flagged.length,
    dropped: set.count - keep.length,
    kept: keep.length,
    datasetId: meta.id,
    thresholds: { ssim: ssim.threshold, features: features.threshold },
  };
  await saveExportAudit(store, request.runId, audit);
  onProgress({ done: 3, total: 3, label: 'Done' });
  return { meta, audit };
}
