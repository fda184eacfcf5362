/**
 * The resolutions the DCGAN-family networks (DCGAN, WGAN-GP, the VAE) can build: a 4 or 7 px map
 * doubled at least once, up to 256. Kept free of tfjs so config validation (which the UI bundle
 * imports) can check a resolution without loading the networks.
 */

/** Spatial size of the first (generator) / last (discriminator) feature map and the number of 2× steps; null when unsupported. */
export function pyramidOf(resolution: number): { start: number; steps: number } | null {
  const start = resolution % 7 === 0 ? 7 : 4;
  const steps = Math.log2(resolution / start);
  return Number.isInteger(steps) && steps >= 1 && resolution <= 256 ? { start, steps } : null;
}

export const PYRAMID_RESOLUTIONS_HINT = 'use 28, 32, 64, 128 or 256';
