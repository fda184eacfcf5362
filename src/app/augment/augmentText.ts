/** Short descriptions of an experiment's settings, for the report's header line. */
import type { AugmentReport } from '../../augment/augmentTypes';

export function describeMix(r: Pick<AugmentReport, 'request' | 'classNames'>): string {
  const { mix, rare } = r.request;
  if (rare) return `rare-class mode: “${r.classNames[rare.classIndex]}” cut to ${Math.round(rare.fraction * 100)} % of its real training images, then topped up with synthetic ones`;
  if (!r.request.syntheticDatasetId) return 'real images only';
  if (mix.kind === 'ratio') return `B adds ${mix.ratio} synthetic image${mix.ratio === 1 ? '' : 's'} per real training image`;
  if (mix.kind === 'top-up') return `B tops up “${r.classNames[mix.classIndex]}” to the largest class`;
  return 'B balances the classes with synthetic images';
}
