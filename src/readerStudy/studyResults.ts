/**
 * Scoring a study's answers against its key: per reader, pooled, per class and per experience level;
 * agreement between readers (Cohen's κ for two, Fleiss' κ for more, on the real/synthetic calls); the
 * galleries of the most convincing synthetic images and the most doubted real ones; CSV and JSON exports.
 */
import type { KeyEntry } from './studyDesign';
import type { ReaderAnswer } from './studyFile';
import { callOf, cohenKappa, fleissKappa, summariseDetection, verdict, type DetectionSummary, type ScoredAnswer } from './statistics';

export interface ReaderRecord {
  name: string;
  experience: string;
  answers: ReaderAnswer[];
}

export interface ReaderResult {
  name: string;
  experience: string;
  summary: DetectionSummary;
  verdict: string;
}

export interface Agreement {
  method: 'cohen' | 'fleiss';
  kappa: number;
  /** Images every reader called (the κ is computed on these). */
  images: number;
  words: string;
}

export interface StudyResults {
  readers: ReaderResult[];
  pooled: DetectionSummary;
  pooledVerdict: string;
  perClass: { classIndex: number; className: string; summary: DetectionSummary }[];
  byExperience: { experience: string; summary: DetectionSummary }[];
  agreement: Agreement | null;
  /** Synthetic images taken for real by the most readers (id, count), most first. */
  syntheticTakenForReal: { id: string; count: number }[];
  /** Real images taken for synthetic by the most readers. */
  realTakenForSynthetic: { id: string; count: number }[];
}

/** Landis & Koch's words for κ. */
export function kappaWords(k: number): string {
  if (Number.isNaN(k)) return 'undefined (the readers gave a single answer throughout)';
  if (k < 0) return 'less than chance agreement';
  if (k <= 0.2) return 'slight agreement';
  if (k <= 0.4) return 'fair agreement';
  if (k <= 0.6) return 'moderate agreement';
  if (k <= 0.8) return 'substantial agreement';
  return 'almost perfect agreement';
}

function scored(answers: readonly ReaderAnswer[], key: Record<string, KeyEntry>): (ScoredAnswer & { id: string; classIndex: number })[] {
  return answers
    .filter((a) => key[a.id])
    .map((a) => ({ id: a.id, classIndex: key[a.id].classIndex, truthSynthetic: key[a.id].synthetic, saidSynthetic: a.saidSynthetic, confidenceReal: a.confidenceReal }));
}

export function agreementOf(readers: readonly ReaderRecord[], itemIds: readonly string[]): Agreement | null {
  if (readers.length < 2) return null;
  const calls = readers.map((r) => new Map(r.answers.map((a) => [a.id, callOf(a)])));
  // Images every reader called one way or the other (an undecided 3 or a timeout leaves the image out).
  const common = itemIds.filter((id) => calls.every((m) => typeof m.get(id) === 'boolean'));
  if (common.length === 0) return null;
  let kappa: number;
  let method: Agreement['method'];
  if (readers.length === 2) {
    method = 'cohen';
    kappa = cohenKappa(common.map((id) => calls[0].get(id)), common.map((id) => calls[1].get(id)));
  } else {
    method = 'fleiss';
    kappa = fleissKappa(common.map((id) => {
      const s = calls.filter((m) => m.get(id) === true).length;
      return [s, readers.length - s];
    }));
  }
  return { method, kappa, images: common.length, words: kappaWords(kappa) };
}

export function studyResults(
  readers: readonly ReaderRecord[],
  key: Record<string, KeyEntry>,
  itemIds: readonly string[],
  classNames: readonly string[],
): StudyResults {
  const perReader = readers.map((r) => {
    const summary = summariseDetection(scored(r.answers, key));
    return { name: r.name, experience: r.experience, summary, verdict: verdict(summary) };
  });
  const all = readers.flatMap((r) => scored(r.answers, key));
  const pooled = summariseDetection(all);
  const classes = [...new Set(Object.values(key).map((k) => k.classIndex))].sort((a, b) => a - b);
  const perClass = classes.map((c) => ({ classIndex: c, className: classNames[c] ?? `class ${c}`, summary: summariseDetection(all.filter((a) => a.classIndex === c)) }));
  const levels = [...new Set(readers.map((r) => r.experience.trim()).filter((e) => e))];
  const byExperience = levels.map((e) => ({
    experience: e,
    summary: summariseDetection(readers.filter((r) => r.experience.trim() === e).flatMap((r) => scored(r.answers, key))),
  }));
  const fooled = new Map<string, number>();
  for (const a of all) {
    const call = callOf(a);
    if (call === null || call === a.truthSynthetic) continue;
    fooled.set(a.id, (fooled.get(a.id) ?? 0) + 1);
  }
  const ranked = (synthetic: boolean) =>
    [...fooled.entries()]
      .filter(([id]) => key[id].synthetic === synthetic)
      .map(([id, count]) => ({ id, count }))
      .sort((x, y) => y.count - x.count || itemIds.indexOf(x.id) - itemIds.indexOf(y.id));
  return {
    readers: perReader,
    pooled,
    pooledVerdict: verdict(pooled),
    perClass,
    byExperience,
    agreement: agreementOf(readers, itemIds),
    syntheticTakenForReal: ranked(true),
    realTakenForSynthetic: ranked(false),
  };
}

function csvCell(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per reader and image: the answer beside the truth (this file DOES hold the key: it is the organiser's). */
export function resultsCsv(readers: readonly ReaderRecord[], key: Record<string, KeyEntry>, classNames: readonly string[]): string {
  const rows = [['reader', 'experience', 'image', 'class', 'truth', 'answer', 'confidence_real', 'correct', 'ms'].join(',')];
  for (const r of readers) {
    for (const a of r.answers) {
      const k = key[a.id];
      if (!k) continue;
      const call = callOf(a);
      rows.push(
        [r.name, r.experience, a.id, classNames[k.classIndex] ?? k.classIndex, k.synthetic ? 'synthetic' : 'real',
          a.saidSynthetic === null ? null : a.saidSynthetic ? 'synthetic' : 'real', a.confidenceReal, call === k.synthetic, Math.round(a.ms)]
          .map(csvCell)
          .join(','),
      );
    }
  }
  return rows.join('\n') + '\n';
}

export function resultsJson(title: string, results: StudyResults): string {
  const clean = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
  return JSON.stringify({ study: title, ...(clean(results) as object) }, null, 2);
}
