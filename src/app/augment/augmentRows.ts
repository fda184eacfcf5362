/** The tables of an augment report, shared by the on-screen report and the printable HTML. */
import type { AugmentReport, Comparison } from '../../augment/augmentTypes';
import { HEADLINE_METRICS, METRIC_NAMES } from '../../augment/augmentTypes';
import { meanStdPercent, signedPoints } from '../../augment/verdict';

export interface Row {
  label: string;
  cells: string[];
}

/** Headline metrics: one row per metric, one cell per arm (mean ± std over seeds). */
export function summaryRows(r: AugmentReport): Row[] {
  return HEADLINE_METRICS.map((m) => ({ label: METRIC_NAMES[m], cells: r.arms.map((a) => meanStdPercent(a.summary[m])) }));
}

const PER_CLASS = [
  ['sensitivity', 'sensitivity'],
  ['specificity', 'specificity'],
  ['precision', 'precision'],
  ['f1', 'F1'],
  ['auc', 'ROC AUC'],
] as const;

/** Per class: sensitivity, specificity, precision, F1 and AUC, one cell per arm. */
export function perClassRows(r: AugmentReport): Row[] {
  return r.classNames.flatMap((name, c) => PER_CLASS.map(([key, label]) => ({ label: `${name}: ${label}`, cells: r.arms.map((a) => meanStdPercent(a.perClass[c][key])) })));
}

export function comparisonMetric(r: AugmentReport, c: Comparison): string {
  return c.metric === 'sensitivity' ? `sensitivity “${r.classNames[c.classIndex!]}”` : METRIC_NAMES[c.metric];
}

/** Each paired difference: mean, 95 % interval and how it was made. */
export function comparisonRows(r: AugmentReport): Row[] {
  return r.comparisons.map((c) => ({
    label: `${c.label}: ${comparisonMetric(r, c)}`,
    cells: [signedPoints(c.interval.mean), Number.isFinite(c.interval.low) ? `${signedPoints(c.interval.low)} to ${signedPoints(c.interval.high)}` : '—', c.interval.method === 't over seeds' ? `t over ${c.interval.n} seeds` : `bootstrap, ${c.interval.n} resamples`],
  }));
}

/** Training images per arm: real and synthetic, per class (first seed). */
export function trainingRows(r: AugmentReport): Row[] {
  return r.arms.map((a) => ({
    label: a.title,
    cells: [r.classNames.map((c, k) => `${c} ${a.trainCounts.real[k]}${a.trainCounts.synthetic[k] ? ` + ${a.trainCounts.synthetic[k]} syn.` : ''}`).join(', '), a.seeds.map((s) => `${s.epochs} (kept ${s.bestEpoch})`).join(', ')],
  }));
}
