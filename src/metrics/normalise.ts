/**
 * Z-normalisation of feature matrices with the statistics of a reference set (the real or
 * training set), so that no radiomics feature dominates a distance merely by its unit.
 */
import type { FeatureMatrix } from './types';

export interface ZNormalisation {
  /** Columns kept (those that vary in the reference set). */
  kept: Int32Array;
  mean: Float64Array;
  std: Float64Array;
  /** Indices of reference-constant columns, dropped because their z-score is undefined. */
  dropped: number[];
}

/** Column mean and sample std (ddof 1) of the reference; near-constant columns are dropped. */
export function fitZNormalisation(reference: FeatureMatrix): ZNormalisation {
  const { data, rows, cols } = reference;
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] += data[r * cols + c];
  for (let c = 0; c < cols; c++) mean[c] /= rows;
  const variance = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const d = data[r * cols + c] - mean[c];
      variance[c] += d * d;
    }
  }
  const kept: number[] = [];
  const dropped: number[] = [];
  const std = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    std[c] = Math.sqrt(variance[c] / Math.max(1, rows - 1));
    // Relative test: a feature whose spread is round-off of its magnitude is constant.
    if (std[c] > 1e-12 * Math.max(1, Math.abs(mean[c]))) kept.push(c);
    else dropped.push(c);
  }
  return { kept: Int32Array.from(kept), mean, std, dropped };
}

export function applyZNormalisation(m: FeatureMatrix, z: ZNormalisation): FeatureMatrix {
  const cols = z.kept.length;
  const out = new Float64Array(m.rows * cols);
  for (let r = 0; r < m.rows; r++) {
    for (let k = 0; k < cols; k++) {
      const c = z.kept[k];
      out[r * cols + k] = (m.data[r * m.cols + c] - z.mean[c]) / z.std[c];
    }
  }
  return { data: out, rows: m.rows, cols };
}

export function droppedFeatureWarning(z: ZNormalisation, names?: readonly string[]): string[] {
  if (z.dropped.length === 0) return [];
  const shown = z.dropped.slice(0, 5).map((c) => names?.[c] ?? `#${c}`);
  const more = z.dropped.length > 5 ? ` and ${z.dropped.length - 5} more` : '';
  return [`${z.dropped.length} feature(s) constant in the reference set were left out of the normalised space: ${shown.join(', ')}${more}`];
}
