/**
 * A run's card (runFileFormat.ts RunCard) from what the store holds: the record, the dataset's
 * fingerprint (counts per class and split and a SHA-256 of the pixels, never the pixels), the
 * latest evaluation of the run, its latest export audit and the latest augment experiment on its
 * synthetic images. An imported run that has no local dataset, evaluation or experiment keeps the
 * ones its own file carried.
 */
import type { ModelState } from '../../models/types';
import type { KeyValueStore } from '../storage/keyValueStore';
import { getDatasetIndex, getDatasetMeta, listDatasets, readImages, type DatasetMeta } from '../storage/datasetStore';
import { listAugmentReports } from '../augment/augmentReportStore';
import { latestAugmentForRun } from '../augment/augmentSummary';
import { listEvaluations } from '../evaluation/evaluationStore';
import { evaluationStep } from '../evaluation/evaluationStep';
import type { EvaluationRecord } from '../evaluation/evaluationTypes';
import { listExportAudits } from '../generation/exportAuditStore';
import { STUDIO_VERSION } from '../generation/export/syntheticMark';
import type { CheckpointRef, MetricRow, RunRecord } from '../training/runTypes';
import { pathUpTo, pytorchSeconds, trainingSegments } from '../training/trainingSegments';
import { Sha256Stream } from './sha256Stream';
import { RUN_CARD_FORMAT, type DatasetFingerprint, type EvaluationSummary, type RunCard } from './runFileFormat';

const SPLIT_NAMES = ['train', 'val', 'test'] as const;

/** The fingerprint of a stored dataset; pixels are hashed chunk by chunk. */
export async function datasetFingerprint(store: KeyValueStore, meta: DatasetMeta): Promise<DatasetFingerprint> {
  const index = await getDatasetIndex(store, meta.id);
  const perSplit = { train: meta.classNames.map(() => 0), val: meta.classNames.map(() => 0), test: meta.classNames.map(() => 0) };
  for (let i = 0; i < meta.count; i++) {
    const split = SPLIT_NAMES[index.splits[i]];
    if (split && index.labels[i] < meta.classNames.length) perSplit[split][index.labels[i]]++;
  }
  const hash = new Sha256Stream();
  for (let start = 0; start < meta.count; start += meta.chunkSize) {
    hash.update(await readImages(store, meta, start, Math.min(meta.chunkSize, meta.count - start)));
  }
  return {
    id: meta.id,
    name: meta.name,
    width: meta.width,
    height: meta.height,
    channels: meta.channels,
    count: meta.count,
    classNames: [...meta.classNames],
    perSplit,
    pixelsSha256: hash.digest(),
  };
}

/** Seconds spent training: each readback's ms/step times the steps since the previous readback. */
export function trainingSeconds(history: readonly MetricRow[]): number {
  let previous = 0;
  let ms = 0;
  for (const row of history) {
    const perStep = row.values.msPerStep;
    if (Number.isFinite(perStep)) ms += perStep * Math.max(0, row.step - previous);
    previous = row.step;
  }
  return ms / 1000;
}

/**
 * A run's training time: the studio's (from its curves) plus PyTorch's (from the segments an import
 * brought); an imported run's own card may know more (its file's studio time).
 */
export function runTrainingSeconds(record: RunRecord): number {
  const importedCard = record.imported?.card as RunCard | undefined;
  const elsewhere = pytorchSeconds(trainingSegments(record));
  return Math.max(trainingSeconds(record.history) + elsewhere, importedCard?.training.trainingSeconds ?? 0);
}

export function summariseEvaluation(e: EvaluationRecord): EvaluationSummary {
  return {
    id: e.id,
    createdAt: e.createdAt,
    realName: e.realName,
    fakeName: e.fakeName,
    ...(evaluationStep(e) !== null ? { step: evaluationStep(e)! } : {}),
    features: e.request.features,
    n: e.n,
    main: e.main,
    baseline: e.baseline,
    memorization: e.memorization,
    ...(e.perClass ? { perClass: e.perClass } : {}),
    warnings: e.warnings,
  };
}

/** Which run generated each stored synthetic dataset (its provenance), for reports made before they recorded the run. */
export async function syntheticRunLookup(store: KeyValueStore): Promise<(syntheticDatasetId: string) => string | null> {
  const runs = new Map((await listDatasets(store)).filter((d) => d.provenance?.synthetic).map((d) => [d.id, d.provenance!.runId]));
  return (id) => runs.get(id) ?? null;
}

export async function buildRunCard(store: KeyValueStore, record: RunRecord, state: ModelState, ref: CheckpointRef, which: 'latest' | 'best', hasOptimizer: boolean): Promise<RunCard> {
  const importedCard = record.imported?.card as RunCard | undefined;
  let dataset: DatasetFingerprint | null = null;
  try {
    dataset = await datasetFingerprint(store, await getDatasetMeta(store, record.settings.datasetId));
  } catch {
    // The dataset was deleted (or never here: an imported run); the card says so with null.
    dataset = importedCard?.dataset ?? null;
  }
  const evaluation = (await listEvaluations(store)).find((e) => e.runId === record.id);
  const audit = (await listExportAudits(store, record.id))[0] ?? null;
  const augment = latestAugmentForRun(await listAugmentReports(store), record.id, await syntheticRunLookup(store));
  const iso = (ms: number) => new Date(ms).toISOString();
  // The path up to the checkpoint in the file (a "best" one may be older than the run's step).
  const segments = pathUpTo(trainingSegments(record), state.step, record.backend);

  return {
    format: RUN_CARD_FORMAT,
    version: 1,
    studio: { name: 'Phantom Studio', version: STUDIO_VERSION },
    run: {
      id: record.id,
      name: record.settings.name,
      status: record.status,
      createdAt: iso(record.createdAt),
      updatedAt: iso(record.updatedAt),
      exportedAt: new Date().toISOString(),
      ...(record.imported ? { importedFrom: record.imported.fileName } : {}),
    },
    model: { kind: state.kind, config: state.config, settings: record.settings, scoreMetric: record.scoreMetric },
    checkpoint: {
      step: state.step,
      which,
      score: ref.score,
      ...(ref.quality ? { quality: { metric: ref.quality.metric, value: ref.quality.value, n: ref.quality.n } } : {}),
      hasOptimizer,
    },
    training: {
      steps: record.step,
      trainingSeconds: runTrainingSeconds(record),
      backend: record.backend,
      classNames: record.classNames,
      resolution: record.resolution,
      channels: record.channels,
      history: record.history,
      segments,
    },
    dataset,
    evaluation: evaluation ? summariseEvaluation(evaluation) : (importedCard?.evaluation ?? null),
    audit,
    augment: augment ?? importedCard?.augment ?? null,
  };
}
