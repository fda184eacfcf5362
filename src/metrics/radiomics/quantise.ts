/**
 * Grey-level discretisation for texture matrices. Levels are 0..levels-1 here; pyradiomics'
 * formulas number grey levels from 1, which the texture modules add where it matters.
 */
import type { FloatArray } from '../types';

/** Fixed range [lo, hi): level = floor((v - lo) / (hi - lo) * levels), clipped. floor(v*32/256) for bytes. */
export function quantiseFixed(values: FloatArray | Uint8Array, lo: number, hi: number, levels: number, out: Uint8Array = new Uint8Array(values.length)): Uint8Array {
  const scale = levels / (hi - lo);
  const top = levels - 1;
  for (let i = 0; i < values.length; i++) {
    // +1e-5 level: an 8-bit value stored as float32 v/255 lands up to ~2e-6 below its exact bin
    // edge; without the nudge it would fall one level lower than the same byte does.
    const q = Math.floor((values[i] - lo) * scale + 1e-5);
    out[i] = q < 0 ? 0 : q > top ? top : q;
  }
  return out;
}

/**
 * Per-image min..max into `levels` equal bins (pyradiomics' binCount mode), for filter
 * responses whose range differs from image to image. A flat image maps to level 0.
 */
export function quantiseMinMax(values: FloatArray, levels: number, out: Uint8Array = new Uint8Array(values.length)): Uint8Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) return out.fill(0);
  return quantiseFixed(values, lo, hi, levels, out);
}
