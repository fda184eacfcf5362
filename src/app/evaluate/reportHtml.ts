/**
 * A self-contained, printable HTML page of an evaluation (no scripts, no remote resources), for
 * lab notebooks and supplementary material.
 */
import type { EvaluationRecord, ReconstructionRecord } from '../../evaluation/evaluationTypes';
import { diversityVerdict, KID_SCALE, reportRows } from './reportRows';
import { reconstructionRows } from './reconstructionRows';
import { evaluationVerdict } from './verdict';
import { imageDataUrl, pngDataUrl, tileGrid } from '../components/imagePng';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `<style>
body{font:14px/1.45 system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;color:#111}
table{border-collapse:collapse;margin:0.6rem 0 1.2rem}td,th{border:1px solid #bbb;padding:0.25rem 0.6rem;text-align:left;vertical-align:top}
.warn{color:#8a5a00}.verdict{border:2px solid #333;border-radius:6px;padding:0.6rem 0.9rem;margin:1rem 0}
.verdict.far,.verdict.copies{border-color:#b3261e}.verdict.partway{border-color:#b07a00}.verdict.close{border-color:#1e7d3a}
.grids{display:flex;gap:1.5rem;flex-wrap:wrap}figure{margin:0}figcaption{font-size:0.85rem;color:#444}
img.px{image-rendering:pixelated;max-width:100%}
.pairs{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:0.8rem}.pairs img{width:5rem;height:5rem;image-rendering:pixelated}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,figure,.verdict,.pairs>figure{break-inside:avoid}a{color:inherit}}
</style>`;

/** What the printable report holds beyond the stored record: images and the model's settings, gathered by the UI. */
export interface ReportExtras {
  /** First synthetic images and as many real training images (evaluationStore.readReportImages). */
  grid?: { size: number; synthetic: Uint8Array; syntheticCount: number; real: Uint8Array; realCount: number };
  /** The likely copies' images, in the order of `captions`. */
  pairs?: { size: number; synthetic: Uint8Array; train: Uint8Array; captions: string[] };
  /** The model's settings as label/value rows (absent for a synthetic dataset without its run). */
  settings?: [string, string][];
  /** The real dataset's class names now (renamed classes follow); falls back to the names stored with each class. */
  classNames?: string[];
}

const GRID_COLUMNS = 8;

export function reportHtml(e: EvaluationRecord, extras: ReportExtras = {}): string {
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
  const diversity = diversityVerdict(e);
  const verdict = evaluationVerdict(e);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Phantom Studio evaluation: ${escape(e.fakeName)}</title>
${STYLE}</head>
<body>
<h1>Evaluation of synthetic images</h1>
<p><strong>Synthetic:</strong> ${escape(e.fakeName)} (N = ${e.n.fake})<br><strong>Real:</strong> ${escape(e.realName)}: ${e.n.train} training and ${e.n.validation} held-out images, ${e.resolution} px<br>
<strong>Features:</strong> ${escape(e.main.frechetName)}, ${e.main.dims} dimensions · computed ${new Date(e.createdAt).toISOString()} in ${(e.elapsedMs / 1000).toFixed(1)} s by Phantom Studio, on this device.</p>
<section class="verdict ${verdict.level}" data-part="verdict"><h2>Verdict</h2><p><strong>${escape(verdict.headline)}</strong></p><ul>${verdict.reasons.map((r) => `<li>${escape(r)}</li>`).join('')}</ul></section>
${e.warnings.length ? `<ul class="warn">${e.warnings.map((w) => `<li>${escape(w)}</li>`).join('')}</ul>` : ''}
${gridSection(extras.grid)}
${settingsSection(extras.settings, e)}
<h2>Distances and coverage</h2>
<table data-part="figures"><thead><tr><th>metric</th><th>synthetic vs real training</th><th>floor: held-out real vs training</th></tr></thead><tbody>${rows}</tbody></table>
${diversity ? `<p>${escape(diversity)}</p>` : ''}
${perClassSection(e, extras.classNames)}
${steps ? `<h2>Over training steps</h2><table><thead><tr><th>step</th><th>Fréchet</th><th>KID × 10³ (full set)</th></tr></thead><tbody>${steps}</tbody></table>` : ''}
<h2>Memorisation audit</h2>
${audit ? `<p>Each synthetic image's nearest training image is found by SSIM and by feature distance; each criterion's threshold is the 1st percentile of held-out real images' nearest distances. A synthetic image is a <strong>likely copy</strong> when it is below both thresholds (the headline); each criterion alone flags about 1 % of new images by construction.</p><table><thead><tr><th>rule</th><th>threshold</th><th>flagged (of ${e.n.fake})</th><th>fraction</th><th>held-out real flagged</th></tr></thead><tbody>${audit}</tbody></table>` : '<p>Not run: the real dataset has no held-out images.</p>'}
${pairsSection(extras.pairs, likely?.flaggedCount ?? 0)}
</body></html>`;
}

function gridSection(grid: ReportExtras['grid']): string {
  if (!grid || grid.syntheticCount === 0) return '';
  const figure = (pixels: Uint8Array, count: number, caption: string) =>
    `<figure><img class="px" alt="${escape(caption)}" width="${Math.min(GRID_COLUMNS, count) * grid.size * 3}" src="${pngDataUrl(tileGrid(pixels, count, grid.size, GRID_COLUMNS))}"><figcaption>${escape(caption)}</figcaption></figure>`;
  return `<h2>Sample images</h2><div class="grids" data-part="grids">${figure(grid.synthetic, grid.syntheticCount, `The first ${grid.syntheticCount} synthetic images`)}${grid.realCount ? figure(grid.real, grid.realCount, `${grid.realCount} real training images`) : ''}</div>`;
}

function settingsSection(settings: ReportExtras['settings'], e: EvaluationRecord): string {
  const request = e.request;
  const source = request.fake.kind === 'run' ? `checkpoint: ${request.fake.checkpoint}, ${request.fake.count} images generated, seed ${request.seed}` : 'a stored synthetic dataset';
  const rows: [string, string][] = [['Synthetic images', source], ['Evaluation', `${request.features} features, k = ${request.k}, at most ${request.maxReal} real images per split`], ...(settings ?? [])];
  return `<h2>The model and its settings</h2><table data-part="settings"><tbody>${rows.map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(v)}</td></tr>`).join('')}</tbody></table>${settings ? '' : '<p class="warn">The run behind these images is not in this browser any more (or they came from a dataset): only the evaluation\'s own settings are listed.</p>'}`;
}

function perClassSection(e: EvaluationRecord, classNames?: string[]): string {
  const classes = e.perClass;
  if (!classes?.length) return `<h2>Per class</h2><p data-part="per-class">Not available: the synthetic images carry no class labels (an unconditional model), or the evaluation was stored before per-class figures.</p>`;
  const f = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '—' : Number(v.toPrecision(3)).toString());
  const row = (c: NonNullable<EvaluationRecord['perClass']>[number]) => {
    const name = escape(classNames?.[c.classIndex] ?? c.className);
    const n = `${c.n.fake} / ${c.n.train} / ${c.n.validation}`;
    if (!c.synthetic) return `<tr><td>${name}</td><td>${n}</td><td colspan="3">not available: ${escape(c.unavailable ?? '')}</td></tr>`;
    return `<tr><td>${name}</td><td>${n}</td><td>${f(c.synthetic.frechet)} (floor ${f(c.floor?.frechet)})</td><td>${f(c.synthetic.precision)} (floor ${f(c.floor?.precision)})</td><td>${f(c.synthetic.recall)} (floor ${f(c.floor?.recall)})</td></tr>`;
  };
  return `<h2>Per class</h2><table data-part="per-class"><thead><tr><th>class</th><th>N synthetic / training / held-out</th><th>Fréchet</th><th>precision</th><th>recall</th></tr></thead><tbody>${classes.map(row).join('')}</tbody></table>`;
}

function pairsSection(pairs: ReportExtras['pairs'], total: number): string {
  if (!pairs || pairs.captions.length === 0) return total ? `<p>${total} likely copies; their images were not included.</p>` : '';
  const items = pairs.captions
    .map(
      (caption, i) =>
        `<figure><img alt="synthetic" src="${imageDataUrl(pairs.synthetic, i, pairs.size)}"> <img alt="training" src="${imageDataUrl(pairs.train, i, pairs.size)}"><figcaption>${escape(caption)} (synthetic left, training right)</figcaption></figure>`,
    )
    .join('');
  const more = total > pairs.captions.length ? `<p>The ${pairs.captions.length} closest of ${total} likely copies are shown; every pair is in the studio's Evaluate stage.</p>` : '';
  return `<h3>Likely copies, side by side</h3><div class="pairs" data-part="flagged-pairs">${items}</div>${more}`;
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
