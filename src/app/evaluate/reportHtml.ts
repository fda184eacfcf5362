/**
 * A self-contained, printable HTML page of an evaluation (no scripts, no remote resources), for
 * lab notebooks and supplementary material.
 */
import type { EvaluationRecord } from '../../evaluation/evaluationTypes';
import { reportRows } from './reportRows';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function reportHtml(e: EvaluationRecord): string {
  const rows = reportRows(e)
    .map((r) => `<tr><td>${escape(r.metric)}</td><td>${escape(r.synthetic)}</td><td>${escape(r.floor)}</td></tr>`)
    .join('');
  const audit = e.memorization
    ? (['ssim', 'features'] as const)
        .map((k) => {
          const a = e.memorization![k];
          return `<tr><td>${k === 'ssim' ? 'SSIM' : 'features'}</td><td>${a.threshold.toPrecision(4)}</td><td>${a.flaggedCount}</td><td>${(100 * a.fractionFlagged).toFixed(2)} %</td></tr>`;
        })
        .join('')
    : '';
  const steps = e.overSteps.map((p) => `<tr><td>${p.step}</td><td>${p.frechet.toPrecision(4)}</td><td>${p.kid.toPrecision(4)}</td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Phantom Studio evaluation: ${escape(e.fakeName)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:52rem;margin:2rem auto;color:#111}table{border-collapse:collapse;margin:0.6rem 0 1.2rem}td,th{border:1px solid #bbb;padding:0.25rem 0.6rem;text-align:left}.warn{color:#8a5a00}</style></head>
<body>
<h1>Evaluation of synthetic images</h1>
<p><strong>Synthetic:</strong> ${escape(e.fakeName)} (N = ${e.n.fake})<br><strong>Real:</strong> ${escape(e.realName)}: ${e.n.train} training and ${e.n.validation} held-out images, ${e.resolution} px<br>
<strong>Features:</strong> ${escape(e.main.frechetName)}, ${e.main.dims} dimensions · computed ${new Date(e.createdAt).toISOString()} in ${(e.elapsedMs / 1000).toFixed(1)} s by Phantom Studio, on this device.</p>
${e.warnings.length ? `<ul class="warn">${e.warnings.map((w) => `<li>${escape(w)}</li>`).join('')}</ul>` : ''}
<h2>Distances and coverage</h2>
<table><thead><tr><th>metric</th><th>synthetic vs real training</th><th>floor: held-out real vs training</th></tr></thead><tbody>${rows}</tbody></table>
${steps ? `<h2>Over training steps</h2><table><thead><tr><th>step</th><th>Fréchet</th><th>KID (full set)</th></tr></thead><tbody>${steps}</tbody></table>` : ''}
<h2>Memorisation audit</h2>
${audit ? `<p>A synthetic image is flagged when its nearest training image is closer than the 1st percentile of held-out real images' nearest distances.</p><table><thead><tr><th>distance</th><th>threshold</th><th>flagged</th><th>fraction</th></tr></thead><tbody>${audit}</tbody></table>` : '<p>Not run: the real dataset has no held-out images.</p>'}
</body></html>`;
}
