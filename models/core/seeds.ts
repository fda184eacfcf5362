/**
 * Every random draw in a model is a pure function of (config.seed, step, purpose), so a run is
 * reproducible and a resumed run draws exactly what the uninterrupted run would have drawn,
 * with no generator state to save.
 */
import { deriveSeed } from './random';

/** Purposes of per-step draws; distinct constants keep their streams independent. */
export const SeedPurpose = {
  latent: 1,
  generatorLatent: 2,
  interpolation: 3,
  augmentReal: 4,
  augmentFake: 5,
  augmentGenerator: 6,
  reparameterisation: 7,
  diffusionTimestep: 8,
  diffusionNoise: 9,
  labelDropout: 10,
} as const;

/** FNV-1a, to give each named parameter its own init stream independent of creation order. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A seed for tf.random* ops. tfjs treats seed 0 as "unseeded" (Math.random), so the result is
 * kept in [1, 2^31 − 1].
 */
export function tfSeed(raw: number): number {
  return (raw % 0x7ffffffe) + 1;
}

export function stepSeed(seed: number, step: number, purpose: number): number {
  return tfSeed(deriveSeed(deriveSeed(seed, step), purpose));
}

export function paramSeed(seed: number, name: string): number {
  return tfSeed(deriveSeed(seed, hashName(name)));
}
