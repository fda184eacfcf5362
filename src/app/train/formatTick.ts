/**
 * Axis tick labels for the training charts: three significant digits, exponents for very small or
 * large values. uPlot hands null for ticks it could not place (an axis whose series has no finite
 * value yet, e.g. a chart opened before the first readback), which must render as no label.
 */
export function formatTick(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a < 0.01 || a >= 1e5 ? v.toExponential(0) : Number(v.toPrecision(3)).toString();
}
