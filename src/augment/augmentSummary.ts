/**
 * What a generator's run card says about the augment experiments that used its synthetic images:
 * the latest experiment's verdict and its key figures (balanced accuracy of each arm, or the rare
 * class's sensitivity, and the paired differences with their 95 % intervals). It is small and
 * self-contained, so the Models stage shows it beside the run and a run file carries it in its card
 * (runFileFormat.ts RunCard.augment) after the report itself stays behind.
 */
import type { MeanStd } from '../metrics/classification';
import type { StoredAugmentReport } from './augmentReportStore';
import type { ArmId, AugmentReport, Comparison, VerdictTone } from './augmentTypes';
import { meanStdPercent, signedPoints } from './verdict';

export interface AugmentSummary {
  /** The report's id in the Augment stage (augment/<id>). */
  reportId: string;
  createdAt: number;
  realName: string;
  syntheticName: string;
  /** 'arms': A, B, C; 'rare': A (full), A (rare), B (rare + synthetic). */
  mode: 'arms' | 'rare';
  /** The rare class in rare mode, else null. */
  rareClass: string | null;
  seeds: number;
  tone: VerdictTone;
  /** The verdict's sentence, as the Augment stage printed it. */
  headline: string;
  /** The figure each arm is judged by: balanced accuracy, or the rare class's sensitivity in rare mode. */
  metric: string;
  arms: { id: ArmId; title: string; value: MeanStd }[];
  /** Paired differences of that figure, in proportion units (0.01 = 1 point). */
  differences: { label: string; mean: number; low: number; high: number; method: string }[];
}

/** The run whose synthetic images an experiment used: recorded in the report, or read from the synthetic dataset's provenance. */
export type SyntheticRunLookup = (syntheticDatasetId: string) => string | null;

export function syntheticRunOf(report: AugmentReport, lookup: SyntheticRunLookup): string | null {
  if (report.syntheticRun) return report.syntheticRun.id;
  return report.request.syntheticDatasetId ? lookup(report.request.syntheticDatasetId) : null;
}

/** The report's verdict and key figures; null for a real-only experiment (it says nothing about a generator). */
export function summariseAugmentReport(report: AugmentReport): AugmentSummary | null {
  if (!report.syntheticName) return null;
  const rare = report.request.rare;
  const value = (arm: AugmentReport['arms'][number]): MeanStd => (rare ? arm.perClass[rare.classIndex].sensitivity : arm.summary.balancedAccuracy);
  const judged = (c: Comparison) => (rare ? c.metric === 'sensitivity' && c.classIndex === rare.classIndex : c.metric === 'balancedAccuracy');
  return {
    reportId: report.id,
    createdAt: report.createdAt,
    realName: report.realName,
    syntheticName: report.syntheticName,
    mode: rare ? 'rare' : 'arms',
    rareClass: rare ? report.classNames[rare.classIndex] : null,
    seeds: report.seeds.length,
    tone: report.verdict.tone,
    headline: report.verdict.headline,
    metric: rare ? `sensitivity for “${report.classNames[rare.classIndex]}”` : 'balanced accuracy',
    arms: report.arms.map((a) => ({ id: a.id, title: a.title, value: value(a) })),
    differences: report.comparisons.filter(judged).map((c) => ({ label: c.label, mean: c.interval.mean, low: c.interval.low, high: c.interval.high, method: c.interval.method })),
  };
}

/** The newest multi-seed experiment that used synthetic images of run `runId`, summarised; null when none did. */
export function latestAugmentForRun(reports: readonly StoredAugmentReport[], runId: string, lookup: SyntheticRunLookup): AugmentSummary | null {
  const mine = reports.filter((r): r is AugmentReport => r.format === 2 && syntheticRunOf(r, lookup) === runId).sort((a, b) => b.createdAt - a.createdAt);
  for (const report of mine) {
    const summary = summariseAugmentReport(report);
    if (summary) return summary;
  }
  return null;
}

/** The arm's short name (augmentExperiment.ts armLetter, without pulling the classifier into the page). */
const ARM_LETTER: Record<ArmId, string> = { A: 'A', B: 'B', C: 'C', 'A-rare': 'A (rare)', 'B-rare': 'B (rare)' };

/** "A 80.2 ± 0.9 % · B 81.0 ± 1.1 % · C 70.3 ± 2.0 %" */
export function armFiguresText(s: AugmentSummary): string {
  return s.arms.map((a) => `${ARM_LETTER[a.id]} ${meanStdPercent(a.value)}`).join(' · ');
}

/** "B − A +0.8 points [−1.2, +2.8]" per difference. */
export function differenceTexts(s: AugmentSummary): string[] {
  return s.differences.map((d) => `${d.label} ${signedPoints(d.mean)} points${Number.isFinite(d.low) ? ` [${signedPoints(d.low)}, ${signedPoints(d.high)}]` : ''}`);
}
