/**
 * Fréchet Radiomic Distance: the Fréchet distance between Gaussians fitted to radiomics
 * features, after z-normalising both sets with the real set's mean and std (so the distance is
 * unit-free and every feature counts equally).
 */
import { frechetDistance, type FrechetResult } from '../distribution/frechet';
import { applyZNormalisation, droppedFeatureWarning, fitZNormalisation } from '../normalise';
import type { FeatureMatrix } from '../types';
import { assertFeatureMatrix, assertSameFeatureDims } from '../validate';

export interface NormalisedPair {
  real: FeatureMatrix;
  fake: FeatureMatrix;
  warnings: string[];
}

/** Both sets z-normalised with the real set's statistics (reference-constant features dropped). */
export function normaliseToReal(real: FeatureMatrix, fake: FeatureMatrix, names?: readonly string[]): NormalisedPair {
  assertFeatureMatrix(real, 'real features');
  assertFeatureMatrix(fake, 'fake features');
  assertSameFeatureDims(real, fake);
  const z = fitZNormalisation(real);
  return { real: applyZNormalisation(real, z), fake: applyZNormalisation(fake, z), warnings: droppedFeatureWarning(z, names) };
}

export function frechetRadiomicsDistance(real: FeatureMatrix, fake: FeatureMatrix, names?: readonly string[]): FrechetResult {
  const normalised = normaliseToReal(real, fake, names);
  const result = frechetDistance(normalised.real, normalised.fake);
  return { ...result, warnings: [...normalised.warnings, ...result.warnings] };
}
