/**
 * Gathers what the printable report holds beyond the stored evaluation: the sample grids, the
 * closest likely copies' images, the model's settings and the dataset's class names now.
 */
import type { EvaluationRecord } from '../../evaluation/evaluationTypes';
import type { RunRecord } from '../../training/runTypes';
import type { ReportExtras } from './reportHtml';
import { likelyCopyPairs } from './auditPairs';

/** Images per grid and likely-copy pairs in a report: enough to judge by eye, small enough to mail. */
export const REPORT_GRID_IMAGES = 32;
export const REPORT_PAIRS = 24;

type Reader = {
  readReportImages(id: string, count: number): Promise<NonNullable<ReportExtras['grid']>>;
  readPairImages(id: string, pairs: { synthetic: number; train: number }[]): Promise<{ synthetic: Uint8Array; train: Uint8Array; size: number }>;
};

/** The model's settings as label/value rows: name, kind, steps trained, then every plain field of the model's configuration. */
export function modelSettingsRows(run: Pick<RunRecord, 'settings' | 'step'> & { config?: RunRecord['config'] }): [string, string][] {
  const s = run.settings;
  const rows: [string, string][] = [
    ['Run', s.name],
    ['Model', s.model.kind],
    ['Steps trained', `${run.step} of ${s.totalSteps}`],
    ['Training seed', String(s.seed)],
  ];
  // The resolved configuration (defaults filled in) when the run has it, else what the user set.
  for (const [key, value] of Object.entries(run.config ?? s.model)) {
    if (key === 'kind') continue;
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') rows.push([key, String(value)]);
    else if (Array.isArray(value) && value.every((v) => typeof v === 'number')) rows.push([key, value.join(', ')]);
  }
  return rows;
}

export async function gatherReportExtras(reader: Reader, e: EvaluationRecord, run: (Pick<RunRecord, 'settings' | 'step'> & { config?: RunRecord['config'] }) | undefined, classNames: string[] | undefined): Promise<ReportExtras> {
  const grid = await reader.readReportImages(e.id, REPORT_GRID_IMAGES);
  const shown = e.memorization?.likelyCopies ? likelyCopyPairs(e.memorization.likelyCopies).slice(0, REPORT_PAIRS) : [];
  const pairs = shown.length
    ? { ...(await reader.readPairImages(e.id, shown.map((p) => ({ synthetic: p.synthetic, train: p.train })))), captions: shown.map((p) => p.caption) }
    : undefined;
  return { grid, pairs, settings: run ? modelSettingsRows(run) : undefined, classNames };
}
