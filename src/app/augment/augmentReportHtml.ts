/**
 * A self-contained, printable HTML page of an augment experiment (no scripts, no remote resources):
 * the verdict, the tables, the bar charts and ROC curves, the confusion matrices and the warnings.
 */
import type { AugmentReport } from '../../augment/augmentTypes';
import { HEADLINE_METRICS } from '../../augment/augmentTypes';
import { barChartSvg, legendHtml, rocSvg } from './augmentCharts';
import { comparisonRows, perClassRows, summaryRows, trainingRows, type Row } from './augmentRows';
import { describeMix } from './augmentText';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const STYLE = `<style>body{font:14px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#111}table{border-collapse:collapse;margin:0.6rem 0 1.2rem}td,th{border:1px solid #bbb;padding:0.25rem 0.6rem;text-align:left}.verdict{border:2px solid #444;padding:0.6rem 1rem;font-size:1.05rem}.warn{color:#8a5a00}svg{margin:0 1rem 0.5rem 0}</style>`;

function table(head: string[], rows: Row[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr><td>${escape(r.label)}</td>${r.cells.map((c) => `<td>${escape(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function augmentReportHtml(r: AugmentReport): string {
  const arms = r.arms.map((a) => a.title);
  const confusion = r.arms
    .map(
      (a) =>
        `<h3>${escape(a.title)} (seed ${r.seeds[0]})</h3><table><thead><tr><th>true \\ predicted</th>${r.classNames.map((c) => `<th>${escape(c)}</th>`).join('')}</tr></thead><tbody>${a.confusion.map((row, t) => `<tr><th>${escape(r.classNames[t])}</th>${row.map((n) => `<td>${n}</td>`).join('')}</tr>`).join('')}</tbody></table>`,
    )
    .join('');
  const groups = [...new Set(r.warnings.map((w) => w.group))];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Phantom Studio augment experiment: ${escape(r.realName)}</title>
${STYLE}</head>
<body>
<h1>Does synthetic data help? ${escape(r.realName)}${r.syntheticName ? ` + ${escape(r.syntheticName)}` : ''}</h1>
<div class="verdict"><p><strong>${escape(r.verdict.headline)}</strong></p>${r.verdict.details.map((d) => `<p>${escape(d)}</p>`).join('')}</div>
<p>${r.seeds.length} seeds · ${escape(r.request.budget.architecture === 'resnet' ? 'ResNet-like' : 'small CNN')}, at most ${r.request.budget.maxEpochs} epochs, early stopping after ${r.request.budget.patience} on the real validation split (${r.counts.validation} images) · ${escape(describeMix(r))} · scored on ${r.testIndices.length} real test images (${r.classNames.map((c, k) => `${escape(c)} ${r.counts.test[k]}`).join(', ')}) · ${new Date(r.createdAt).toISOString()}, ${(r.elapsedMs / 1000).toFixed(0)} s, by Phantom Studio on this device.</p>
<h2>Arms</h2>${table(['arm', 'training images (first seed)', 'epochs per seed'], trainingRows(r))}
<h2>Scores (mean ± std over seeds)</h2>${table(['metric', ...arms], summaryRows(r))}
<div>${HEADLINE_METRICS.map((m) => barChartSvg(r, m)).join('')}</div>
<h2>Paired differences (points)</h2>${table(['difference', 'mean', '95 % interval', 'from'], comparisonRows(r))}
<h2>Per class</h2>${table(['figure', ...arms], perClassRows(r))}
<h2>ROC curves (first seed)</h2><p>${legendHtml(r)}</p><div>${r.classNames.map((_, c) => rocSvg(r, c)).join('')}</div>
<h2>Confusion matrices</h2>${confusion}
${groups.length ? `<h2>Warnings</h2>${groups.map((g) => `<h3>${escape(g)}</h3><ul class="warn">${r.warnings.filter((w) => w.group === g).map((w) => `<li>${escape(w.text)}</li>`).join('')}</ul>`).join('')}` : ''}
</body></html>`;
}
