/**
 * Reconstruction evaluation of a VAE run, inside the compute worker: held-out real images go
 * through the chosen checkpoint's encoder (posterior mean) and decoder, and every original is
 * compared with its reconstruction by SSIM, MS-SSIM, PSNR, MSE and MAE. Reconstructions are
 * rounded to bytes first, so the figures describe the images a person would see.
 */
import * as tf from '@tensorflow/tfjs';
import { downloadBytes, imagesFromBytes } from '../../models';
import { Vae } from '../../models/vae';
import { deriveSeed } from '../data/random';
import type { KeyValueStore } from '../storage/keyValueStore';
import { storageKeys } from '../storage/schema';
import { getDatasetIndex, getDatasetMeta, type DatasetMeta } from '../storage/datasetStore';
import { readImagesAt, sampleMembers, splitMembers } from '../storage/datasetSplits';
import { loadRun } from '../training/runStore';
import { openRunModel } from '../training/openCheckpoint';
import { CancelledError, type CancelToken, type ProgressCallback } from '../core/jobControl';
import { PairedMetricsAccumulator } from './reconstructionMetrics';
import type { ReconstructionExamples, ReconstructionRecord, ReconstructionRequest } from './evaluationTypes';

/** Images per forward pass: bounded device memory, and a cancel check between passes. */
const BATCH = 32;
/** Originals shown beside their reconstructions. */
const EXAMPLES = 8;

export const reconstructionExamplesKey = storageKeys.reconstructionExamples;

export async function runReconstruction(
  store: KeyValueStore,
  id: string,
  request: ReconstructionRequest,
  onProgress: ProgressCallback,
  cancel?: CancelToken,
): Promise<ReconstructionRecord> {
  const started = performance.now();
  checkRequest(request);
  const label = 'Reconstructing held-out images';
  onProgress({ done: 0, total: 1, label: `${label}: loading the model` });
  const run = await loadRun(store, request.runId);
  if (run.config.kind !== 'vae') {
    throw new Error(`Reconstruction needs a VAE run (it encodes and decodes images); "${run.settings.name}" is a ${run.config.kind}, which has no encoder`);
  }
  const meta = await getDatasetMeta(store, run.settings.datasetId);
  const { resolution, channels, numClasses } = run.config;
  if (meta.width !== resolution || meta.height !== resolution || meta.channels !== channels) {
    throw new Error(`Run "${run.settings.name}" works on ${resolution} px images with ${channels} channel(s), but its dataset "${meta.name}" is now ${meta.width}x${meta.height} with ${meta.channels}`);
  }
  const warnings: string[] = [];
  const { indices, source } = await chooseImages(store, meta, request, warnings);
  const labels = (await getDatasetIndex(store, meta.id)).labels;

  const opened = await openRunModel(store, run, request.checkpoint, { onSkip: (ref, reason) => warnings.push(`Checkpoint at step ${ref.step} skipped: ${reason}`) });
  if (opened.fellBackToLatest) warnings.push(`Run "${run.settings.name}" has no readable best checkpoint yet; its latest was used`);
  const { model, step } = opened;
  if (!(model instanceof Vae)) {
    model.dispose();
    throw new Error(`The checkpoint of run "${run.settings.name}" holds a ${model.kind}, not a VAE`);
  }
  const perImage = resolution * resolution * channels;
  const metrics = new PairedMetricsAccumulator({ width: resolution, height: resolution, channels });
  const exampleCount = Math.min(EXAMPLES, indices.length);
  const examples: ReconstructionExamples = {
    originals: new Uint8Array(exampleCount * perImage),
    reconstructions: new Uint8Array(exampleCount * perImage),
    count: exampleCount,
    resolution,
    channels,
  };
  try {
    for (let start = 0; start < indices.length; start += BATCH) {
      if (cancel && (await cancel.isCancelled())) throw new CancelledError('The reconstruction');
      onProgress({ done: start, total: indices.length, label, detail: `${start} of ${indices.length} images` });
      const batch = indices.slice(start, start + BATCH);
      const originals = await readImagesAt(store, meta, batch);
      const reconstructions = await reconstructBytes(model, originals, batch.map((i) => labels[i]), { resolution, channels, numClasses });
      metrics.add(originals, reconstructions, batch.length);
      const shown = Math.min(batch.length, exampleCount - start);
      if (shown > 0) {
        examples.originals.set(originals.subarray(0, shown * perImage), start * perImage);
        examples.reconstructions.set(reconstructions.subarray(0, shown * perImage), start * perImage);
      }
    }
  } finally {
    model.dispose();
  }
  await store.setMany([[reconstructionExamplesKey(id), examples]]);
  onProgress({ done: indices.length, total: indices.length, label: 'Done' });
  const result = metrics.result();
  if (result.msSsimUnavailable) warnings.push(result.msSsimUnavailable);
  return {
    id,
    createdAt: Date.now(),
    request,
    runName: run.settings.name,
    datasetName: meta.name,
    step,
    resolution,
    channels,
    source,
    n: indices.length,
    metrics: result,
    exampleIndices: indices.slice(0, exampleCount),
    warnings,
    elapsedMs: Math.round(performance.now() - started),
  };
}

function checkRequest(request: ReconstructionRequest): void {
  if (!Number.isInteger(request.count) || request.count < 2) throw new Error(`Reconstruction needs at least 2 images (for a standard deviation), got ${request.count}`);
  if (request.checkpoint !== 'latest' && request.checkpoint !== 'best') throw new Error(`Reconstruction checkpoint must be "latest" or "best", got "${String(request.checkpoint)}"`);
}

/** Validation images (a seeded subset when there are more than asked), or every image when there are none. */
async function chooseImages(store: KeyValueStore, meta: DatasetMeta, request: ReconstructionRequest, warnings: string[]): Promise<{ indices: number[]; source: ReconstructionRecord['source'] }> {
  let members = splitMembers(await getDatasetIndex(store, meta.id), 'val');
  let source: ReconstructionRecord['source'] = 'validation';
  if (members.length === 0) {
    members = Array.from({ length: meta.count }, (_, i) => i);
    source = 'all';
    warnings.push(`"${meta.name}" has no validation images, so all its images were reconstructed, training images included: the figures flatter the model`);
  }
  if (members.length < 2) throw new Error(`"${meta.name}" has ${members.length} image(s) to reconstruct; at least 2 are needed`);
  const chosen = sampleMembers(members, request.count, deriveSeed(request.seed, 0x7ec0));
  if (chosen.length < request.count) warnings.push(`${request.count} images were asked for; "${meta.name}" has ${chosen.length} ${source === 'validation' ? 'validation images' : 'images'}, all used`);
  return { indices: chosen, source };
}

async function reconstructBytes(model: Vae, originals: Uint8Array, labels: number[], shape: { resolution: number; channels: number; numClasses: number }): Promise<Uint8Array> {
  const { resolution, channels, numClasses } = shape;
  const n = labels.length;
  if (numClasses > 0) {
    const bad = labels.find((l) => l >= numClasses);
    if (bad !== undefined) throw new Error(`An image has label ${bad}, but the VAE was trained on ${numClasses} classes`);
  }
  return downloadBytes(() => {
    const x = imagesFromBytes(originals, [n, resolution, resolution, channels]);
    const y = numClasses > 0 ? tf.tensor1d(Int32Array.from(labels), 'int32') : null;
    return model.reconstruct(x, y);
  });
}
