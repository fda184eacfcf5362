/**
 * Which datasets may stand on which side of a reader study, and why not, in the user's terms. The
 * organiser form offers only what passes and lists the rest with the reason; the API refuses the same
 * (a request from elsewhere gets the same sentence).
 */
import type { DatasetMeta } from '../storage/datasetStore';

type Meta = Pick<DatasetMeta, 'name' | 'width' | 'height' | 'channels' | 'provenance'>;

/** Why a dataset cannot be the real side, or null when it can. */
export function realRefusal(meta: Meta): string | null {
  if (meta.provenance) return `“${meta.name}” is a synthetic set; choose a real dataset for the real images.`;
  if (meta.channels !== 1) return `“${meta.name}” has colour images; reader studies show grey-level images only.`;
  return null;
}

/** Why a dataset cannot be the synthetic side, or null when it can. */
export function syntheticRefusal(meta: Meta): string | null {
  if (!meta.provenance) return `“${meta.name}” carries no synthetic provenance; only sets exported by a generator can be the synthetic side.`;
  if (meta.channels !== 1) return `“${meta.name}” has colour images; reader studies show grey-level images only.`;
  return null;
}

/** Why the two cannot be shown side by side blinded, naming which is which, or null when they can. */
export function pairRefusal(real: Meta, synthetic: Meta): string | null {
  const one = realRefusal(real) ?? syntheticRefusal(synthetic);
  if (one) return one;
  if (real.width !== synthetic.width || real.height !== synthetic.height) {
    return `“${real.name}” holds ${real.width}×${real.height} images and “${synthetic.name}” ${synthetic.width}×${synthetic.height}; a blinded study needs one size (resampling one kind would itself give it away).`;
  }
  return null;
}
