/**
 * The memorisation audit of a synthetic export (likely copies: below both the SSIM and the
 * radiomics threshold, src/metrics/memorization.ts), run over the synthetic images in slices so a
 * 10,000-image export audits each slice as it is generated, streams it to storage, reports
 * progress and can be cancelled between them. Each synthetic image is judged on its own against
 * thresholds set by the held-out images alone, so the slices flag exactly what one pass over the
 * whole set would; the held-out search is repeated per slice, hence slices of at least 500 images
 * and at most about ten of them.
 */
import { applyZNormalisation, auditByFeatures, auditBySsim, fitZNormalisation, radiomicsFeatures, type ImageStack } from '../metrics';
import { combineAudits, type MemorizationSets } from '../metrics/memorization';

export interface SlicedAudit {
  /** Indices of the likely copies among the synthetic images. */
  flagged: Set<number>;
  flaggedBySsim: number;
  flaggedByFeatures: number;
  thresholds: { ssim: number; features: number };
}

/** Images per slice for an export of `total` images: at least 500, about ten slices, and never more than 1,000 images held at once. */
export function auditSliceSize(total: number): number {
  return Math.min(1000, Math.max(500, Math.ceil(total / 10)));
}

/** An audit of one slice of synthetic images at a time, the real images' features computed once. */
export interface SliceAuditor {
  /** Audits `part`; indices in the result are within the part. Adds to the running totals. */
  audit(part: ImageStack): Set<number>;
  readonly totals: SlicedAudit;
}

export function createSliceAuditor(train: ImageStack, validation: ImageStack): SliceAuditor {
  const f = (s: ImageStack) => radiomicsFeatures(s.data, s.width).features;
  const trainF = f(train);
  const z = fitZNormalisation(trainF);
  const trainZ = applyZNormalisation(trainF, z);
  const validationZ = applyZNormalisation(f(validation), z);
  const totals: SlicedAudit = { flagged: new Set(), flaggedBySsim: 0, flaggedByFeatures: 0, thresholds: { ssim: 0, features: 0 } };
  let offset = 0;
  return {
    totals,
    audit(part) {
      const ssim = auditBySsim({ train, validation, synthetic: part });
      const features = auditByFeatures({ train: trainZ, validation: validationZ, synthetic: applyZNormalisation(f(part), z) });
      const flagged = new Set(combineAudits(ssim, features).flagged.map((copy) => copy.synthetic));
      for (const i of flagged) totals.flagged.add(offset + i);
      totals.flaggedBySsim += ssim.flagged.length;
      totals.flaggedByFeatures += features.flagged.length;
      totals.thresholds = { ssim: ssim.threshold, features: features.threshold };
      offset += part.count;
      return flagged;
    },
  };
}

export async function auditInSlices(
  images: MemorizationSets<ImageStack>,
  onSlice: (audited: number) => void | Promise<void>,
  slice = auditSliceSize(images.synthetic.count),
): Promise<SlicedAudit> {
  const { train, validation, synthetic } = images;
  const auditor = createSliceAuditor(train, validation);
  const perImage = synthetic.width * synthetic.height;
  for (let start = 0; start < synthetic.count; start += slice) {
    const n = Math.min(slice, synthetic.count - start);
    auditor.audit({ data: synthetic.data.subarray(start * perImage, (start + n) * perImage), count: n, width: synthetic.width, height: synthetic.height });
    await onSlice(start + n);
  }
  return auditor.totals;
}
