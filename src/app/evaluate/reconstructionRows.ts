/** The metric table of a reconstruction evaluation, shared by the on-screen view and the printable HTML. */
import type { MetricStat, ReconstructionRecord } from '../../evaluation/evaluationTypes';

export interface ReconstructionRow {
  metric: string;
  help: string;
  /** mean ± std, or why there is no value. */
  value: string;
  n: number | null;
}

const fmt = (v: number, digits: number) => (v === Infinity ? '∞' : Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : '—');

export function formatStat(s: MetricStat, unit = ''): string {
  const suffix = unit ? ` ${unit}` : '';
  if (s.mean === Infinity) return `∞${suffix} (at least one image reconstructed exactly)`;
  return Number.isFinite(s.std) ? `${fmt(s.mean, 4)} ± ${fmt(s.std, 2)}${suffix}` : `${fmt(s.mean, 4)}${suffix}`;
}

export function reconstructionRows(r: ReconstructionRecord): ReconstructionRow[] {
  const m = r.metrics;
  return [
    { metric: 'SSIM', help: 'Structural similarity of each original and its reconstruction (Gaussian window σ 1.5, as scikit-image); 1 is identical.', value: formatStat(m.ssim), n: m.ssim.n },
    m.msSsim
      ? { metric: 'MS-SSIM', help: 'SSIM over five scales (Wang et al. 2003); 1 is identical.', value: formatStat(m.msSsim), n: m.msSsim.n }
      : { metric: 'MS-SSIM', help: 'SSIM over five scales; it needs images of at least 161 px.', value: m.msSsimUnavailable ?? 'not computed', n: null },
    { metric: 'PSNR', help: 'Peak signal-to-noise ratio from each image’s MSE, on a 0–1 scale; higher is closer.', value: formatStat(m.psnr, 'dB'), n: m.psnr.n },
    { metric: 'MSE', help: 'Mean squared error per pixel, intensities on a 0–1 scale.', value: formatStat(m.mse), n: m.mse.n },
    { metric: 'MAE', help: 'Mean absolute error per pixel, intensities on a 0–1 scale.', value: formatStat(m.mae), n: m.mae.n },
  ];
}

/** JSON of a record; infinite and NaN figures are written as strings instead of JSON's silent null. */
export function reconstructionJson(r: ReconstructionRecord): string {
  return JSON.stringify(r, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 1);
}
