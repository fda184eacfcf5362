/**
 * The experiment's answer in plain words, read from the intervals and never from the single
 * figures: an interval wholly above zero is evidence that synthetic images helped, wholly below
 * that they hurt, and one that spans zero is "no evidence" (a valid result, said as plainly).
 */
import type { MeanStd } from '../metrics/classification';
import type { RareClass } from './armSets';
import type { ArmId, ArmReport, Comparison, HeadlineMetric, Verdict, VerdictTone } from './augmentTypes';

export type { Verdict, VerdictTone } from './augmentTypes';

/** A difference in points (0.01 → "+1.0"), with a true minus sign. */
export function signedPoints(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const text = Math.abs(100 * value).toFixed(1);
  return value < 0 && text !== '0.0' ? `−${text}` : `+${text}`;
}

export function percent(value: number): string {
  return Number.isFinite(value) ? `${(100 * value).toFixed(1)} %` : '—';
}

export function meanStdPercent(v: MeanStd): string {
  return v.n > 1 ? `${(100 * v.mean).toFixed(1)} ± ${(100 * v.std).toFixed(1)} %` : percent(v.mean);
}

function intervalText(c: Comparison, seeds: number): string {
  const i = c.interval;
  const over = i.method === 't over seeds' ? `over ${seeds} seeds` : `by bootstrap over the test images (one seed)`;
  if (!Number.isFinite(i.low)) return `${c.label} = ${signedPoints(i.mean)} points (no interval)`;
  return `${c.label} = ${signedPoints(i.mean)} points, 95 % CI ${signedPoints(i.low)} to ${signedPoints(i.high)} ${over}`;
}

function toneOf(c: Comparison): VerdictTone {
  if (!Number.isFinite(c.interval.low)) return 'no-evidence';
  if (c.interval.low > 0) return 'helped';
  if (c.interval.high < 0) return 'hurt';
  return 'no-evidence';
}

export function describeVerdict(input: { arms: ArmReport[]; comparisons: Comparison[]; classNames: readonly string[]; rare: RareClass | null; seeds: number }): Verdict {
  const { arms, comparisons, classNames, rare, seeds } = input;
  const find = (from: ArmId, to: ArmId, metric: HeadlineMetric | 'sensitivity') => comparisons.find((c) => c.from === from && c.to === to && c.metric === metric);
  const arm = (id: ArmId) => arms.find((a) => a.id === id);
  const details: string[] = [];
  // A classifier that learned nothing on real images makes every comparison meaningless: said first, not in the notes.
  const baseline = arms[0].summary.balancedAccuracy.mean;
  if (baseline < 1 / classNames.length + 0.1)
    details.push(`Careful: the real-only classifier stays near chance (${percent(baseline)} balanced accuracy), so this comparison cannot show much; give it more epochs.`);
  if (rare) {
    const name = `“${classNames[rare.classIndex]}”`;
    const sens = (id: ArmId) => arm(id)!.perClass[rare.classIndex].sensitivity;
    const lift = find('A-rare', 'B-rare', 'sensitivity')!;
    const tone = toneOf(lift);
    const verb = tone === 'helped' ? 'Synthetic images of the rare class helped' : tone === 'hurt' ? 'Synthetic images of the rare class hurt' : 'No evidence that synthetic images of the rare class help';
    const headline = `${verb}: sensitivity for ${name} ${intervalText(lift, seeds)}.`;
    details.push(
      `With ${Math.round(rare.fraction * 100)} % of its real training images, sensitivity for ${name} goes from ${meanStdPercent(sens('A'))} (A, full) to ${meanStdPercent(sens('A-rare'))} (A, rare); topped up with synthetic ${name} images it is ${meanStdPercent(sens('B-rare'))} (B, rare + synthetic).`,
    );
    const bal = find('A-rare', 'B-rare', 'balancedAccuracy');
    if (bal) details.push(`Balanced accuracy over all classes: ${intervalText(bal, seeds)}.`);
    return { tone, headline, details };
  }
  const ab = find('A', 'B', 'balancedAccuracy');
  const a = arm('A')!;
  if (!ab) {
    return { tone: 'baseline', headline: `Real images only (no synthetic set chosen): balanced accuracy ${meanStdPercent(a.summary.balancedAccuracy)} over ${seeds} seed${seeds === 1 ? '' : 's'}.`, details };
  }
  const tone = toneOf(ab);
  const verb = tone === 'helped' ? 'Adding synthetic images helped' : tone === 'hurt' ? 'Adding synthetic images hurt' : 'No evidence that adding synthetic images helps';
  const headline = `${verb}: balanced accuracy ${intervalText(ab, seeds)}.`;
  details.push(`A (real only) reaches ${meanStdPercent(a.summary.balancedAccuracy)} balanced accuracy; B (real + synthetic) ${meanStdPercent(arm('B')!.summary.balancedAccuracy)}.`);
  const ac = find('A', 'C', 'balancedAccuracy');
  const c = arm('C');
  if (ac && c) {
    const ct = toneOf(ac);
    const gap = ct === 'hurt' ? 'below' : ct === 'helped' ? 'above' : 'not distinguishable from';
    details.push(`Trained on synthetic images alone (Classification Accuracy Score), the classifier reaches ${meanStdPercent(c.summary.balancedAccuracy)}, ${gap} real-only training: ${intervalText(ac, seeds)}.`);
  }
  return { tone, headline, details };
}
