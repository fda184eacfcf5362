/**
 * The results of a reader study as rows of text, shared by the results view and the printable report
 * so both say exactly the same: per reader, pooled, per class and per experience level.
 */
import type { DetectionSummary, StudyResultsView } from '../../readerStudy/studyTypes';

export interface ResultRow {
  /** Who or what the row is about ("Ann (radiologist)", "all readers", "class lesion"). */
  label: string;
  n: number;
  accuracy: string;
  ci: string;
  sensitivity: string;
  specificity: string;
  auc: string;
  p: string;
}

export const HEADERS = ['', 'answers', 'accuracy', '95 % CI', 'sensitivity (synthetic called synthetic)', 'specificity (real called real)', 'ROC AUC (confidence)', 'p vs chance'] as const;

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)} %` : '—');

export function pValueText(p: number): string {
  if (p < 0.001) return '< 0.001';
  return p < 0.01 ? p.toFixed(3) : p.toFixed(2);
}

export function rowOf(label: string, s: DetectionSummary): ResultRow {
  return {
    label,
    n: s.n,
    accuracy: pct(s.accuracy),
    ci: s.n ? `${(100 * s.accuracyCi.lower).toFixed(0)}–${(100 * s.accuracyCi.upper).toFixed(0)} %` : '—',
    sensitivity: pct(s.sensitivity),
    specificity: pct(s.specificity),
    auc: s.auc === null ? '—' : s.auc.toFixed(3),
    p: s.n ? pValueText(s.pValue) : '—',
  };
}

export const cells = (r: ResultRow): string[] => [r.label, String(r.n), r.accuracy, r.ci, r.sensitivity, r.specificity, r.auc, r.p];

export function readerRows(v: StudyResultsView): ResultRow[] {
  return [
    ...v.results.readers.map((r) => rowOf(r.experience ? `${r.name} (${r.experience})` : r.name, r.summary)),
    rowOf('all readers (pooled)', v.results.pooled),
  ];
}

export const classRows = (v: StudyResultsView): ResultRow[] => v.results.perClass.map((c) => rowOf(c.className, c.summary));

export const experienceRows = (v: StudyResultsView): ResultRow[] => v.results.byExperience.map((e) => rowOf(e.experience, e.summary));

/** The agreement line: which κ, its value, Landis & Koch's words, on how many images. */
export function agreementText(v: StudyResultsView): string {
  const a = v.results.agreement;
  if (!a) return v.results.readers.length < 2 ? 'Agreement needs at least two readers.' : 'No image was called by every reader, so agreement cannot be computed.';
  const name = a.method === 'cohen' ? "Cohen's κ (two readers)" : `Fleiss' κ (${v.results.readers.length} readers)`;
  return `${name} = ${Number.isFinite(a.kappa) ? a.kappa.toFixed(2) : 'undefined'}: ${a.words}, on the ${a.images} images every reader called.`;
}

/** What the numbers mean, said once under the table. */
export const READING_GUIDE =
  'Accuracy is the share of images whose kind the reader named correctly (50 % is guessing). Sensitivity is the share of synthetic images called synthetic; specificity the share of real images called real. ROC AUC uses the 1–5 confidence ratings (0.5: the ratings do not separate the kinds). The p value is an exact two-sided binomial test against 50 %.';
