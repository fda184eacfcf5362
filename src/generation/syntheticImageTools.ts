/**
 * Looking closer at a saved synthetic dataset: regenerate one image (the next unused draw of its
 * seed stream, audited for memorisation like the export, the rest of the dataset untouched and
 * the new seed recorded in its provenance), interpolation strips between two of its images, and
 * for a VAE a real image encoded and walked from.
 */
import * as tf from '@tensorflow/tfjs';
import { downloadBytes, imagesFromBytes } from '../../models';
import type { GenerativeModel } from '../../models/types';
import type { Vae } from '../../models/vae';
import type { KeyValueStore } from '../storage/keyValueStore';
import { getDatasetIndex, getDatasetMeta, readImages, replaceImage, type DatasetMeta, type DatasetProvenance } from '../storage/datasetStore';
import { readSplit } from '../storage/datasetSplits';
import { loadRun } from '../training/runStore';
import { openRunModel, type CheckpointChoice } from '../training/openCheckpoint';
import { createSliceAuditor } from './auditInSlices';
import { imageSeed, seedOfImage } from './imageSeeds';
import { latentPath, latentValues, renderLatents, renderSeeds, type SampleControls } from './renderSeeds';

/** Images of one size, back to back (n × resolution² × channels bytes). */
export interface ImageStrip {
  pixels: Uint8Array;
  count: number;
  resolution: number;
  channels: 1 | 3;
}

/** Draws tried before regenerate gives up when each new image is flagged as a likely copy. */
const REGENERATE_TRIES = 8;

function syntheticProvenance(meta: DatasetMeta): DatasetProvenance {
  const p = meta.provenance;
  if (!p?.synthetic) throw new Error(`"${meta.name}" is not a synthetic dataset`);
  if (p.seeds !== 'per-image') throw new Error(`"${meta.name}" was made before images had their own seeds; make it again on the Generate stage to regenerate or interpolate its images`);
  return p;
}

function controlsOf(p: DatasetProvenance): SampleControls {
  return {
    latentScale: p.truncation ?? p.temperature ?? 1,
    ...(p.samplingSteps !== undefined ? { samplingSteps: p.samplingSteps } : {}),
    ...(p.guidance !== undefined ? { guidance: p.guidance } : {}),
    ...(p.sampler !== undefined ? { sampler: p.sampler } : {}),
  };
}

/** The model that made a synthetic dataset: its run's checkpoint at the provenance's step. */
async function openMaker(store: KeyValueStore, meta: DatasetMeta, p: DatasetProvenance) {
  const opened = await openRunModel(store, p.runId, p.checkpoint, { atOrBefore: p.step });
  if (opened.step !== p.step) {
    opened.model.dispose();
    throw new Error(`"${meta.name}" was made at step ${p.step} of run "${p.runName}", whose checkpoint at that step is no longer stored`);
  }
  return opened;
}

export interface RegeneratedImage {
  meta: DatasetMeta;
  index: number;
  seed: number;
  pixels: Uint8Array;
  /** New draws flagged as likely copies of a training image and skipped before this one. */
  skipped: number;
}

/** Replaces stored image `index` of a synthetic dataset with a new draw of the same class. */
export async function regenerateImage(store: KeyValueStore, datasetId: string, index: number): Promise<RegeneratedImage> {
  const meta = await getDatasetMeta(store, datasetId);
  const p = syntheticProvenance(meta);
  if (!Number.isInteger(index) || index < 0 || index >= meta.count) throw new RangeError(`There is no image ${index} in "${meta.name}" (${meta.count} images)`);
  const label = (await getDatasetIndex(store, datasetId)).labels[index];
  const realMeta = await getDatasetMeta(store, p.realDatasetId);
  const split = async (s: 'train' | 'val') => {
    const images = await readSplit(store, realMeta, s);
    return { data: images.pixels, count: images.count, width: realMeta.width, height: realMeta.height };
  };
  const auditor = createSliceAuditor(await split('train'), await split('val'));
  const { model, ema } = await openMaker(store, meta, p);
  try {
    const generated = p.generatedPerClass.reduce((a, b) => a + b, 0);
    // The seed stream continues past the export's own draws and every earlier regeneration's.
    let draw = Math.max(generated, ...(p.regenerated ?? []).map((r) => r.draw + 1));
    for (let skipped = 0; skipped < REGENERATE_TRIES; skipped++, draw++) {
      const seed = imageSeed(p.seed, draw);
      const pixels = await renderSeeds(model, ema, [seed], model.config.numClasses > 0 ? Int32Array.of(label) : null, controlsOf(p));
      if (auditor.audit({ data: pixels, count: 1, width: meta.width, height: meta.height }).size > 0) continue;
      const provenance: DatasetProvenance = { ...p, regenerated: [...(p.regenerated ?? []), { index, seed, draw }] };
      const updated = await replaceImage(store, meta, index, pixels, provenance);
      return { meta: updated, index, seed, pixels, skipped };
    }
    throw new Error(`The next ${REGENERATE_TRIES} draws were all flagged as likely copies of training images; image ${index} was left as it was`);
  } finally {
    model.dispose();
  }
}

/**
 * `frames` images on the path between stored images a and b (both ends included): slerp of their
 * latents for GANs and of their starting noise for DDPM, a straight line for the VAE. A
 * conditional model keeps a's class for the first half of the strip and b's for the second.
 */
export async function interpolateImages(store: KeyValueStore, datasetId: string, a: number, b: number, frames: number): Promise<ImageStrip> {
  const meta = await getDatasetMeta(store, datasetId);
  const p = syntheticProvenance(meta);
  const seeds = [a, b].map((i) => {
    if (!Number.isInteger(i) || i < 0 || i >= meta.count) throw new RangeError(`There is no image ${i} in "${meta.name}" (${meta.count} images)`);
    return seedOfImage(p, i, meta.count)!;
  });
  const { labels } = await getDatasetIndex(store, datasetId);
  const { model, ema, config } = await openMaker(store, meta, p);
  try {
    const { latentScale = 1, ...controls } = controlsOf(p);
    const z = (await latentValues(model, seeds)).map((v) => v * latentScale);
    const d = config.latentDim;
    const path = latentPath(z.subarray(0, d), z.subarray(d), frames, config.kind === 'vae' ? 'linear' : 'slerp');
    const pathLabels = config.numClasses > 0 ? Int32Array.from({ length: frames }, (_, f) => (f < frames / 2 ? labels[a] : labels[b])) : null;
    return { pixels: await renderLatents(model, ema, path, pathLabels, controls), count: frames, resolution: config.resolution, channels: config.channels };
  } finally {
    model.dispose();
  }
}

export interface VaeWalkRequest {
  runId: string;
  checkpoint: CheckpointChoice;
  /** Index of the real image in the run's dataset. */
  realIndex: number;
  /** Images along the walk, both ends included. */
  frames: number;
  /** Walk along one latent dimension (−2.5σ … +2.5σ around the image's code) or towards a sample drawn from this seed. */
  towards: { kind: 'dimension'; dimension: number } | { kind: 'sample'; seed: number };
}

export interface VaeWalk {
  /** The real image, its reconstruction (the decoded posterior mean), then the walk. */
  real: Uint8Array;
  reconstruction: Uint8Array;
  walk: ImageStrip;
  label: number;
  className: string;
}

/** Encodes a real image of the run's dataset with a VAE run and walks its latent code. */
export async function walkFromRealImage(store: KeyValueStore, request: VaeWalkRequest): Promise<VaeWalk> {
  const run = await loadRun(store, request.runId);
  if (run.config.kind !== 'vae') throw new Error(`Encoding a real image needs a VAE run; this run is a ${run.config.kind}`);
  const realMeta = await getDatasetMeta(store, run.settings.datasetId);
  if (!Number.isInteger(request.realIndex) || request.realIndex < 0 || request.realIndex >= realMeta.count) throw new RangeError(`There is no image ${request.realIndex} in "${realMeta.name}" (${realMeta.count} images)`);
  if (!(Number.isInteger(request.frames) && request.frames >= 2 && request.frames <= 32)) throw new Error(`A walk has 2 to 32 frames, not ${request.frames}`);
  const real = await readImages(store, realMeta, request.realIndex, 1);
  const label = (await getDatasetIndex(store, realMeta.id)).labels[request.realIndex];
  const { model, config } = await openRunModel(store, request.runId, request.checkpoint);
  const vae = model as GenerativeModel as Vae;
  try {
    const { resolution, channels, latentDim, numClasses } = config;
    if (realMeta.width !== resolution || realMeta.channels !== channels) throw new Error(`"${realMeta.name}" holds ${realMeta.width} px images; the run makes ${resolution} px`);
    const y = () => (numClasses > 0 ? tf.tensor1d([label], 'int32') : null);
    const mu = await downloadFloats(() => vae.encode(imagesFromBytes(real, [1, resolution, resolution, channels]), y()));
    const reconstruction = await renderLatents(model, false, mu, numClasses > 0 ? Int32Array.of(label) : null);
    let path: Float32Array;
    if (request.towards.kind === 'dimension') {
      const dim = request.towards.dimension;
      if (!(Number.isInteger(dim) && dim >= 0 && dim < latentDim)) throw new Error(`The latent has dimensions 0 to ${latentDim - 1}, not ${dim}`);
      const from = mu.slice();
      const to = mu.slice();
      from[dim] -= 2.5;
      to[dim] += 2.5;
      path = latentPath(from, to, request.frames, 'linear');
    } else {
      path = latentPath(mu, await latentValues(model, [request.towards.seed]), request.frames, 'linear');
    }
    const labels = numClasses > 0 ? new Int32Array(request.frames).fill(label) : null;
    const walk = { pixels: await renderLatents(model, false, path, labels), count: request.frames, resolution, channels };
    return { real, reconstruction, walk, label, className: realMeta.classNames[label] ?? String(label) };
  } finally {
    model.dispose();
  }
}

async function downloadFloats(make: () => tf.Tensor): Promise<Float32Array> {
  const t = tf.tidy(make);
  try {
    return Float32Array.from(await t.data());
  } finally {
    t.dispose();
  }
}
