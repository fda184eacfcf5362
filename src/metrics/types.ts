/**
 * Boundary types of the evaluation core. Plain data only, so every value can cross a comlink
 * boundary (structured clone) between a metrics worker and the UI.
 */

export type FloatArray = Float32Array | Float64Array;

/** One grey image, row-major, intensities on a known data range (usually [0, 1]). */
export interface GreyImage {
  data: FloatArray;
  width: number;
  height: number;
}

/** A stack of same-sized grey images, row-major, image after image. */
export interface ImageStack {
  data: FloatArray | Uint8Array;
  count: number;
  width: number;
  height: number;
}

/** N samples × D features, row-major. */
export interface FeatureMatrix {
  data: FloatArray;
  rows: number;
  cols: number;
}

/** Every distribution-level result says how many samples it rests on and what to distrust. */
export interface SampleSizes {
  real: number;
  fake: number;
}

export interface ResultNotes {
  n: SampleSizes;
  warnings: string[];
}

/** Thrown when a metric is not defined for its input (too small images, too few samples). */
export class MetricInputError extends Error {
  override name = 'MetricInputError';
}
