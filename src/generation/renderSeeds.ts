/**
 * Images from per-image seeds on an opened model: latents drawn seed by seed (imageSeeds.ts),
 * scaled (GAN truncation ψ, VAE temperature), rendered in batches of 32 (bounded device memory).
 * Also the latent paths of the Generate stage's interpolation strips.
 */
import * as tf from '@tensorflow/tfjs';
import { downloadBytes } from '../../models';
import type { GenerativeModel } from '../../models/types';
import type { DiffusionSampler } from '../../models/diffusionSamplers';

/** Images per generate call. */
export const GENERATE_BATCH = 32;

export interface SampleControls {
  /** Latents are multiplied by this (GAN truncation ψ, VAE temperature); default 1. */
  latentScale?: number;
  /** DDPM: denoising passes per image (DDIM); default the run's. */
  samplingSteps?: number;
  /** Class-conditional DDPM trained with label dropout: the guidance scale w (0 = conditional sample). */
  guidance?: number;
  /** DDPM: 'ddim' (default) or 'dpm-solver++', which reaches DDIM-50 quality in 10–20 passes. */
  sampler?: DiffusionSampler;
}

/** Row i is model.sampleLatent(1, seeds[i]): each image's latent depends on its own seed alone. */
export function latentsForSeeds(model: GenerativeModel, seeds: ArrayLike<number>): tf.Tensor2D {
  return tf.tidy(() => tf.concat(Array.from(seeds, (s) => model.sampleLatent(1, s)), 0) as tf.Tensor2D);
}

/** The latents of `seeds` as plain numbers (row-major, latentDim per image). */
export async function latentValues(model: GenerativeModel, seeds: ArrayLike<number>): Promise<Float32Array> {
  const z = latentsForSeeds(model, seeds);
  try {
    return Float32Array.from(await z.data());
  } finally {
    z.dispose();
  }
}

/** Images (0..255, n × resolution² × channels) for explicit latents (already scaled). */
export async function renderLatents(model: GenerativeModel, ema: boolean, latents: Float32Array, labels: Int32Array | null, controls: SampleControls = {}): Promise<Uint8Array> {
  const { latentDim, numClasses, resolution, channels } = model.config;
  const n = latents.length / latentDim;
  if (!Number.isInteger(n) || n < 1) throw new Error(`Latents must be a whole number of rows of ${latentDim} values`);
  const perImage = resolution * resolution * channels;
  const out = new Uint8Array(n * perImage);
  for (let start = 0; start < n; start += GENERATE_BATCH) {
    const m = Math.min(GENERATE_BATCH, n - start);
    const bytes = await downloadBytes(() => {
      const z = tf.tensor2d(latents.subarray(start * latentDim, (start + m) * latentDim), [m, latentDim]);
      const y = numClasses > 0 ? tf.tensor1d(labels ? labels.subarray(start, start + m) : new Int32Array(m), 'int32') : null;
      return model.generate(z, y, generateOptions(model, ema, controls));
    });
    out.set(bytes, start * perImage);
  }
  return out;
}

/**
 * Images (0..255) for images with these seeds and (conditional models) labels, in batches of 32;
 * `onBatch` is called with the images done so far and may throw to stop (a cancel).
 */
export async function renderSeeds(
  model: GenerativeModel,
  ema: boolean,
  seeds: ArrayLike<number>,
  labels: Int32Array | null,
  controls: SampleControls = {},
  onBatch?: (done: number) => void | Promise<void>,
): Promise<Uint8Array> {
  const { numClasses, resolution, channels } = model.config;
  const perImage = resolution * resolution * channels;
  const n = seeds.length;
  if (labels && labels.length !== n) throw new Error(`${labels.length} labels for ${n} images`);
  const scale = controls.latentScale ?? 1;
  const out = new Uint8Array(n * perImage);
  for (let start = 0; start < n; start += GENERATE_BATCH) {
    const m = Math.min(GENERATE_BATCH, n - start);
    const bytes = await downloadBytes(() => {
      const drawn = latentsForSeeds(model, Array.prototype.slice.call(seeds, start, start + m) as number[]);
      const z = scale === 1 ? drawn : (tf.mul(drawn, scale) as tf.Tensor2D);
      const y = numClasses > 0 ? tf.tensor1d(labels ? labels.subarray(start, start + m) : new Int32Array(m), 'int32') : null;
      return model.generate(z, y, generateOptions(model, ema, controls));
    });
    out.set(bytes, start * perImage);
    await onBatch?.(start + m);
  }
  return out;
}

function generateOptions(model: GenerativeModel, ema: boolean, controls: SampleControls) {
  if (model.config.kind !== 'ddpm') return { ema };
  return {
    ema,
    ...(controls.samplingSteps !== undefined ? { samplingSteps: controls.samplingSteps } : {}),
    ...(controls.guidance !== undefined ? { guidance: controls.guidance } : {}),
    ...(controls.sampler !== undefined ? { sampler: controls.sampler } : {}),
  };
}

/**
 * Points along the path from a to b, `frames` of them including both ends: spherical (slerp, for
 * Gaussian latents and DDPM starting noise, which keeps their norm typical) or straight (VAE).
 */
export function latentPath(a: Float32Array, b: Float32Array, frames: number, kind: 'slerp' | 'linear'): Float32Array {
  if (a.length !== b.length) throw new Error(`Latents of different lengths (${a.length} and ${b.length})`);
  if (!Number.isInteger(frames) || frames < 2) throw new Error(`An interpolation needs at least 2 frames, not ${frames}`);
  const d = a.length;
  const out = new Float32Array(frames * d);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < d; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  const omega = Math.acos(Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb || 1))));
  for (let f = 0; f < frames; f++) {
    const t = f / (frames - 1);
    // slerp degenerates to lerp when the two points are (nearly) parallel.
    const spherical = kind === 'slerp' && Math.sin(omega) > 1e-6;
    const wa = spherical ? Math.sin((1 - t) * omega) / Math.sin(omega) : 1 - t;
    const wb = spherical ? Math.sin(t * omega) / Math.sin(omega) : t;
    for (let i = 0; i < d; i++) out[f * d + i] = wa * a[i] + wb * b[i];
  }
  return out;
}
