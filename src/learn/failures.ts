/**
 * Naming a training failure when the numbers show one: the classroom's callouts. Pure functions
 * over read-back numbers and 0..255 grids, so each rule is tested on its own.
 *
 * The rules and their thresholds:
 * - **The discriminator wins**: D's loss (real + fake BCE) averaged over the last readings is
 *   under 0.1 (two near-perfect verdicts: log 2 · 2 ≈ 1.39 is a coin flip), or D gives real images
 *   > 0.9 and fakes < 0.1 on average. G's gradient then vanishes and it stops learning.
 * - **Mode collapse**: the generator's grid is far less varied than the real grid: its mean
 *   pairwise distance (RMS pixel difference between every pair of tiles) is under 35 % of the
 *   real grid's. Its mean pairwise similarity (1 − distance) is reported with it.
 * - **Posterior collapse**: the VAE's KL summed over latent dimensions is under 0.5 nats per
 *   image (the codes carry almost nothing about the image, so every sample decodes alike), or
 *   at most one dimension is active (KL > 0.05).
 * - **Missing modes** (the 2-D view): the generator's points cover fewer of the toy data's modes
 *   (clusters, or arcs of the circle) than the data has (toy2d.ts modeCoverage counts them).
 * - **Divergence**: a loss is not a finite number.
 * Rules wait for a warm-up: an untrained VAE has not yet chosen its codes (`MIN_STEPS`), and a
 * GAN's first hundred-odd steps are normally won by D while G still draws near-uniform grey, which
 * would read as both failures (`MIN_GAN_STEPS`, measured in the studio: at step 40 of a balanced
 * run at 64 px, lossD ≈ 0.07 and the grid is uniform grey, yet the run recovers).
 */

export type FailureId = 'discriminator-wins' | 'mode-collapse' | 'missing-modes' | 'posterior-collapse' | 'diverged';

export interface Failure {
  id: FailureId;
  model: 'gan' | 'vae' | 'toy';
  title: string;
  /** One plain sentence: what the numbers show and what it means. */
  detail: string;
}

export const MIN_STEPS = 30;
export const MIN_GAN_STEPS = 200;
export const LOSS_D_NEAR_ZERO = 0.1;
export const COLLAPSE_RATIO = 0.35;
export const KL_NEAR_ZERO = 0.5;
export const ACTIVE_DIMENSION_KL = 0.05;

/**
 * Mean RMS difference over every pair of the `count` tiles of a grid (0..255 pixels, tiles of
 * `tileSize` values each, back to back), on a 0..1 scale: 0 when every tile is the same.
 */
export function meanPairwiseDistance(pixels: Uint8Array, count: number, tileSize: number): number {
  if (count < 2) throw new Error(`learn/failures: a diversity needs at least two tiles, got ${count}`);
  if (pixels.length < count * tileSize) throw new Error(`learn/failures: ${pixels.length} pixels for ${count} tiles of ${tileSize}`);
  let total = 0;
  let pairs = 0;
  for (let a = 0; a < count; a++) {
    for (let b = a + 1; b < count; b++) {
      let sum = 0;
      for (let p = 0; p < tileSize; p++) {
        const d = (pixels[a * tileSize + p] - pixels[b * tileSize + p]) / 255;
        sum += d * d;
      }
      total += Math.sqrt(sum / tileSize);
      pairs++;
    }
  }
  return total / pairs;
}

/** Mean pairwise similarity of a grid: 1 − meanPairwiseDistance (1 = every tile identical). */
export function meanPairwiseSimilarity(pixels: Uint8Array, count: number, tileSize: number): number {
  return 1 - meanPairwiseDistance(pixels, count, tileSize);
}

/** The mean of each named metric over the last `n` rows (missing or non-finite values make NaN). */
export function recentMean(rows: readonly Record<string, number>[], name: string, n = 5): number {
  const last = rows.slice(-n);
  if (!last.length) return NaN;
  return last.reduce((s, r) => s + (r[name] ?? NaN), 0) / last.length;
}

export interface GanEvidence {
  /** GAN updates so far. */
  steps: number;
  /** Recent metric readings, oldest first (lossD, lossG, dReal, dFake…). */
  rows: readonly Record<string, number>[];
  /** Mean pairwise distance of the generated grid and of the real grid (meanPairwiseDistance). */
  fakeDistance: number;
  realDistance: number;
}

export function ganFailures(e: GanEvidence, model: 'gan' | 'toy' = 'gan'): Failure[] {
  const out: Failure[] = [];
  const last = e.rows[e.rows.length - 1];
  if (last && (!Number.isFinite(last.lossD) || !Number.isFinite(last.lossG)))
    return [{ id: 'diverged', model, title: 'Training diverged', detail: 'A loss is no longer a number: the weights blew up. Restart with smaller learning rates.' }];
  if (e.steps < MIN_GAN_STEPS || e.rows.length === 0) return out;
  const lossD = recentMean(e.rows, 'lossD');
  const dReal = recentMean(e.rows, 'dReal');
  const dFake = recentMean(e.rows, 'dFake');
  if (lossD < LOSS_D_NEAR_ZERO || (dReal > 0.9 && dFake < 0.1))
    out.push({
      id: 'discriminator-wins',
      model,
      title: 'The discriminator wins',
      detail: `D's loss is ${lossD.toFixed(3)} (near 0) and it scores real images ${dReal.toFixed(2)}, fakes ${dFake.toFixed(2)}: it tells them apart perfectly and learns faster than the generator can follow, so the samples stop improving.`,
    });
  if (Number.isFinite(e.fakeDistance) && e.realDistance > 0 && e.fakeDistance < COLLAPSE_RATIO * e.realDistance) {
    const measured = `The generated samples are nearly alike: they differ by ${(100 * e.fakeDistance).toFixed(1)} % on average against ${(100 * e.realDistance).toFixed(1)} % for real images (${Math.round((100 * e.fakeDistance) / e.realDistance)} %).`;
    const why = out.length
      ? 'With D winning, the generator never learnt to vary its output.'
      : 'The generator found a few outputs that fool D and repeats them, whatever the noise.';
    out.push({ id: 'mode-collapse', model, title: 'Mode collapse', detail: `${measured} ${why}` });
  }
  return out;
}

export interface VaeEvidence {
  steps: number;
  rows: readonly Record<string, number>[];
  /** KL of each latent dimension on the shown images (nats). */
  klPerDimension: readonly number[];
}

export function vaeFailures(e: VaeEvidence): Failure[] {
  const last = e.rows[e.rows.length - 1];
  if (last && (!Number.isFinite(last.loss) || !Number.isFinite(last.kl)))
    return [{ id: 'diverged', model: 'vae', title: 'Training diverged', detail: 'A loss is no longer a number: the weights blew up. Restart with a smaller learning rate.' }];
  if (e.steps < MIN_STEPS || !e.klPerDimension.length) return [];
  const total = e.klPerDimension.reduce((a, b) => a + b, 0);
  const active = e.klPerDimension.filter((k) => k > ACTIVE_DIMENSION_KL).length;
  if (total < KL_NEAR_ZERO || active <= 1)
    return [
      {
        id: 'posterior-collapse',
        model: 'vae',
        title: 'Posterior collapse',
        detail: `The codes carry almost nothing: KL is ${total.toFixed(2)} nats over ${e.klPerDimension.length} dimensions, ${active} of them in use. The decoder ignores the code and draws one average image, so reconstructions and samples all look alike.`,
      },
    ];
  return [];
}

/** The 2-D GAN's coverage of its data's modes, as a callout when it misses some (after the warm-up). */
export function toyModeFailure(updates: number, modes: { covered: number; total: number; unit: string; offMode: number }): Failure[] {
  if (updates < MIN_GAN_STEPS || modes.covered >= modes.total) return [];
  const plural = (k: number) => `${k} ${modes.unit}${k === 1 ? '' : 's'}`;
  const stray = modes.offMode >= 0.5 ? ` ${Math.round(100 * modes.offMode)} % of its points lie between them.` : '';
  const detail =
    modes.covered === 0
      ? `None of the ${plural(modes.total)} of real data gets its share of the generator's points yet.${stray}`
      : `The generator covers ${modes.covered} of the ${plural(modes.total)} of real data: it draws only some kinds of point and misses the other ${plural(modes.total - modes.covered)}. This is mode collapse, seen in 2-D.${stray}`;
  return [{ id: 'missing-modes', model: 'toy', title: `${modes.covered} of ${modes.total} modes covered`, detail }];
}
