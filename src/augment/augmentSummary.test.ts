/** What a generator's run card says about the augment experiments on its synthetic images. */
import { describe, expect, it } from 'vitest';
import { augmentReportFixture } from '../testing/augmentReportFixture';
import type { LegacyAugmentReport } from './augmentReportStore';
import { armFiguresText, differenceTexts, latestAugmentForRun, summariseAugmentReport } from './augmentSummary';

const arms = (b: number, c: number) => [
  { id: 'A' as const, title: 'A · real only', balancedAccuracy: [0.802, 0.009] as [number, number], sensitivity: [[0.7, 0.02], [0.9, 0.01]] as [number, number][] },
  { id: 'B' as const, title: 'B · real + synthetic', balancedAccuracy: [b, 0.011] as [number, number], sensitivity: [[0.72, 0.02], [0.9, 0.01]] as [number, number][] },
  { id: 'C' as const, title: 'C · synthetic only', balancedAccuracy: [c, 0.02] as [number, number], sensitivity: [[0.6, 0.05], [0.8, 0.03]] as [number, number][] },
];
const abc = (id: string, createdAt: number, runId: string | null, b = 0.81) =>
  augmentReportFixture({
    id,
    createdAt,
    syntheticDatasetId: `synth-${id}`,
    ...(runId ? { syntheticRun: { id: runId, name: `run ${runId}` } } : {}),
    seeds: 3,
    arms: arms(b, 0.703),
    differences: [
      { from: 'A', to: 'B', metric: 'balancedAccuracy', mean: b - 0.802, low: -0.012, high: 0.028 },
      { from: 'A', to: 'B', metric: 'accuracy', mean: 0.5, low: 0.4, high: 0.6 },
      { from: 'A', to: 'C', metric: 'balancedAccuracy', mean: -0.099, low: -0.15, high: -0.048 },
    ],
  });

describe('the augment summary on a run card', () => {
  it('keeps the verdict and the balanced accuracy of A, B and C with B − A and C − A (not the other metrics)', () => {
    const report = abc('r1', 100, 'run-1');
    const s = summariseAugmentReport(report)!;
    expect(s).toMatchObject({ reportId: 'r1', createdAt: 100, mode: 'arms', rareClass: null, seeds: 3, metric: 'balanced accuracy', syntheticName: 'synthetic synth-r1', realName: 'pneumonia-real' });
    expect(s.tone).toBe('no-evidence');
    expect(s.headline).toBe(report.verdict.headline);
    expect(s.headline).toBe('No evidence that adding synthetic images helps: balanced accuracy B − A = +0.8 points, 95 % CI −1.2 to +2.8 over 3 seeds.');
    expect(armFiguresText(s)).toBe('A 80.2 ± 0.9 % · B 81.0 ± 1.1 % · C 70.3 ± 2.0 %');
    expect(differenceTexts(s)).toEqual(['B − A +0.8 points [−1.2, +2.8]', 'C − A −9.9 points [−15.0, −4.8]']);
  });

  it('in rare-class mode keeps that class\'s sensitivity in the three arms and its two differences', () => {
    const report = augmentReportFixture({
      id: 'rare',
      createdAt: 5,
      syntheticDatasetId: 'synth',
      syntheticRun: { id: 'run-1', name: 'r' },
      rare: { classIndex: 0, fraction: 0.1 },
      seeds: 3,
      arms: [
        { id: 'A', title: 'A · real, full', balancedAccuracy: [0.8, 0.01], sensitivity: [[0.62, 0.03], [0.97, 0.01]] },
        { id: 'A-rare', title: 'A · real, cut', balancedAccuracy: [0.6, 0.02], sensitivity: [[0.21, 0.05], [0.99, 0.01]] },
        { id: 'B-rare', title: 'B · cut + synthetic', balancedAccuracy: [0.7, 0.02], sensitivity: [[0.45, 0.04], [0.95, 0.01]] },
      ],
      differences: [
        { from: 'A', to: 'A-rare', metric: 'sensitivity', classIndex: 0, mean: -0.41, low: -0.5, high: -0.32 },
        { from: 'A-rare', to: 'B-rare', metric: 'sensitivity', classIndex: 0, mean: 0.24, low: 0.1, high: 0.38 },
        { from: 'A-rare', to: 'B-rare', metric: 'balancedAccuracy', mean: 0.1, low: 0.05, high: 0.15 },
      ],
    });
    const s = summariseAugmentReport(report)!;
    expect(s).toMatchObject({ mode: 'rare', rareClass: 'normal', metric: 'sensitivity for “normal”', tone: 'helped' });
    expect(armFiguresText(s)).toBe('A 62.0 ± 3.0 % · A (rare) 21.0 ± 5.0 % · B (rare) 45.0 ± 4.0 %');
    expect(differenceTexts(s)).toEqual(['A (rare) − A −41.0 points [−50.0, −32.0]', 'B (rare) − A (rare) +24.0 points [+10.0, +38.0]']);
  });

  it('says nothing for a real-only experiment', () => {
    const real = augmentReportFixture({ id: 'a', createdAt: 1, syntheticDatasetId: null, seeds: 3, arms: arms(0.8, 0.7).slice(0, 1), differences: [] });
    expect(summariseAugmentReport(real)).toBeNull();
  });

  it('finds the newest experiment on a run: by the run recorded in the report, else by the synthetic dataset\'s provenance; one-seed legacy reports and other runs are passed over', () => {
    const legacy: LegacyAugmentReport = { id: 'old', createdAt: 999, realName: 'x', syntheticName: 'y', classNames: ['a', 'b'], realOnly: { accuracy: 1, balancedAccuracy: 1, auc: 1, n: 1 }, withSynthetic: null };
    const recorded = abc('recorded', 10, 'run-1');
    const viaProvenance = abc('older-version', 20, null, 0.83);
    const otherRun = abc('other', 30, 'run-2');
    const lookup = (datasetId: string) => (datasetId === 'synth-older-version' ? 'run-1' : null);
    const reports = [legacy, otherRun, viaProvenance, recorded];
    expect(latestAugmentForRun(reports, 'run-1', lookup)?.reportId).toBe('older-version');
    expect(latestAugmentForRun(reports, 'run-1', () => null)?.reportId).toBe('recorded');
    expect(latestAugmentForRun(reports, 'run-2', lookup)?.reportId).toBe('other');
    expect(latestAugmentForRun(reports, 'run-3', lookup)).toBeNull();
  });
});
