/**
 * The plain-language verdict at the top of an evaluation: what the figures say when read against
 * their real-vs-real floors (held-out real images against the training images), in words a
 * clinician can act on. Shared by the Evaluate stage, the printable report and the comparison.
 */
import type { EvaluationRecord } from '../../evaluation/evaluationTypes';

export type VerdictLevel = 'close' | 'partway' | 'far' | 'copies' | 'no-floor';

export interface Verdict {
  level: VerdictLevel;
  /** One sentence: the overall reading. */
  headline: string;
  /** The figures behind it, each with its floor and what it means. */
  reasons: string[];
}

const LABELS: Record<VerdictLevel, string> = {
  close: 'Close to real',
  partway: 'Part way to real',
  far: 'Far from real',
  copies: 'Copies training images',
  'no-floor': 'No floor to judge against',
};

export const verdictLabel = (level: VerdictLevel) => LABELS[level];

const fig = (v: number, digits = 3) => (Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : '—');

/** A Fréchet distance within this many times its floor reads as close, beyond FAR_RATIO as far. */
export const CLOSE_RATIO = 1.5;
export const FAR_RATIO = 4;
/** Likely copies in at least this share of the synthetic images make the verdict "copies training images". */
export const COPY_FRACTION = 0.05;

export function evaluationVerdict(e: EvaluationRecord): Verdict {
  const m = e.main.distribution;
  const b = e.baseline?.distribution;
  const name = e.main.frechetName.split(' (')[0];
  const reasons: string[] = [];
  const prdc = m.prdc;

  if (!b) {
    reasons.push(`${name} ${fig(m.frechet.value)}, recall ${fig(prdc.recall, 2)}, precision ${fig(prdc.precision, 2)}: without held-out real images there is no real-vs-real floor to read these against.`);
    pushCommon(e, reasons);
    return { level: 'no-floor', headline: `${LABELS['no-floor']}: the real dataset has no held-out (validation) images, so the figures cannot be judged. Import it again with a validation split.`, reasons };
  }

  const ratio = m.frechet.value / Math.max(b.frechet.value, 1e-12);
  reasons.push(`${name} ${fig(m.frechet.value)} against a real-vs-real floor of ${fig(b.frechet.value)} (${fig(ratio, 2)}× the floor; lower is closer, the floor is as close as real images get).`);
  const lowRecall = prdc.recall < 0.5 * b.prdc.recall;
  const lowPrecision = prdc.precision < 0.5 * b.prdc.precision;
  if (prdc.recall < 0.05) reasons.push(`Recall ${fig(prdc.recall, 2)} (real images: ${fig(b.prdc.recall, 2)}): the model covers almost none of the real variety.`);
  else if (lowRecall) reasons.push(`Recall ${fig(prdc.recall, 2)} against ${fig(b.prdc.recall, 2)} for real images: the model covers only part of the real variety.`);
  else reasons.push(`Recall ${fig(prdc.recall, 2)} against ${fig(b.prdc.recall, 2)} for real images: the real variety is covered about as well as by real images.`);
  if (prdc.precision < 0.05) reasons.push(`Precision ${fig(prdc.precision, 2)} (real images: ${fig(b.prdc.precision, 2)}): almost no synthetic image looks like a real one.`);
  else if (lowPrecision) reasons.push(`Precision ${fig(prdc.precision, 2)} against ${fig(b.prdc.precision, 2)} for real images: many synthetic images fall outside what real images look like.`);
  else reasons.push(`Precision ${fig(prdc.precision, 2)} against ${fig(b.prdc.precision, 2)} for real images: synthetic images mostly look like real ones.`);
  pushCommon(e, reasons);

  const level: VerdictLevel =
    ratio > FAR_RATIO || prdc.recall < 0.05 || prdc.precision < 0.05 ? 'far' : ratio <= CLOSE_RATIO && !lowRecall && !lowPrecision ? 'close' : 'partway';
  const likely = e.memorization?.likelyCopies;
  const copies = likely?.flaggedCount ?? 0;
  // Many likely copies outweigh any distance: images that copy patients must not be shared, however real they look.
  if (likely && likely.fractionFlagged >= COPY_FRACTION && likely.fractionFlagged > 2 * likely.validationFractionFlagged) {
    return {
      level: 'copies',
      headline: `${LABELS.copies}: ${copies} of ${e.n.fake} synthetic images (${(100 * likely.fractionFlagged).toFixed(1)} %) are closer to a training image than held-out real images ever are; they may reproduce patients and must not be shared as synthetic.`,
      reasons,
    };
  }
  const caveat = copies > 0 ? ` ${copies} synthetic image${copies === 1 ? ' is' : 's are'} likely copies of training images: look at them before sharing.` : '';
  const headline =
    level === 'close'
      ? `${LABELS.close}: the synthetic images are about as close to the training images as held-out real images are.${caveat}`
      : level === 'partway'
        ? `${LABELS.partway}: the synthetic images resemble the real ones, but measurably less than held-out real images do.${caveat}`
        : `${LABELS.far}: the synthetic images differ clearly from the real ones; do not use them in place of real data.${caveat}`;
  return { level, headline, reasons };
}

/** Collapse and copies, which matter whatever the distances say. */
function pushCommon(e: EvaluationRecord, reasons: string[]) {
  const d = e.main.diversity;
  if (d && Number.isFinite(d.fake.meanSsim) && Number.isFinite(d.real.meanSsim) && d.fake.meanSsim - d.real.meanSsim > 0.15) {
    reasons.push(`The synthetic images are far more alike than the real ones (mean pairwise SSIM ${fig(d.fake.meanSsim)} vs ${fig(d.real.meanSsim)}): a sign of mode collapse.`);
  }
  const likely = e.memorization?.likelyCopies;
  if (likely) {
    reasons.push(
      likely.flaggedCount === 0
        ? 'Memorisation audit: no synthetic image is closer to a training image than held-out real images are, by both pixels and texture.'
        : `Memorisation audit: ${likely.flaggedCount} likely cop${likely.flaggedCount === 1 ? 'y' : 'ies'} of training images (below both thresholds); held-out real images flagged by the same rule: ${(100 * likely.validationFractionFlagged).toFixed(1)} %.`,
    );
  }
}
