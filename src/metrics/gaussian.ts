/**
 * Normalised 1-D Gaussian taps exactly as scipy.ndimage.gaussian_filter builds them
 * (radius = int(truncate * sigma + 0.5)), which is what scikit-image's SSIM uses.
 */
export function gaussianTaps(sigma: number, truncate = 3.5): Float64Array {
  const radius = Math.trunc(truncate * sigma + 0.5);
  const taps = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const w = Math.exp((-0.5 * i * i) / (sigma * sigma));
    taps[i + radius] = w;
    sum += w;
  }
  for (let i = 0; i < taps.length; i++) taps[i] /= sum;
  return taps;
}
