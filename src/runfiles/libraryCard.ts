/**
 * The model library's card of every stored run, without exporting anything: the run card's parts
 * that are not the record itself (runCard.ts): the dataset fingerprint (counts per class and split,
 * SHA-256 of the pixels), the time spent training, the latest evaluation and export audit, and the
 * latest augment experiment on its synthetic images. Imported runs whose dataset, evaluation or
 * experiment is not here keep what their file's card carried.
 */
import type { KeyValueStore } from '../storage/keyValueStore';
import { getDatasetMeta } from '../storage/datasetStore';
import { listAugmentReports, type StoredAugmentReport } from '../augment/augmentReportStore';
import { latestAugmentForRun, type AugmentSummary } from '../augment/augmentSummary';
import { listEvaluations } from '../evaluation/evaluationStore';
import { listExportAudits } from '../generation/exportAuditStore';
import type { ExportAudit } from '../generation/exportAudit';
import { listRuns } from '../training/runStore';
import type { RunRecord } from '../training/runTypes';
import { datasetFingerprint, runTrainingSeconds, summariseEvaluation, syntheticRunLookup } from './runCard';
import { trainingSegments, type TrainingSegment } from '../training/trainingSegments';
import type { DatasetFingerprint, EvaluationSummary, RunCard } from './runFileFormat';

export interface LibraryCard {
  runId: string;
  /** Null when the dataset is gone and the run carries no card with one. */
  dataset: DatasetFingerprint | null;
  /** Where the fingerprint comes from: the dataset stored here, or the imported file's card. */
  datasetSource: 'stored' | 'run file' | 'none';
  /** Seconds spent training (pauses excluded), from the curves' ms/step and PyTorch's segments. */
  trainingSeconds: number;
  /** Which steps were trained where (studio, PyTorch with its processes). */
  segments: TrainingSegment[];
  evaluation: EvaluationSummary | null;
  audit: ExportAudit | null;
  /** The latest augment experiment that used this run's synthetic images: its verdict and key figures. */
  augment: AugmentSummary | null;
  /** Where it comes from: an experiment stored here, or the imported file's card (run where the file was made). */
  augmentSource: 'stored' | 'run file' | 'none';
}

/**
 * Fingerprints hash every pixel, so they are kept per dataset (id and image count, the only way a
 * stored dataset changes size) for as long as the worker lives.
 */
const fingerprints = new Map<string, Promise<DatasetFingerprint>>();

async function storedFingerprint(store: KeyValueStore, datasetId: string): Promise<DatasetFingerprint | null> {
  let meta;
  try {
    meta = await getDatasetMeta(store, datasetId);
  } catch {
    return null;
  }
  const key = `${datasetId}:${meta.count}:${meta.classNames.join('\u0000')}`;
  let fingerprint = fingerprints.get(key);
  if (!fingerprint) {
    fingerprint = datasetFingerprint(store, meta);
    fingerprints.set(key, fingerprint);
    fingerprint.catch(() => fingerprints.delete(key));
  }
  return fingerprint;
}

/** What every card reads once per listing: the evaluations, the augment reports and which run made each synthetic dataset. */
interface SharedRecords {
  evaluations: Awaited<ReturnType<typeof listEvaluations>>;
  augmentReports: StoredAugmentReport[];
  lookup: (syntheticDatasetId: string) => string | null;
}

async function sharedRecords(store: KeyValueStore): Promise<SharedRecords> {
  const [evaluations, augmentReports, lookup] = await Promise.all([listEvaluations(store), listAugmentReports(store), syntheticRunLookup(store)]);
  return { evaluations, augmentReports, lookup };
}

export async function libraryCard(store: KeyValueStore, record: RunRecord, shared?: SharedRecords): Promise<LibraryCard> {
  const { evaluations, augmentReports, lookup } = shared ?? (await sharedRecords(store));
  const importedCard = record.imported?.card as RunCard | undefined;
  const stored = await storedFingerprint(store, record.settings.datasetId);
  const dataset = stored ?? importedCard?.dataset ?? null;
  const evaluation = evaluations.find((e) => e.runId === record.id);
  const storedAugment = latestAugmentForRun(augmentReports, record.id, lookup);
  return {
    runId: record.id,
    dataset,
    datasetSource: stored ? 'stored' : dataset ? 'run file' : 'none',
    trainingSeconds: runTrainingSeconds(record),
    segments: trainingSegments(record),
    evaluation: evaluation ? summariseEvaluation(evaluation) : (importedCard?.evaluation ?? null),
    audit: (await listExportAudits(store, record.id))[0] ?? importedCard?.audit ?? null,
    augment: storedAugment ?? importedCard?.augment ?? null,
    augmentSource: storedAugment ? 'stored' : importedCard?.augment ? 'run file' : 'none',
  };
}

/** Cards of every stored run, in the run list's order. */
export async function libraryCards(store: KeyValueStore): Promise<LibraryCard[]> {
  const [runs, shared] = await Promise.all([listRuns(store), sharedRecords(store)]);
  const cards: LibraryCard[] = [];
  for (const run of runs) cards.push(await libraryCard(store, run, shared));
  return cards;
}
