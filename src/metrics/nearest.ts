/**
 * Brute-force k nearest neighbours (Euclidean) from every query row to a reference set, on the
 * same tiled dot-product scan as KID/PRDC. Exact up to the round-off of |x|² + |y|² − 2x·y;
 * callers needing the exact distance of the winner recompute it directly (`exactDistance`).
 */
import { distanceFromDot, scanDotTiles, squaredNorms, toDenseRows } from './distribution/pairwise';
import type { FeatureMatrix } from './types';
import { MetricInputError } from './types';

export interface KNearest {
  k: number;
  /** rows x k reference indices, nearest first. */
  index: Int32Array;
  /** rows x k distances, ascending. */
  distance: Float64Array;
}

export function kNearest(query: FeatureMatrix, reference: FeatureMatrix, k: number): KNearest {
  if (query.cols !== reference.cols) throw new MetricInputError(`nearest neighbours: query has ${query.cols} features, reference has ${reference.cols}`);
  if (!Number.isInteger(k) || k < 1) throw new MetricInputError(`nearest neighbours: k must be a positive integer, got ${k}`);
  const kk = Math.min(k, reference.rows);
  const q = toDenseRows(query);
  const r = toDenseRows(reference);
  const qNorms = squaredNorms(q);
  const rNorms = squaredNorms(r);
  const index = new Int32Array(query.rows * kk).fill(-1);
  const distance = new Float64Array(query.rows * kk).fill(Infinity);
  scanDotTiles(q, r, false, (i0, i1, j0, j1, dots, stride) => {
    for (let i = i0; i < i1; i++) {
      const base = i * kk;
      const row = (i - i0) * stride - j0;
      for (let j = j0; j < j1; j++) {
        const d = distanceFromDot(qNorms[i], rNorms[j], dots[row + j]);
        if (d >= distance[base + kk - 1]) continue;
        let p = kk - 1;
        while (p > 0 && distance[base + p - 1] > d) {
          distance[base + p] = distance[base + p - 1];
          index[base + p] = index[base + p - 1];
          p--;
        }
        distance[base + p] = d;
        index[base + p] = j;
      }
    }
  });
  return { k: kk, index, distance };
}

export function exactDistance(a: FeatureMatrix, i: number, b: FeatureMatrix, j: number): number {
  let s = 0;
  for (let c = 0; c < a.cols; c++) {
    const d = a.data[i * a.cols + c] - b.data[j * b.cols + c];
    s += d * d;
  }
  return Math.sqrt(s);
}
