/**
 * A self-contained, printable HTML page of an evaluation (no scripts, no remote resources), for
 * lab notebooks and supplementary material.
 */
import type { EvaluationRecord, ReconstructionRecord } from '../../evaluation/evaluationTypes';
import { diversityVerdict, KID_SCALE, reportRows } from './reportRows';
import { reconstructionRows } from './reconstructionRows';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `<style>body{font:14px/1.45 system-ui,sans-serif;max-width:52rem;margin:2rem auto;color:#111}table{border-collapse:collapse;margin:0.6rem 0 1.2rem}td,th{border:1px solid #bbb;padding:0.25rem 0.6rem;text-align:left}.warn{color:#8a5a00}</style>`;

export function reportHtml(e: EvaluationRecord): string {
  const rows = reportRows(e)
    .map((r) => `<tr><td>${escape(r.metric)}</td><td>${escape(r.synthetic)}</td><td>${escape(r.floor)}</td></tr>`)
    .join('');
  const memo = e.memorization;
  const percent = (f: number) => `${(100 * f).toFixed(2)} %`;
  const threshold = (v: number) => Number(v.toPrecision(4)).toString();
  const likely = memo?.likelyCopies;
  const audit = memo
    ? [
        likely
          ? `<tr><th>likely copies: below both thresholds</th><td>1 − SSIM ${threshold(likely.thresholds.ssim)}, features ${threshold(likely.thresholds.features)}</td><td>${likely.flaggedCount}</td><td>${percent(likely.fractionFlagged)}</td><td>${percent(likely.validationFractionFlagged)}</td></tr>`
          : `<tr><th>likely copies</th><td colspan="4">not counted: this evaluation was stored before the combined rule</td></tr>`,
        ...(['ssim', 'features'] as const).map((k) => {
          const a = memo[k];
          return `<tr><td>${k === 'ssim' ? 'SSIM alone (1 − SSIM)' : 'features alone'}</td><td>${threshold(a.threshold)}</td><td>${a.flaggedCount}</td><td>${percent(a.fractionFlagged)}</td><td>≤ ${a.percentile} % by construction</td></tr>`;
        }),
      ].join('')
    : '';
  const steps = e.overSteps.map((p) => `<tr><td>${p.step}</td><td>${p.frechet.toPrecision(4)}</td><td>${(p.kid * KID_SCALE).toPrecision(4)}</td></tr>`).join('');
  const verdict = diversityVerdict(e);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Phantom Studio evaluation: ${escape(e.fakeName)}</title>
${STYLE}</head>
<body>
<h1>Evaluation of synthetic images</h1>
<p><strong>Synthetic:</strong> ${escape(e.fakeName)} (N = ${e.n.fake})<br><strong>Real:</strong> ${escape(e.realName)}: ${e.n.train} training and ${e.n.validation} held-out images, ${e.resolution} px<br>
<strong>Features:</strong> ${escape(e.main.frechetName)}, ${e.main.dims} dimensions · computed ${new Date(e.createdAt).toISOString()} in ${(e.elapsedMs / 1000).toFixed(1)} s by Phantom Studio, on this device.</p>
${e.warnings.length ? `<ul class="warn">${e.warnings.map((w) => `<li>${escape(w)}</li>`).join('')}</ul>` : ''}
<h2>Distances and coverage</h2>
<table><thead><tr><th>metric</th><th>synthetic vs real training</th><th>floor: held-out real vs training</th></tr></thead><tbody>${rows}</tbody></table>
${verdict ? `<p>${escape(verdict)}</p>` : ''}
${steps ? `<h2>Over training steps</h2><table><thead><tr><th>step</th><th>Fréchet</th><th>KID × 10³ (full set)</th></tr></thead><tbody>${steps}</tbody></table>` : ''}
<h2>Memorisation audit</h2>
${audit ? `<p>Each synthetic image's nearest training image is found by SSIM and by feature distance; each criterion's threshold is the 1st percentile of held-out real images' nearest distances. A synthetic image is a <strong>likely copy</strong> when it is below both thresholds (the headline); each criterion alone flags about 1 % of new images by construction.</p><table><thead><tr><th>rule</th><th>threshold</th><th>flagged (of ${e.n.fake})</th><th>fraction</th><th>held-out real flagged</th></tr></thead><tbody>${audit}</tbody></table>` : '<p>Not run: the real dataset has no held-out images.</p>'}
</body></html>`;
}

/** The printable page of a reconstruction evaluation: each paired metric as mean ± std with N. */
export function reconstructionReportHtml(r: ReconstructionRecord): string {
  const rows = reconstructionRows(r)
    .map((row) => `<tr><td>${escape(row.metric)}</td><td>${escape(row.value)}</td><td>${row.n ?? '—'}</td></tr>`)
    .join('');
  const source = r.source === 'validation' ? 'held-out (validation) images' : 'images of every split, training ones included';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Phantom Studio reconstruction: ${escape(r.runName)}</title>
${STYLE}</head>
<body>
<h1>Reconstruction by a VAE</h1>
<p><strong>Model:</strong> ${escape(r.runName)} at step ${r.step} (${r.request.checkpoint} checkpoint)<br><strong>Real:</strong> ${r.n} ${source} of ${escape(r.datasetName)}, ${r.resolution} px, ${r.channels === 1 ? 'grey' : 'colour'}<br>
Each image is encoded to its posterior mean and decoded; the reconstruction is rounded to 8 bits and compared with the original on a 0–1 intensity scale${r.channels === 3 ? ' (SSIM and MS-SSIM averaged over the colour channels)' : ''}. Mean ± sample standard deviation over the images · computed ${new Date(r.createdAt).toISOString()} in ${(r.elapsedMs / 1000).toFixed(1)} s by Phantom Studio, on this device.</p>
${r.warnings.length ? `<ul class="warn">${r.warnings.map((w) => `<li>${escape(w)}</li>`).join('')}</ul>` : ''}
<table><thead><tr><th>metric</th><th>mean ± std</th><th>N</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>`;
}
