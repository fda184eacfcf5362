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
const kid = (r: MetricsReport | null) => {
  if (!r) return '—';
  const s = r.distribution.kid.subsets;
  return s ? `${fmt(s.mean)} ± ${fmt(s.std, 2)}` : fmt(r.distribution.kid.full);
};

export function reportRows(e: EvaluationRecord): ReportRow[] {
  const m = e.main;
  const b = e.baseline;
  return [
    { metric: m.frechetName, help: 'Fréchet distance between Gaussians fitted to the features; lower is closer. The floor is real vs real.', synthetic: fmt(m.distribution.frechet.value), floor: fmt(b?.distribution.frechet.value) },
    { metric: 'KID (mean ± std over subsets)', help: 'Unbiased kernel distance (cubic polynomial kernel); near 0 for one distribution, less biased than Fréchet at small N.', synthetic: kid(m), floor: kid(b) },
    { metric: `Precision (k = ${m.distribution.prdc.k})`, help: 'Share of synthetic images inside the real manifold: realism.', synthetic: fmt(m.distribution.prdc.precision, 3), floor: fmt(b?.distribution.prdc.precision, 3) },
    { metric: 'Recall', help: 'Share of real images inside the synthetic manifold: how much of the real variety is covered.', synthetic: fmt(m.distribution.prdc.recall, 3), floor: fmt(b?.distribution.prdc.recall, 3) },
    { metric: 'Density', help: 'Like precision, counting how many real neighbourhoods contain each sample; about 1 for matching distributions.', synthetic: fmt(m.distribution.prdc.density, 3), floor: fmt(b?.distribution.prdc.density, 3) },
    { metric: 'Coverage', help: 'Share of real neighbourhoods that contain at least one synthetic sample; robust to outliers.', synthetic: fmt(m.distribution.prdc.coverage, 3), floor: fmt(b?.distribution.prdc.coverage, 3) },
    { metric: 'Mean pairwise SSIM (diversity)', help: 'Similarity among images of one set; far above the real figure signals mode collapse.', synthetic: fmt(m.diversity?.fake.meanSsim, 3), floor: fmt(m.diversity?.real.meanSsim, 3) },
  ];
}
