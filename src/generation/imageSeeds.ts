/**
 * Per-image seeds. Image i of a generation with seed s draws its latent (GANs, VAE) or its starting
 * noise (DDPM) from its own seed imageSeed(s, i) alone, never from its batch: the same image comes
 * out whether it is made in a batch of 32, alone, or on another backend (within float tolerance),
 * so one image can be regenerated without touching the others. No tfjs here (the UI imports it).
 */
import { deriveSeed } from '../../models/core/random';
import type { DatasetProvenance } from '../storage/datasetStore';

/** Keeps image seeds apart from every other stream derived from the same user seed. */
const IMAGE_STREAM = 0x1a6e5eed;

/** The seed of image `index` of a generation with `seed` (a 32-bit integer). */
export function imageSeed(seed: number, index: number): number {
  return deriveSeed(deriveSeed(seed >>> 0, IMAGE_STREAM), index >>> 0);
}

/**
 * The generation index of each stored image of a synthetic dataset: generation indices in order,
 * less those the memorisation audit left out.
 */
export function generationIndices(provenance: DatasetProvenance, count: number): number[] {
  const leftOut = new Set(provenance.leftOut ?? []);
  const out: number[] = [];
  for (let g = 0; out.length < count; g++) if (!leftOut.has(g)) out.push(g);
  return out;
}

/**
 * The seed that made stored image `index` of a synthetic dataset: its regenerated seed if it was
 * regenerated, else imageSeed(seed, its generation index). Null for datasets made before per-image
 * seeds (their latents were drawn per batch).
 */
export function seedOfImage(provenance: DatasetProvenance, index: number, count: number): number | null {
  if (provenance.seeds !== 'per-image') return null;
  const regenerated = provenance.regenerated?.filter((r) => r.index === index).at(-1);
  if (regenerated) return regenerated.seed;
  return imageSeed(provenance.seed, generationIndices(provenance, count)[index]);
}

/** seedOfImage for every stored image at once (one pass, not one per image); nulls for datasets made before per-image seeds. */
export function seedsOfImages(provenance: DatasetProvenance, count: number): (number | null)[] {
  if (provenance.seeds !== 'per-image') return Array(count).fill(null);
  const seeds = generationIndices(provenance, count).map((g) => imageSeed(provenance.seed, g));
  for (const r of provenance.regenerated ?? []) if (r.index >= 0 && r.index < count) seeds[r.index] = r.seed;
  return seeds;
}
