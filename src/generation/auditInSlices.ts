/**
 * The memorisation audit of a synthetic export (likely copies: below both the SSIM and the
 * radiomics threshold, src/metrics/memorization.ts), run over the synthetic images in slices so a
 * 10,000-image export reports progress and can be cancelled between them. Each synthetic image is
 * judged on its own against thresholds set by the held-out images alone, so the slices flag
 * exactly what one pass over the whole set would; the held-out search is repeated per slice,
 * hence slices of at least 500 images and at most about ten of them.
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

export async function auditInSlices(
  images: MemorizationSets<ImageStack>,
  onSlice: (audited: number) => void | Promise<void>,
  slice = Math.max(500, Math.ceil(images.synthetic.count / 10)),
): Promise<SlicedAudit> {
  const { train, validation, synthetic } = images;
  const f = (s: ImageStack) => radiomicsFeatures(s.data, s.width).features;
  const trainF = f(train);
  const z = fitZNormalisation(trainF);
  const trainZ = applyZNormalisation(trainF, z);
  const validationZ = applyZNormalisation(f(validation), z);
  const perImage = synthetic.width * synthetic.height;
  const result: SlicedAudit = { flagged: new Set(), flaggedBySsim: 0, flaggedByFeatures: 0, thresholds: { ssim: 0, features: 0 } };
  for (let start = 0; start < synthetic.count; start += slice) {
    const n = Math.min(slice, synthetic.count - start);
    const part: ImageStack = { data: synthetic.data.subarray(start * perImage, (start + n) * perImage), count: n, width: synthetic.width, height: synthetic.height };
    const ssim = auditBySsim({ train, validation, synthetic: part });
    const features = auditByFeatures({ train: trainZ, validation: validationZ, synthetic: applyZNormalisation(f(part), z) });
    for (const copy of combineAudits(ssim, features).flagged) result.flagged.add(start + copy.synthetic);
    result.flaggedBySsim += ssim.flagged.length;
    result.flaggedByFeatures += features.flagged.length;
    result.thresholds = { ssim: ssim.threshold, features: features.threshold };
    await onSlice(start + n);
  }
  return result;
}
