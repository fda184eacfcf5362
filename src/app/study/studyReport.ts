/**
 * A self-contained, printable HTML page of a reader study's results (no scripts, no remote resources;
 * the gallery images are PNG data URLs), for lab notebooks and supplementary material. It holds the
 * answer key's consequences (which images fooled readers), so it is the organiser's document.
 */
import type { GalleryImage, StudyResultsView } from '../../readerStudy/studyTypes';
import { pngDataUrl } from '../components/imagePng';
import { agreementText, cells, classRows, experienceRows, HEADERS, READING_GUIDE, readerRows, type ResultRow } from './resultRows';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `<style>
body{font:14px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
table{border-collapse:collapse;margin:0.6rem 0 1.2rem}td,th{border:1px solid #bbb;padding:0.25rem 0.6rem;text-align:left;vertical-align:top}
.verdict{border:2px solid #333;border-radius:6px;padding:0.6rem 0.9rem;margin:1rem 0;font-size:1.1rem}
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(7rem,1fr));gap:0.8rem}figure{margin:0}figcaption{font-size:0.85rem;color:#444}
.gallery img{width:6.5rem;height:6.5rem;image-rendering:pixelated}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}table,figure,.verdict{break-inside:avoid}}
</style>`;

function table(rows: ResultRow[], first: string): string {
  const head = HEADERS.map((h, i) => `<th>${escape(i === 0 ? first : h)}</th>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.map((r) => `<tr>${cells(r).map((c) => `<td>${escape(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function gallery(images: GalleryImage[], width: number, height: number, readers: number, empty: string): string {
  if (!images.length) return `<p>${escape(empty)}</p>`;
  const figures = images
    .map((g) => `<figure><img alt="image ${escape(g.id)}" src="${pngDataUrl({ data: g.pixels, width, height })}"><figcaption>${escape(g.id)} · ${escape(g.className)}<br>${g.count} of ${readers} readers</figcaption></figure>`)
    .join('');
  return `<div class="gallery">${figures}</div>`;
}

export function studyReportHtml(v: StudyResultsView): string {
  const s = v.study;
  const q = [s.config.question.twoChoice ? 'real or synthetic' : '', s.config.question.confidence ? '1–5 confidence that the image is real' : ''].filter(Boolean).join(' and ');
  const readers = v.results.readers.length;
  const byExperience = experienceRows(v);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Phantom Studio reader study: ${escape(s.title)}</title>
${STYLE}</head>
<body>
<h1>Reader study: ${escape(s.title)}</h1>
<section class="verdict" data-part="verdict"><strong>${escape(v.results.pooledVerdict)}</strong></section>
<p><strong>Images:</strong> ${s.testCount} (${s.realCount} real from the held-out split of “${escape(s.realDataset.name)}”, ${s.syntheticCount} synthetic from “${escape(s.syntheticDataset.name)}”), ${s.width}×${s.height} px, shown in a seeded shuffle (seed ${s.config.seed})${s.config.balancePerClass ? ', classes balanced' : ''}.<br>
<strong>Question:</strong> ${escape(q)}${s.config.timeLimitSeconds ? `; ${s.config.timeLimitSeconds} s per image` : ''}${s.trainingCount ? `; a training block of ${s.trainingCount} images with feedback came first (not scored)` : ''}.<br>
<strong>Readers:</strong> ${readers}. Computed ${new Date().toISOString()} by Phantom Studio, on this device.</p>
<h2>Detection of synthetic images</h2>
${table(readerRows(v), 'reader')}
<p>${escape(READING_GUIDE)}</p>
<h2>Agreement between readers</h2>
<p data-part="agreement">${escape(agreementText(v))}</p>
<h2>Per class</h2>
${table(classRows(v), 'class')}
${byExperience.length ? `<h2>By reader experience</h2>${table(byExperience, 'experience')}` : ''}
<h2>Synthetic images most often taken for real</h2>
${gallery(v.syntheticTakenForReal, s.width, s.height, readers, 'No synthetic image was taken for real.')}
<h2>Real images most often taken for synthetic</h2>
${gallery(v.realTakenForSynthetic, s.width, s.height, readers, 'No real image was taken for synthetic.')}
</body></html>`;
}
