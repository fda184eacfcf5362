/**
 * The report's charts as SVG text, drawn the same on screen (through {@html}) and in the printable
 * page: bars of each arm for one metric (mean with a ±std whisker), and the ROC curves of one class
 * with one line per arm. Colours are fixed per arm so every chart reads the same way.
 */
import type { ArmId, AugmentReport, HeadlineMetric } from '../../augment/augmentTypes';
import { METRIC_NAMES } from '../../augment/augmentTypes';

export const ARM_COLOURS: Record<ArmId, string> = { A: '#4c8bf5', B: '#2fa36b', C: '#d9822b', 'A-rare': '#8e6bd8', 'B-rare': '#2fa36b' };

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** One bar per arm, 0–100 %, mean ± std over seeds. */
export function barChartSvg(r: AugmentReport, metric: HeadlineMetric): string {
  const w = 260;
  const h = 150;
  const left = 34;
  const bottom = 22;
  const plotH = h - bottom - 18;
  const slot = (w - left - 6) / r.arms.length;
  const y = (v: number) => 18 + plotH * (1 - Math.max(0, Math.min(1, v)));
  const ticks = [0, 0.5, 1].map((t) => `<line x1="${left}" x2="${w - 4}" y1="${y(t)}" y2="${y(t)}" stroke="#8884" /><text x="${left - 4}" y="${y(t) + 4}" text-anchor="end" font-size="10" fill="currentColor">${t * 100}</text>`).join('');
  const bars = r.arms
    .map((a, i) => {
      const s = a.summary[metric];
      const x = left + i * slot + slot * 0.18;
      const bw = slot * 0.64;
      const m = Number.isFinite(s.mean) ? s.mean : 0;
      const whisker = s.n > 1 ? `<line x1="${x + bw / 2}" x2="${x + bw / 2}" y1="${y(m - s.std)}" y2="${y(m + s.std)}" stroke="currentColor" stroke-width="1.5" />` : '';
      return `<rect x="${x}" y="${y(m)}" width="${bw}" height="${y(0) - y(m)}" fill="${ARM_COLOURS[a.id]}"><title>${esc(a.title)}: ${(100 * m).toFixed(1)} %</title></rect>${whisker}<text x="${x + bw / 2}" y="${y(m) - 3}" text-anchor="middle" font-size="10" fill="currentColor">${(100 * m).toFixed(1)}</text><text x="${x + bw / 2}" y="${h - 6}" text-anchor="middle" font-size="10" fill="currentColor">${esc(a.id === 'A-rare' ? 'A rare' : a.id === 'B-rare' ? 'B rare' : a.id)}</text>`;
    })
    .join('');
  return `<svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(METRIC_NAMES[metric])} per arm"><text x="${left}" y="11" font-size="11" fill="currentColor">${esc(METRIC_NAMES[metric])} (%)</text>${ticks}${bars}</svg>`;
}

/** The ROC curves of class `c`, one per arm (first seed), with the chance diagonal. */
export function rocSvg(r: AugmentReport, c: number): string {
  const size = 220;
  const pad = 30;
  const span = size - pad - 8;
  const px = (v: number) => pad + v * span;
  const py = (v: number) => 8 + (1 - v) * span;
  const lines = r.arms
    .map((a) => {
      const curve = a.roc[c];
      if (!curve) return '';
      const d = curve.fpr.map((f, i) => `${i ? 'L' : 'M'}${px(f).toFixed(1)},${py(curve.tpr[i]).toFixed(1)}`).join('');
      return `<path d="${d}" fill="none" stroke="${ARM_COLOURS[a.id]}" stroke-width="2"${a.id === 'C' ? ' stroke-dasharray="5 3"' : ''}><title>${esc(a.title)}: AUC ${curve.auc.toFixed(3)}</title></path>`;
    })
    .join('');
  const axes = `<rect x="${pad}" y="8" width="${span}" height="${span}" fill="none" stroke="#8886" /><line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" stroke="#8886" stroke-dasharray="3 3" />`;
  const labels = `<text x="${pad + span / 2}" y="${size - 2}" text-anchor="middle" font-size="10" fill="currentColor">false-positive rate</text><text x="10" y="${8 + span / 2}" text-anchor="middle" font-size="10" fill="currentColor" transform="rotate(-90 10 ${8 + span / 2})">sensitivity</text><text x="${pad - 3}" y="${py(0) + 3}" text-anchor="end" font-size="9" fill="currentColor">0</text><text x="${pad - 3}" y="${py(1) + 8}" text-anchor="end" font-size="9" fill="currentColor">1</text><text x="${px(1)}" y="${py(0) + 11}" text-anchor="end" font-size="9" fill="currentColor">1</text>`;
  return `<svg viewBox="0 0 ${size} ${size}" width="${size}" height="${size}" role="img" aria-label="ROC curves for ${esc(r.classNames[c])}">${axes}${lines}${labels}</svg>`;
}

/** The colour key of the arms, as HTML. */
export function legendHtml(r: AugmentReport): string {
  return r.arms
    .map((a) => {
      const auc = a.roc.map((curve, c) => (curve ? `${esc(r.classNames[c])} ${curve.auc.toFixed(3)}` : '')).filter(Boolean).join(', ');
      return `<span style="display:inline-flex;align-items:center;gap:0.3rem;margin-right:1rem"><span style="width:0.8rem;height:0.8rem;background:${ARM_COLOURS[a.id]};display:inline-block"></span>${esc(a.title)}${auc ? ` (AUC ${auc})` : ''}</span>`;
    })
    .join('');
}
