/**
 * What the model library shows when runs are compared: one chart per loss the runs report, each
 * run's curve overlaid on it (rows shaped for MetricChart), and the runs' figures side by side
 * (columns for ComparisonTable). Pure data from the run records and their library cards.
 */
import type { MetricRow, RunRecord } from '../../training/runTypes';
import { pytorchSeconds, type TrainingSegment } from '../../training/trainingSegments';
import type { LibraryCard } from '../../runfiles/libraryCard';
import { differenceTexts } from '../../augment/augmentSummary';
import type { ComparisonColumn, ComparisonRow } from '../components/comparison';

/** The loss series a run may report, in the order charts are shown (models/ names them). */
export const LOSS_SERIES = ['lossG', 'lossD', 'loss', 'recon', 'kl', 'wasserstein', 'gp'] as const;

/** Distinct labels for the runs' curves: their names, with " (2)", " (3)" … where names repeat. */
export function runLabels(records: readonly Pick<RunRecord, 'settings'>[]): string[] {
  const seen = new Map<string, number>();
  return records.map((r) => {
    const n = (seen.get(r.settings.name) ?? 0) + 1;
    seen.set(r.settings.name, n);
    return n === 1 ? r.settings.name : `${r.settings.name} (${n})`;
  });
}

export interface OverlaidChart {
  /** The loss series, e.g. "lossG". */
  metric: string;
  /** The run labels that have this loss, in the order given (the chart's series). */
  series: string[];
  /** One row per step any of those runs read back; a run without a value at that step has none (the chart spans the gap). */
  rows: MetricRow[];
}

/** One chart per loss series that at least one of the runs reports, each overlaying every such run. */
export function overlaidLossCharts(records: readonly Pick<RunRecord, 'settings' | 'history'>[]): OverlaidChart[] {
  const labels = runLabels(records);
  const charts: OverlaidChart[] = [];
  for (const metric of LOSS_SERIES) {
    const byStep = new Map<number, MetricRow>();
    const series: string[] = [];
    records.forEach((record, i) => {
      const rows = record.history.filter((row) => Number.isFinite(row.values[metric]));
      if (rows.length === 0) return;
      series.push(labels[i]);
      for (const row of rows) {
        let merged = byStep.get(row.step);
        if (!merged) byStep.set(row.step, (merged = { step: row.step, time: row.time, values: {} }));
        merged.values[labels[i]] = row.values[metric];
      }
    });
    if (series.length > 0) charts.push({ metric, series, rows: [...byStep.values()].sort((a, b) => a.step - b.step) });
  }
  return charts;
}

/** "1 h 05 min", "3 min 20 s", "12 s": a training time in plain words. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return 'unknown';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** The last read-back value of a run's metric, or null. */
export function lastValue(record: Pick<RunRecord, 'history'>, metric: string): number | null {
  for (let i = record.history.length - 1; i >= 0; i--) {
    const v = record.history[i].values[metric];
    if (Number.isFinite(v)) return v;
  }
  return null;
}

export const RUN_COMPARISON_ROWS: ComparisonRow[] = [
  { key: 'model', label: 'Model', help: 'Architecture, resolution and whether it is conditional on the classes.' },
  { key: 'hyper', label: 'Hyperparameters', help: 'Batch size, latent size, width, learning rate.' },
  { key: 'dataset', label: 'Dataset', help: 'The images it trained on: name, images, SHA-256 of the pixels (first 12 hex digits).' },
  { key: 'steps', label: 'Steps' },
  { key: 'time', label: 'Training time', help: 'Time spent training, pauses excluded.' },
  { key: 'backend', label: 'Backend' },
  { key: 'loss', label: 'Last training loss', help: 'The loss that ranks checkpoints of runs without held-out images. Losses of different model kinds are not comparable.' },
  { key: 'kid', label: 'Best KID', help: 'KID of generated against held-out real images at the best checkpoint (lower is closer to real).' },
  { key: 'augment', label: 'Augmentation', help: 'The latest Augment experiment on its synthetic images: the paired difference B − A (or, in rare-class mode, of the rare class\'s sensitivity) with its 95 % interval.' },
  { key: 'created', label: 'Created' },
];

export function runComparisonColumns(records: readonly RunRecord[], cards: readonly LibraryCard[]): ComparisonColumn[] {
  const labels = runLabels(records);
  return records.map((r, i) => {
    const card = cards.find((c) => c.runId === r.id);
    const c = r.config as unknown as Record<string, unknown>;
    const hyper = ['batchSize', 'latentDim', 'width', 'learningRate']
      .filter((k) => c[k] !== undefined)
      .map((k) => `${k} ${typeof c[k] === 'number' ? Number((c[k] as number).toPrecision(4)) : String(c[k])}`)
      .join(', ');
    const loss = lastValue(r, r.scoreMetric);
    const d = card?.dataset;
    return {
      id: r.id,
      title: labels[i],
      subtitle: `${r.status}${r.imported ? ` · imported from ${r.imported.fileName}` : ''}`,
      cells: {
        model: { value: `${r.config.kind} · ${r.resolution} px${r.config.numClasses ? ` · conditional on ${r.config.numClasses} classes` : ''}` },
        hyper: { value: hyper },
        dataset: { value: d ? `${d.name} · ${d.count} images · ${d.pixelsSha256.slice(0, 12)}` : 'not known' },
        steps: { value: `${r.step} of ${r.settings.totalSteps}` },
        time: { value: card ? formatDuration(card.trainingSeconds) : 'unknown' },
        backend: { value: r.backend },
        loss: { value: loss === null ? 'none yet' : `${r.scoreMetric} ${loss.toPrecision(3)}` },
        kid: { value: r.best?.quality ? `${r.best.quality.value.toPrecision(3)} at step ${r.best.step}` : 'not measured' },
        augment: { value: card?.augment ? `${differenceTexts(card.augment).join(' · ') || card.augment.headline} (${card.augment.metric}, ${card.augment.seeds} seed${card.augment.seeds === 1 ? '' : 's'})` : 'no experiment' },
        created: { value: new Date(r.createdAt).toLocaleString() },
      },
    };
  });
}

/**
 * A run's training time in words: "4 min 26 s on wasm", or, when some steps were trained elsewhere,
 * the total and its parts ("1 min 00 s in all: 30 s in the studio (wasm), 30 s in PyTorch"): the
 * run's backend names only the studio's share.
 */
export function trainingTimeText(totalSeconds: number, segments: readonly Pick<TrainingSegment, 'where' | 'seconds' | 'engine'>[], backend: string): string {
  if (!segments.some((s) => s.where === 'pytorch')) return `${formatDuration(totalSeconds)} on ${backend}`;
  const elsewhere = pytorchSeconds(segments);
  // The studio's engines from its own segments: an imported run's backend may name PyTorch.
  const studio = [...new Set(segments.filter((s) => s.where === 'studio').map((s) => s.engine))];
  if (!studio.length) return `${formatDuration(totalSeconds)} in PyTorch`;
  return `${formatDuration(totalSeconds)} in all: ${formatDuration(Math.max(0, totalSeconds - elsewhere))} in the studio (${studio.join(', ')}), ${formatDuration(elsewhere)} in PyTorch`;
}
