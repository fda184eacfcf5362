/** Summaries of step times. Pure, so the driver and the page agree on what "median" means. */
import type { StepStats } from './types';

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('src/bench/stats.ts: median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** null for no values: a job that measured nothing has no statistics rather than zeros. */
export function stepStats(times: readonly number[]): StepStats | null {
  if (times.length === 0) return null;
  const total = times.reduce((a, b) => a + b, 0);
  return { count: times.length, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), meanMs: total / times.length };
}

/**
 * Throughput from the summed step time, not the median: WGAN-GP's steps are bimodal (a G update
 * every nCritic-th step), and images/s must count the slow steps too.
 */
export function imagesPerSecond(batchSize: number, times: readonly number[]): number | null {
  const total = times.reduce((a, b) => a + b, 0);
  return times.length === 0 || total <= 0 ? null : (batchSize * times.length * 1000) / total;
}
