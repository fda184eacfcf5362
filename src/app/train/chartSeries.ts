/**
 * How a metric chart draws a series. Most series have a value in every row; some are sparse (KID:
 * one value per checkpoint), so the newest row often lacks them (the caption then reads the
 * series' newest value, compareRuns.lastValue).
 */

/**
 * Whether a series is drawn with dots: a sparse one (values in at most half the rows, like KID) or
 * one of under three values. A lone value draws no line at all, so a run's first KID showed nothing.
 */
export function showsDots(values: readonly (number | null | undefined)[]): boolean {
  let count = 0;
  for (const v of values) if (v !== null && v !== undefined && Number.isFinite(v)) count++;
  return count < 3 || count * 2 <= values.length;
}
