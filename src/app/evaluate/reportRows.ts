/** The metric table of an evaluation, shared by the on-screen report and the printable HTML. */
import type { EvaluationRecord } from '../../evaluation/evaluationTypes';
import type { MetricsReport } from '../../metrics/report';

export interface ReportRow {
  metric: string;
  help: string;
  synthetic: string;
  floor: string;
}

const fmt = (v: number | undefined | null, digits = 4) => (v === undefined || v === null || !Number.isFinite(v) ? '—' : Number(v.toPrecision(digits)).toString());
/** KID values are small (10⁻³ is typical), so the table shows them × 10³. */
export const KID_SCALE = 1000;
const kid = (r: MetricsReport | null) => {
  if (!r) return '—';
  const s = r.distribution.kid.subsets;
  return s ? `${fmt(s.mean * KID_SCALE, 3)} ± ${fmt(s.std * KID_SCALE, 2)}` : fmt(r.distribution.kid.full * KID_SCALE, 3);
};

/**
 * A plain-words reading of the within-set similarity (mean pairwise SSIM): higher means the images
 * are more alike, so less diverse. null when the evaluation has no diversity figures.
 */
export function diversityVerdict(e: EvaluationRecord): string | null {
  const d = e.main.diversity;
  if (!d || !Number.isFinite(d.fake.meanSsim) || !Number.isFinite(d.real.meanSsim)) return null;
  const f = d.fake.meanSsim;
  const r = d.real.meanSsim;
  const figures = `mean pairwise SSIM ${fmt(f, 3)} synthetic vs ${fmt(r, 3)} real`;
  if (Math.abs(f - r) < 0.02) return `Diversity: the synthetic images are about as varied as the real ones (${figures}).`;
  if (f > r) {
    const collapse = f - r > 0.15 ? '; far more alike, a sign of mode collapse' : '';
    return `Diversity: the synthetic images are more alike than the real ones, so less diverse (${figures}${collapse}).`;
  }
  return `Diversity: the synthetic images are less alike than the real ones, so more varied (${figures}); more variety than the real set can also be noise or artefacts.`;
}

export function reportRows(e: EvaluationRecord): ReportRow[] {
  const m = e.main;
  const b = e.baseline;
  return [
    { metric: m.frechetName, help: 'Fréchet distance between Gaussians fitted to the features; lower is closer. The floor is real vs real.', synthetic: fmt(m.distribution.frechet.value), floor: fmt(b?.distribution.frechet.value) },
    { metric: 'KID × 10³ (mean ± std over subsets)', help: 'Unbiased kernel distance (cubic polynomial kernel), shown × 1000; near 0 for one distribution, less biased than Fréchet at small N. Compare it with the floor: held-out real images against the training images.', synthetic: kid(m), floor: kid(b) },
    { metric: `Precision (k = ${m.distribution.prdc.k})`, help: 'Share of synthetic images inside the real manifold: realism.', synthetic: fmt(m.distribution.prdc.precision, 3), floor: fmt(b?.distribution.prdc.precision, 3) },
    { metric: 'Recall', help: 'Share of real images inside the synthetic manifold: how much of the real variety is covered.', synthetic: fmt(m.distribution.prdc.recall, 3), floor: fmt(b?.distribution.prdc.recall, 3) },
    { metric: 'Density', help: 'Like precision, counting how many real neighbourhoods contain each sample; about 1 for matching distributions.', synthetic: fmt(m.distribution.prdc.density, 3), floor: fmt(b?.distribution.prdc.density, 3) },
    { metric: 'Coverage', help: 'Share of real neighbourhoods that contain at least one synthetic sample; robust to outliers.', synthetic: fmt(m.distribution.prdc.coverage, 3), floor: fmt(b?.distribution.prdc.coverage, 3) },
    { metric: 'Similarity within the set (mean pairwise SSIM; lower = more diverse)', help: 'How alike the images of one set are to each other (the floor column is the real set). Higher means less diverse; far above the real figure signals mode collapse.', synthetic: fmt(m.diversity?.fake.meanSsim, 3), floor: fmt(m.diversity?.real.meanSsim, 3) },
  ];
}

/**
 * The exported JSON: the stored record as it is (raw KID, unscaled), plus the table as shown
 * (KID × 10³ beside its real-vs-real floor) and the diversity reading, so a reader of the file
 * sees the same figures as the screen.
 */
export function reportJson(e: EvaluationRecord): string {
  return JSON.stringify({ ...e, table: { kidScale: KID_SCALE, rows: reportRows(e) }, diversityVerdict: diversityVerdict(e) }, null, 1);
}
