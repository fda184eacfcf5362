/** Stored evaluations: the versioned record under `evaluation/<id>`, its synthetic images beside it (storage/schema.ts). */
import type { KeyValueStore } from '../storage/keyValueStore';
import { recordCollection } from '../storage/recordCollection';
import { storageKeys, storagePrefixes } from '../storage/schema';
import { getDatasetIndex, getDatasetMeta, readImages } from '../storage/datasetStore';
import { readImagesAt, splitMembers } from '../storage/datasetSplits';
import type { EvaluationRecord } from './evaluationTypes';

const evaluations = recordCollection<EvaluationRecord>('evaluation', (record) => record.createdAt);

export async function saveEvaluation(store: KeyValueStore, record: EvaluationRecord): Promise<void> {
  await evaluations.put(store, storageKeys.evaluation(record.id), record);
}

/** Newest first. */
export async function listEvaluations(store: KeyValueStore): Promise<EvaluationRecord[]> {
  return evaluations.list(store, storagePrefixes.evaluations);
}

export async function deleteEvaluation(store: KeyValueStore, id: string): Promise<void> {
  await store.delMany([storageKeys.evaluation(id), storageKeys.evaluationFake(id)]);
}

/** The images of flagged pairs, side by side: synthetic i beside training image j. */
export async function readPairImages(store: KeyValueStore, id: string, pairs: { synthetic: number; train: number }[]): Promise<{ synthetic: Uint8Array; train: Uint8Array; size: number }> {
  const record = await evaluations.get(store, storageKeys.evaluation(id));
  if (!record) throw new Error(`Evaluation ${id} does not exist`);
  const fake = await store.get<Uint8Array>(record.fakeKey);
  if (!fake) throw new Error(`The synthetic images of evaluation ${id} are missing`);
  const meta = await getDatasetMeta(store, record.request.realDatasetId);
  const per = meta.width * meta.height;
  const synthetic = new Uint8Array(pairs.length * per);
  const train = new Uint8Array(pairs.length * per);
  for (const [i, p] of pairs.entries()) {
    synthetic.set(fake.subarray(p.synthetic * per, (p.synthetic + 1) * per), i * per);
    train.set(await readImages(store, meta, p.train, 1), i * per);
  }
  return { synthetic, train, size: meta.width };
}

/** Images for the printable report: the first synthetic images and as many real training images, for two grids side by side. */
export interface ReportImages {
  size: number;
  synthetic: Uint8Array;
  syntheticCount: number;
  real: Uint8Array;
  realCount: number;
}

export async function readReportImages(store: KeyValueStore, id: string, count: number): Promise<ReportImages> {
  const record = await evaluations.get(store, storageKeys.evaluation(id));
  if (!record) throw new Error(`Evaluation ${id} does not exist`);
  const fake = await store.get<Uint8Array>(record.fakeKey);
  if (!fake) throw new Error(`The synthetic images of evaluation ${id} are missing`);
  const meta = await getDatasetMeta(store, record.request.realDatasetId);
  const per = meta.width * meta.height;
  const syntheticCount = Math.min(count, Math.floor(fake.length / per));
  const members = splitMembers(await getDatasetIndex(store, meta.id), 'train').slice(0, count);
  return {
    size: meta.width,
    synthetic: fake.slice(0, syntheticCount * per),
    syntheticCount,
    real: await readImagesAt(store, meta, members),
    realCount: members.length,
  };
}
