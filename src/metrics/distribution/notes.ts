/** Shared caveats attached to distribution-level results. */
import type { SampleSizes } from '../types';

/** Below this many samples per set, FID/KID/PRDC are known to be strongly biased or noisy. */
export const SMALL_SAMPLE_WARNING_THRESHOLD = 500;

export function sampleSizeWarnings(n: SampleSizes): string[] {
  const warnings: string[] = [];
  for (const side of ['real', 'fake'] as const) {
    if (n[side] < SMALL_SAMPLE_WARNING_THRESHOLD) {
      warnings.push(`${side} set has ${n[side]} samples (< ${SMALL_SAMPLE_WARNING_THRESHOLD}): estimate is biased and noisy; compare only at equal N`);
    }
  }
  return warnings;
}
