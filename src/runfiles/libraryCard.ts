/**
 * The model library's card of every stored run, without exporting anything: the run card's parts
 * that are not the record itself (runCard.ts): the dataset fingerprint (counts per class and split,
 * SHA-256 of the pixels), the time spent training, the latest evaluation and export audit. Imported
 * runs whose dataset or evaluation is not here keep what their file's card carried.
 */
import type { KeyValueStore } from '../storage/keyValueStore';
import { getDatasetMeta } from '../storage/datasetStore';
import { listEvaluations } from '../evaluation/evaluationStore';
import { listExportAudits } from '../generation/exportAuditStore';
import type { ExportAudit } from '../generation/exportAudit';
import { listRuns } from '../training/runStore';
import type { RunRecord } from '../training/runTypes';
import { datasetFingerprint, summariseEvaluation, trainingSeconds } from './runCard';
import type { DatasetFingerprint, EvaluationSummary, RunCard } from './runFileFormat';

export interface LibraryCard {
  runId: string;
  /** Null when the dataset is gone and the run carries no card with one. */
  dataset: DatasetFingerprint | null;
  /** Where the fingerprint comes from: the dataset stored here, or the imported file's card. */
  datasetSource: 'stored' | 'run file' | 'none';
  /** Seconds spent training (pauses excluded), from the curves' ms/step. */
  trainingSeconds: number;
  evaluation: EvaluationSummary | null;
  audit: ExportAudit | null;
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

export async function libraryCard(store: KeyValueStore, record: RunRecord, evaluations?: Awaited<ReturnType<typeof listEvaluations>>): Promise<LibraryCard> {
  const importedCard = record.imported?.card as RunCard | undefined;
  const stored = await storedFingerprint(store, record.settings.datasetId);
  const dataset = stored ?? importedCard?.dataset ?? null;
  const evaluation = (evaluations ?? (await listEvaluations(store))).find((e) => e.runId === record.id);
  return {
    runId: record.id,
    dataset,
    datasetSource: stored ? 'stored' : dataset ? 'run file' : 'none',
    trainingSeconds: Math.max(trainingSeconds(record.history), importedCard?.training.trainingSeconds ?? 0),
    evaluation: evaluation ? summariseEvaluation(evaluation) : (importedCard?.evaluation ?? null),
    audit: (await listExportAudits(store, record.id))[0] ?? importedCard?.audit ?? null,
  };
}

/** Cards of every stored run, in the run list's order. */
export async function libraryCards(store: KeyValueStore): Promise<LibraryCard[]> {
  const [runs, evaluations] = await Promise.all([listRuns(store), listEvaluations(store)]);
  const cards: LibraryCard[] = [];
  for (const run of runs) cards.push(await libraryCard(store, run, evaluations));
  return cards;
}
