/**
 * Precision, recall, density and coverage (Naeem et al. 2020, "Reliable Fidelity and Diversity
 * Metrics for Generative Models"), Euclidean k-NN balls with the sample itself excluded.
 */
import type { FeatureMatrix, ResultNotes } from '../types';
import { MetricInputError } from '../types';
import { assertFeatureMatrix, assertSameFeatureDims } from '../validate';
import { NearestNeighbourRadii, PrdcCross } from './accumulators';
import { sampleSizeWarnings } from './notes';
import { scanDotTiles, squaredNorms, toDenseRows, type DenseRows } from './pairwise';

export interface PrdcResult extends ResultNotes {
  k: number;
  precision: number;
  recall: number;
  density: number;
  coverage: number;
}

export const DEFAULT_PRDC_K = 5;

export function assertPrdcInput(real: FeatureMatrix, fake: FeatureMatrix, k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new MetricInputError(`PRDC k must be a positive integer, got ${k}`);
  for (const [name, m] of [['real', real], ['fake', fake]] as const) {
    if (m.rows <= k) throw new MetricInputError(`PRDC with k=${k} needs more than ${k} ${name} samples, got ${m.rows}`);
  }
}

/** Squared distance from each row to its k-th nearest other row. */
export function kNearestSquaredRadii(rows: DenseRows, norms: Float64Array, k: number): Float64Array {
  const knn = new NearestNeighbourRadii(norms, k);
  scanDotTiles(rows, rows, true, knn.visit);
  return knn.squaredRadii();
}

/** `realRadii` are squared, like the distances PrdcCross keeps. */
export function summarisePrdc(cross: PrdcCross, realRadii: Float64Array, k: number): Omit<PrdcResult, 'n' | 'warnings'> {
  const nFake = cross.realBallsHit.length;
  const nReal = realRadii.length;
  let precisionHits = 0;
  let densityHits = 0;
  for (let j = 0; j < nFake; j++) {
    if (cross.realBallsHit[j] > 0) precisionHits++;
    densityHits += cross.realBallsHit[j];
  }
  let recallHits = 0;
  let covered = 0;
  for (let i = 0; i < nReal; i++) {
    recallHits += cross.insideFakeBall[i];
    if (cross.nearestFake[i] < realRadii[i]) covered++;
  }
  return {
    k,
    precision: precisionHits / nFake,
    recall: recallHits / nReal,
    density: densityHits / (k * nFake),
    coverage: covered / nReal,
  };
}

export function prdc(real: FeatureMatrix, fake: FeatureMatrix, options: { k?: number } = {}): PrdcResult {
  const k = options.k ?? DEFAULT_PRDC_K;
  assertFeatureMatrix(real, 'real features');
  assertFeatureMatrix(fake, 'fake features');
  assertSameFeatureDims(real, fake);
  assertPrdcInput(real, fake, k);
  const r = toDenseRows(real);
  const f = toDenseRows(fake);
  const realNorms = squaredNorms(r);
  const fakeNorms = squaredNorms(f);
  const realRadii = kNearestSquaredRadii(r, realNorms, k);
  const fakeRadii = kNearestSquaredRadii(f, fakeNorms, k);
  const cross = new PrdcCross(realNorms, fakeNorms, realRadii, fakeRadii);
  scanDotTiles(r, f, false, cross.visit);
  const n = { real: real.rows, fake: fake.rows };
  return { ...summarisePrdc(cross, realRadii, k), n, warnings: sampleSizeWarnings(n) };
}
