/** Evaluations as comparison columns (components/comparison.ts): each figure beside its floor, with the verdict. */
import type { EvaluationRecord } from '../../evaluation/evaluationTypes';
import type { ComparisonColumn, ComparisonRow } from '../components/comparison';
import { reportRows } from './reportRows';
import { evaluationVerdict, verdictLabel } from './verdict';

type ImageReader = (id: string) => Promise<{ pixels: Uint8Array; count: number; size: number } | null>;

/** Rows shared by every evaluation (the metric table's rows; the precision row's k is taken out of its key). */
export function comparisonRows(records: EvaluationRecord[]): ComparisonRow[] {
  const rows: ComparisonRow[] = [{ key: 'frechet', label: 'Fréchet distance (FRD / FID)', help: 'Lower is closer to the real images; read it against its floor.' }];
  const first = records[0] ? reportRows(records[0]).slice(1) : [];
  for (const r of first) rows.push({ key: rowKey(r.metric), label: r.metric.replace(/ \(k = \d+\)/, ''), help: r.help });
  rows.push({ key: 'likely-copies', label: 'Likely copies (memorisation audit)', help: 'Synthetic images closer to a training image than held-out real images are, by both SSIM and features.' });
  rows.push({ key: 'n', label: 'Images (synthetic / real training / held-out)' });
  return rows;
}

const rowKey = (metric: string) => metric.replace(/ \(k = \d+\)/, '').toLowerCase();

export function comparisonColumns(records: EvaluationRecord[], readImages?: ImageReader): ComparisonColumn[] {
  return records.map((e) => {
    const cells: ComparisonColumn['cells'] = {};
    const [frechet, ...rest] = reportRows(e);
    cells.frechet = { value: `${frechet.synthetic} (${e.main.frechetName.split(' (')[0]})`, floor: frechet.floor };
    for (const r of rest) cells[rowKey(r.metric)] = { value: r.synthetic, floor: r.floor };
    const likely = e.memorization?.likelyCopies;
    cells['likely-copies'] = likely ? { value: `${likely.flaggedCount} of ${e.n.fake}`, floor: `${(100 * likely.validationFractionFlagged).toFixed(1)} % of held-out real` } : { value: e.memorization ? 'not counted (older evaluation)' : 'not run (no held-out images)' };
    cells.n = { value: `${e.n.fake} / ${e.n.train} / ${e.n.validation}` };
    const verdict = evaluationVerdict(e);
    return {
      id: e.id,
      title: e.fakeName,
      subtitle: `vs ${e.realName} · ${new Date(e.createdAt).toLocaleDateString()}`,
      verdict: { label: verdictLabel(verdict.level), level: verdict.level, text: verdict.reasons[0] ?? '' },
      cells,
      images: readImages ? () => readImages(e.id) : undefined,
    };
  });
}
