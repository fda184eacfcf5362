/**
 * Saving synthetic images as a dataset, with the memorisation audit run first: by default every
 * likely copy of a training image (below both the SSIM and the radiomics threshold, see
 * src/metrics/memorization.ts) is left out, and the audit's summary is stored with the run so its
 * card shows it.
 */
import type { ImageStack } from '../metrics';
import { auditInSlices } from './auditInSlices';
import type { KeyValueStore } from '../storage/keyValueStore';
import { getDatasetIndex, getDatasetMeta, newDatasetId, saveDataset, type DatasetMeta, type DatasetProvenance } from '../storage/datasetStore';
import { readSplit } from '../storage/datasetSplits';
import { loadRun } from '../training/runStore';
import { assignSplits } from '../importers/splits';
import { SPLITS } from '../importers/types';
import { throwIfCancelled, type CancelToken, type ProgressCallback } from '../core/jobControl';
import type { ModelConfig } from '../../models/types';
import { generateFromRun } from './generateFromRun';
import { labelsForCounts, planCounts, type ClassPlan } from './classPlan';
import type { ExportAudit } from './exportAudit';
import { saveExportAudit } from './exportAuditStore';
export { describeExportAudit, type ExportAudit } from './exportAudit';
export { listExportAudits } from './exportAuditStore';

export interface SyntheticExportRequest {
  runId: string;
  checkpoint: 'latest' | 'best';
  /** What to make (classPlan.ts); without it, `count` images split evenly across classes. */
  plan?: ClassPlan;
  count?: number;
  /** The same seed (and plan and settings) gives the same images. */
  seed: number;
  /** GAN truncation ψ in (0, 1]: latents are scaled by ψ (fidelity for variety). GANs only. */
  truncation?: number;
  /** VAE temperature in (0, 2]: latents are scaled by it. VAE only. */
  temperature?: number;
  /** Leave out the likely copies the audit finds (default true). */
  dropFlagged: boolean;
  name?: string;
}

const GAN_KINDS: readonly string[] = ['dcgan', 'wgan-gp', 'pggan'];

/** The latent scale of a request (truncation for GANs, temperature for the VAE), refused for a model it does not apply to. */
export function latentScaleFor(kind: ModelConfig['kind'], request: Pick<SyntheticExportRequest, 'truncation' | 'temperature'>): number {
  const { truncation, temperature } = request;
  if (truncation !== undefined && truncation !== 1) {
    if (!GAN_KINDS.includes(kind)) throw new Error(`Truncation ψ applies to GANs; this run is a ${kind}`);
    if (!(truncation > 0 && truncation <= 1)) throw new Error(`Truncation ψ must be in (0, 1], not ${truncation}`);
    return truncation;
  }
  if (temperature !== undefined && temperature !== 1) {
    if (kind !== 'vae') throw new Error(`Temperature applies to the VAE; this run is a ${kind}`);
    if (!(temperature > 0 && temperature <= 2)) throw new Error(`Temperature must be in (0, 2], not ${temperature}`);
    return temperature;
  }
  return 1;
}

export async function exportSynthetic(
  store: KeyValueStore,
  request: SyntheticExportRequest,
  onProgress: ProgressCallback,
  cancel?: CancelToken,
): Promise<{ meta: DatasetMeta; audit: ExportAudit }> {
  const label = 'Exporting synthetic images';
  const what = 'Synthetic export';
  const run = await loadRun(store, request.runId);
  const conditional = run.config.numClasses > 0;
  const realMeta = await getDatasetMeta(store, run.settings.datasetId);
  const realIndex = await getDatasetIndex(store, realMeta.id);
  const realTrainCounts = realMeta.classNames.map((_, c) => realIndex.labels.reduce((n, l, i) => n + (l === c && realIndex.splits[i] === 0 ? 1 : 0), 0));
  const plan: ClassPlan = request.plan ?? { kind: 'even', count: request.count ?? 0 };
  // Renamed classes follow: the synthetic set takes the real dataset's names as they are now.
  const classNames = realMeta.classNames.length === run.classNames.length ? [...realMeta.classNames] : run.classNames;
  const counts = planCounts(plan, classNames, conditional, realTrainCounts);
  const latentScale = latentScaleFor(run.config.kind, request);
  const total = counts.reduce((a, b) => a + b, 0);
  const started = performance.now();
  onProgress({ done: 0, total, label: `${label} (1 of 2): generating` });
  const set = await generateFromRun(store, request.runId, {
    checkpoint: request.checkpoint,
    count: total,
    seed: request.seed,
    labels: conditional ? labelsForCounts(counts) : undefined,
    latentScale,
    onBatch: async (done) => {
      const seconds = (performance.now() - started) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      onProgress({ done, total, label: `${label} (1 of 2): generating, ${rate.toFixed(rate < 10 ? 1 : 0)} images/s`, detail: `${rate.toFixed(1)} images/s` });
      await throwIfCancelled(cancel, what);
    },
  });
  if (set.channels !== 1) throw new Error('The memorisation audit supports grey images only');

  onProgress({ done: 0, total, label: `${label} (2 of 2): memorisation audit` });
  const subset = async (split: 'train' | 'val'): Promise<ImageStack> => {
    const images = await readSplit(store, realMeta, split);
    return { data: images.pixels, count: images.count, width: realMeta.width, height: realMeta.height };
  };
  const train = await subset('train');
  const validation = await subset('val');
  if (validation.count < 2) throw new Error(`"${realMeta.name}" has too few held-out images to calibrate the memorisation audit`);
  const auditStarted = performance.now();
  const { flagged, flaggedBySsim, flaggedByFeatures, thresholds } = await auditInSlices({ train, validation, synthetic: { data: set.pixels, count: set.count, width: set.resolution, height: set.resolution } }, async (audited) => {
    const rate = audited / ((performance.now() - auditStarted) / 1000);
    onProgress({ done: audited, total, label: `${label} (2 of 2): memorisation audit, ${rate.toFixed(rate < 10 ? 1 : 0)} images/s` });
    await throwIfCancelled(cancel, what);
  });

  await throwIfCancelled(cancel, what);
  onProgress({ done: total, total, label: `${label}: saving` });
  const keep = Array.from({ length: set.count }, (_, i) => i).filter((i) => !request.dropFlagged || !flagged.has(i));
  if (keep.length === 0) throw new Error('Every generated image was flagged as a likely copy of a training image; nothing was saved');
  const perOut = set.resolution * set.resolution * set.channels;
  const out = new Uint8Array(keep.length * perOut);
  keep.forEach((src, k) => out.set(set.pixels.subarray(src * perOut, (src + 1) * perOut), k * perOut));
  const labels = Uint8Array.from(keep, (i) => set.labels[i]);
  const splits = Uint8Array.from(assignSplits(Array.from(labels, (label) => ({ label })), { seed: request.seed }), (s) => SPLITS.indexOf(s));
  const chunkSize = 256;
  const id = newDatasetId();
  const auditTime = Date.now();
  const provenance: DatasetProvenance = {
    synthetic: true,
    runId: run.id,
    runName: run.settings.name,
    modelKind: run.config.kind,
    checkpoint: request.checkpoint,
    step: set.step,
    seed: request.seed,
    ...(latentScale !== 1 && GAN_KINDS.includes(run.config.kind) ? { truncation: latentScale } : {}),
    ...(latentScale !== 1 && run.config.kind === 'vae' ? { temperature: latentScale } : {}),
    generatedPerClass: counts,
    realDatasetId: realMeta.id,
    auditTime,
  };
  const classes = conditional ? classNames : ['synthetic'];
  const asked = conditional ? counts.map((n, c) => (n > 0 ? `${n} ${classes[c]}` : '')).filter(Boolean).join(', ') : `${total} images`;
  async function* chunks() {
    for (let c = 0; c < Math.ceil(keep.length / chunkSize); c++) {
      await throwIfCancelled(cancel, what);
      yield { pixels: out.slice(c * chunkSize * perOut, Math.min(keep.length, (c + 1) * chunkSize) * perOut) };
    }
  }
  const meta = await saveDataset(
    store,
    {
      id,
      name: request.name?.trim() || `Synthetic: ${run.settings.name} @ ${set.step}`,
      source: 'import',
      description: `Synthetic, ${run.config.kind} step ${set.step}, seed ${request.seed}${latentScale !== 1 ? `, latent scale ${latentScale}` : ''} (${asked}); memorisation audit: ${flagged.size} of ${set.count} likely copies of training images${request.dropFlagged ? ' left out' : ' (kept)'}`,
      width: set.resolution,
      height: set.resolution,
      channels: set.channels,
      count: keep.length,
      classNames: classes,
      chunkSize,
      createdAt: Date.now(),
      provenance,
    },
    { labels: conditional ? labels : new Uint8Array(keep.length), splits },
    chunks(),
  );
  const audit: ExportAudit = {
    time: auditTime,
    step: set.step,
    generated: set.count,
    likelyCopies: flagged.size,
    flaggedBySsim,
    flaggedByFeatures,
    dropped: set.count - keep.length,
    kept: keep.length,
    datasetId: meta.id,
    thresholds,
  };
  await saveExportAudit(store, request.runId, audit);
  onProgress({ done: total, total, label: 'Done' });
  return { meta, audit };
}
