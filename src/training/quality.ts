/**
 * What a run's samples are worth, measured in the worker while it trains:
 *
 * - **Grid diversity** (mode collapse): at every sample step, the mean pairwise SSIM of the
 *   fixed-noise grid within each class, against the same statistic on as many real training
 *   images of that class. A grid whose dissimilarity (1 − SSIM) is under COLLAPSE_RATIO of the
 *   real images' is *collapsed*: the generator draws near-identical images whatever the noise.
 *   The flag waits for COLLAPSE_MIN_STEPS (an untrained generator draws near-constant images).
 * - **Checkpoint quality**: KID (unbiased MMD², cubic kernel) on z-normalised (clipped) radiomics features
 *   of QUALITY_SAMPLES generated images against as many held-out (validation) real images, at
 *   QUALITY_SIDE px at most. The "best" checkpoint is the one with the lowest KID; lower is better.
 *
 * Pure functions over 0..255 bytes, so each rule is tested on its own (quality.test.ts).
 */
import { meanPairwiseSsim } from '../metrics/diversity';
import { kernelInceptionDistance } from '../metrics/distribution/kid';
import { normaliseToReal, radiomicsFeatures } from '../metrics/radiomics';
import type { FeatureMatrix } from '../metrics/types';
import type { CheckpointRef, GridDiversity } from './runTypes';

export const COLLAPSE_RATIO = 0.35;
export const COLLAPSE_MIN_STEPS = 100;
export const QUALITY_SAMPLES = 200;
/** Held-out images a split needs before checkpoints are rated by KID against it (fewer make the estimate noise). */
export const MIN_HELD_OUT = 20;
export const QUALITY_SIDE = 32;
export const QUALITY_METRIC = 'kid';

/** One 0..255 tile per image (`side`² × channels bytes), back to back, with each tile's class. */
export interface TileSet {
  pixels: Uint8Array;
  labels: ArrayLike<number>;
  side: number;
  channels: number;
}

/** Grey 0..255 tiles (the mean of the channels) at `side` px, or at most `maxSide` by box averaging. */
export function greyTiles(tiles: TileSet, maxSide = tiles.side): { pixels: Uint8Array; side: number; count: number } {
  const { side, channels } = tiles;
  const count = tiles.labels.length;
  let factor = 1;
  while (side / factor > maxSide && side % (factor * 2) === 0) factor *= 2;
  const out = side / factor;
  const pixels = new Uint8Array(count * out * out);
  for (let n = 0; n < count; n++) {
    const base = n * side * side * channels;
    for (let y = 0; y < out; y++)
      for (let x = 0; x < out; x++) {
        let sum = 0;
        for (let dy = 0; dy < factor; dy++)
          for (let dx = 0; dx < factor; dx++) {
            const p = base + ((y * factor + dy) * side + x * factor + dx) * channels;
            for (let c = 0; c < channels; c++) sum += tiles.pixels[p + c];
          }
        pixels[n * out * out + y * out + x] = Math.round(sum / (factor * factor * channels));
      }
  }
  return { pixels, side: out, count };
}

/** Mean pairwise SSIM within each class (classes with fewer than two tiles are skipped), averaged over classes. */
export function withinClassSsim(tiles: TileSet): number {
  const grey = greyTiles(tiles);
  const px = grey.side * grey.side;
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < grey.count; i++) byClass.set(tiles.labels[i], [...(byClass.get(tiles.labels[i]) ?? []), i]);
  const means: number[] = [];
  for (const members of byClass.values()) {
    if (members.length < 2) continue;
    const data = new Uint8Array(members.length * px);
    members.forEach((i, k) => data.set(grey.pixels.subarray(i * px, (i + 1) * px), k * px));
    means.push(meanPairwiseSsim({ data, count: members.length, width: grey.side, height: grey.side }, { pairs: 200 }).meanSsim);
  }
  return means.length ? means.reduce((a, b) => a + b, 0) / means.length : NaN;
}

/** The collapse verdict of a fake grid against a real grid of the same classes. */
export function gridDiversity(fake: TileSet, real: TileSet, step: number): GridDiversity {
  const fakeSsim = withinClassSsim(fake);
  const realSsim = withinClassSsim(real);
  return { step, fakeSsim, realSsim, collapsed: isCollapsed(fakeSsim, realSsim, step) };
}

export function isCollapsed(fakeSsim: number, realSsim: number, step: number): boolean {
  if (step < COLLAPSE_MIN_STEPS || !Number.isFinite(fakeSsim) || !Number.isFinite(realSsim)) return false;
  return 1 - fakeSsim < COLLAPSE_RATIO * (1 - realSsim);
}

/** Radiomics features of tiles, grey and at most QUALITY_SIDE px (the feature space of the checkpoint KID). */
export function qualityFeatures(tiles: TileSet): FeatureMatrix {
  const grey = greyTiles(tiles, QUALITY_SIDE);
  return radiomicsFeatures(grey.pixels, grey.side).features;
}

/** z-scores beyond this many real standard deviations count as this far (see qualityKid). */
export const QUALITY_Z_CLIP = 10;

/**
 * KID of fake against real features, both z-normalised with the real set's statistics and clipped
 * to ±QUALITY_Z_CLIP. Without the clip, a feature that barely varies among real images (a tiny std)
 * turns an early generator's far-off value into a z-score of millions, the cubic kernel raises it
 * to the sixth power, and that one feature decides the ranking (KIDs of 1e14 were seen).
 */
export function qualityKid(real: FeatureMatrix, fake: FeatureMatrix): number {
  const { real: r, fake: f } = normaliseToReal(real, fake);
  for (const m of [r, f]) for (let i = 0; i < m.data.length; i++) m.data[i] = Math.max(-QUALITY_Z_CLIP, Math.min(QUALITY_Z_CLIP, m.data[i]));
  return kernelInceptionDistance(r, f, { subsets: 0 }).full;
}

/**
 * The best of some checkpoints: the lowest quality measure (KID) among those measured; the lowest
 * smoothed loss (`score`) only when none was measured (runs stored before quality was measured).
 */
export function chooseBest(candidates: readonly (CheckpointRef | null | undefined)[]): CheckpointRef | null {
  const refs = candidates.filter((c): c is CheckpointRef => !!c);
  const measured = refs.filter((c) => Number.isFinite(c.quality?.value));
  if (measured.length) return measured.reduce((a, b) => (b.quality!.value < a.quality!.value ? b : a));
  const scored = refs.filter((c) => Number.isFinite(c.score));
  return scored.length ? scored.reduce((a, b) => (b.score < a.score ? b : a)) : null;
}
