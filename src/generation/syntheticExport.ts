/**
 * Saving synthetic images as a dataset, streamed: slices of at most 1,000 images are generated
 * (image i from its own seed, imageSeeds.ts), audited for memorisation (by default every likely
 * copy of a training image, below both the SSIM and the radiomics threshold, is left out) and
 * written to storage in chunks of 256 as they fill, so a 10,000-image export never holds all its
 * images at once. The dataset appears only when everything is written; a cancel or an error
 * removes the chunks already written, so a cancelled export leaves nothing (and the store as it
 * was). The audit's summary is stored with the run so its card shows it.
 */
import type { ImageStack } from '../metrics';
import { auditSliceSize, createSliceAuditor } from './auditInSlices';
import type { KeyValueStore } from '../storage/keyValueStore';
import { commitDataset, discardStaged, getDatasetIndex, getDatasetMeta, newDatasetId, stageChunks, type DatasetMeta, type DatasetProvenance } from '../storage/datasetStore';
import { readSplit } from '../storage/datasetSplits';
import { loadRun } from '../training/runStore';
import { assignSplits } from '../importers/splits';
import { SPLITS } from '../importers/types';
import { throwIfCancelled, type CancelToken, type ProgressCallback } from '../core/jobControl';
import type { ModelConfig } from '../../models/types';
import { openRunModel } from '../training/openCheckpoint';
import { imageSeed } from './imageSeeds';
import { renderSeeds, type SampleControls } from './renderSeeds';
import { labelsForCounts, planCounts, type ClassPlan } from './classPlan';
import type { ExportAudit } from './exportAudit';
import { DIFFUSION_SAMPLERS, type DiffusionSampler } from '../../models/diffusionSamplers';
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
  /** DDPM: denoising passes (DDIM steps) per image; default the run's. */
  samplingSteps?: number;
  /** DDPM: 'ddim' (default) or 'dpm-solver++' (DDIM-50 quality in 10–20 passes). */
  sampler?: DiffusionSampler;
  /** Class-conditional DDPM trained with label dropout: the guidance scale w (0 = the conditional sample, −1 the unconditional one). */
  guidance?: number;
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

/** The DDPM controls of a request (DDIM steps, guidance scale), refused for a model they do not apply to. */
export function diffusionControlsFor(
  config: ModelConfig,
  request: Pick<SyntheticExportRequest, 'samplingSteps' | 'guidance' | 'sampler'>,
): Pick<SampleControls, 'samplingSteps' | 'guidance' | 'sampler'> {
  const out: Pick<SampleControls, 'samplingSteps' | 'guidance' | 'sampler'> = {};
  const { samplingSteps, guidance, sampler } = request;
  if (sampler !== undefined && sampler !== 'ddim') {
    if (config.kind !== 'ddpm') throw new Error(`The ${sampler} sampler applies to diffusion models; this run is a ${config.kind}`);
    if (!DIFFUSION_SAMPLERS.includes(sampler)) throw new Error(`Unknown sampler '${sampler}' (${DIFFUSION_SAMPLERS.join(', ')})`);
    out.sampler = sampler;
  }
  if (samplingSteps !== undefined) {
    if (config.kind !== 'ddpm') throw new Error(`DDIM steps apply to diffusion models; this run is a ${config.kind}`);
    if (!(Number.isInteger(samplingSteps) && samplingSteps >= 1 && samplingSteps <= config.timesteps)) throw new Error(`DDIM steps must be a whole number from 1 to ${config.timesteps}, not ${samplingSteps}`);
    out.samplingSteps = samplingSteps;
  }
  if (guidance !== undefined && guidance !== 0) {
    const why = guidanceUnavailable(config);
    if (why) throw new Error(why);
    if (!(guidance >= -1 && guidance <= 20)) throw new Error(`The guidance scale must be from −1 to 20, not ${guidance}`);
    out.guidance = guidance;
  }
  return out;
}

/** Why a run offers no classifier-free guidance, in the user's terms; null when it does. */
export function guidanceUnavailable(config: ModelConfig): string | null {
  if (config.kind !== 'ddpm') return `Guidance applies to class-conditional diffusion models; this run is a ${config.kind}.`;
  if (config.numClasses === 0) return 'Guidance needs a class-conditional diffusion model; this run was trained without classes.';
  if (!((config.labelDropout ?? 0) > 0)) return 'This run was trained without label dropout, so it never learned the unconditional estimate that guidance needs; train a new run to use guidance.';
  return null;
}

export async function exportSynthetic(
  store: KeyValueStore,
  request: SyntheticExportRequest,
  onProgress: ProgressCallback,
  cancel?: CancelToken,
  /** Tests only: images per generated and audited slice (default auditSliceSize). */
  tuning: { slice?: number } = {},
): Promise<{ meta: DatasetMeta; audit: ExportAudit }> {
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
  const diffusion = diffusionControlsFor(run.config, request);
  if (run.config.channels !== 1) throw new Error('The memorisation audit supports grey images only');
  const total = counts.reduce((a, b) => a + b, 0);
  const allLabels = conditional ? labelsForCounts(counts) : new Uint8Array(total);

  onProgress({ done: 0, total, label: 'Preparing the memorisation audit' });
  const subset = async (split: 'train' | 'val'): Promise<ImageStack> => {
    const images = await readSplit(store, realMeta, split);
    return { data: images.pixels, count: images.count, width: realMeta.width, height: realMeta.height };
  };
  const validation = await subset('val');
  if (validation.count < 2) throw new Error(`"${realMeta.name}" has too few held-out images to calibrate the memorisation audit`);
  const auditor = createSliceAuditor(await subset('train'), validation);
  await throwIfCancelled(cancel, what);

  const { model, ema, step, config } = await openRunModel(store, request.runId, request.checkpoint);
  const { resolution, channels } = config;
  const perImage = resolution * resolution * channels;
  const slice = tuning.slice ?? auditSliceSize(total);
  const chunkSize = 256;
  const keptLabels: number[] = [];
  const leftOut: number[] = [];
  const started = performance.now();
  const report = (done: number, phase: string) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const perSecond = `${rate.toFixed(rate < 10 ? 1 : 0)} images/s`;
    onProgress({ done, total, label: `Generating and auditing synthetic images (${phase}), ${perSecond}`, detail: perSecond });
  };
  // One slice generated and audited at a time; kept images leave in chunks as soon as a chunk fills.
  async function* chunks() {
    let pending = new Uint8Array(chunkSize * perImage);
    let held = 0;
    for (let start = 0; start < total; start += slice) {
      const n = Math.min(slice, total - start);
      const seeds = Array.from({ length: n }, (_, i) => imageSeed(request.seed, start + i));
      const labels = conditional ? Int32Array.from(allLabels.subarray(start, start + n)) : null;
      const pixels = await renderSeeds(model, ema, seeds, labels, { latentScale, ...diffusion }, async (done) => {
        report(start + done, 'generating');
        await throwIfCancelled(cancel, what);
      });
      const flagged = auditor.audit({ data: pixels, count: n, width: resolution, height: resolution });
      report(start + n, 'audited');
      await throwIfCancelled(cancel, what);
      for (let i = 0; i < n; i++) {
        if (request.dropFlagged && flagged.has(i)) {
          leftOut.push(start + i);
          continue;
        }
        pending.set(pixels.subarray(i * perImage, (i + 1) * perImage), held * perImage);
        keptLabels.push(allLabels[start + i]);
        if (++held === chunkSize) {
          yield { pixels: pending };
          pending = new Uint8Array(chunkSize * perImage);
          held = 0;
        }
      }
    }
    if (held > 0) yield { pixels: pending.slice(0, held * perImage) };
  }

  const id = newDatasetId();
  const name = request.name?.trim() || `Synthetic: ${run.settings.name} @ ${step}`;
  let staged: { chunkCount: number; count: number };
  try {
    staged = await stageChunks(store, { id, name, width: resolution, height: resolution, channels, chunkSize }, chunks());
  } finally {
    model.dispose();
  }
  if (staged.count === 0) {
    await discardStaged(store, id, staged.chunkCount);
    throw new Error('Every generated image was flagged as a likely copy of a training image; nothing was saved');
  }
  try {
    await throwIfCancelled(cancel, what);
  } catch (error) {
    await discardStaged(store, id, staged.chunkCount);
    throw error;
  }
  onProgress({ done: total, total, label: 'Saving the synthetic dataset' });
  const kept = staged.count;
  const labels = Uint8Array.from(keptLabels);
  const splits = Uint8Array.from(assignSplits(Array.from(labels, (label) => ({ label })), { seed: request.seed }), (s) => SPLITS.indexOf(s));
  const { flagged, flaggedBySsim, flaggedByFeatures, thresholds } = auditor.totals;
  const auditTime = Date.now();
  const provenance: DatasetProvenance = {
    synthetic: true,
    runId: run.id,
    runName: run.settings.name,
    modelKind: run.config.kind,
    checkpoint: request.checkpoint,
    step,
    seed: request.seed,
    ...(latentScale !== 1 && GAN_KINDS.includes(run.config.kind) ? { truncation: latentScale } : {}),
    ...(latentScale !== 1 && run.config.kind === 'vae' ? { temperature: latentScale } : {}),
    ...(diffusion.samplingSteps !== undefined ? { samplingSteps: diffusion.samplingSteps } : {}),
    ...(diffusion.guidance !== undefined ? { guidance: diffusion.guidance } : {}),
    ...(diffusion.sampler === 'dpm-solver++' ? { sampler: diffusion.sampler } : {}),
    generatedPerClass: counts,
    realDatasetId: realMeta.id,
    auditTime,
    seeds: 'per-image',
    ...(leftOut.length ? { leftOut } : {}),
  };
  const classes = conditional ? classNames : ['synthetic'];
  const asked = conditional ? counts.map((n, c) => (n > 0 ? `${n} ${classes[c]}` : '')).filter(Boolean).join(', ') : `${total} images`;
  const meta = await commitDataset(
    store,
    {
      id,
      name,
      source: 'import',
      description: `Synthetic, ${run.config.kind} step ${step}, seed ${request.seed}${latentScale !== 1 ? `, latent scale ${latentScale}` : ''} (${asked}); memorisation audit: ${flagged.size} of ${total} likely copies of training images${request.dropFlagged ? ' left out' : ' (kept)'}`,
      width: resolution,
      height: resolution,
      channels,
      count: kept,
      classNames: classes,
      chunkSize,
      createdAt: Date.now(),
      provenance,
    },
    { labels: conditional ? labels : new Uint8Array(kept), splits },
    staged.chunkCount,
  );
  const audit: ExportAudit = {
    time: auditTime,
    step,
    generated: total,
    likelyCopies: flagged.size,
    flaggedBySsim,
    flaggedByFeatures,
    dropped: total - kept,
    kept,
    datasetId: meta.id,
    thresholds,
  };
  await saveExportAudit(store, request.runId, audit);
  onProgress({ done: total, total, label: 'Done' });
  return { meta, audit };
}
