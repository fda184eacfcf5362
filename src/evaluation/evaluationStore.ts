/** Stored evaluations: the record under `evaluation/<id>`, its synthetic images beside it. */
import type { KeyValueStore } from '../storage/keyValueStore';
import { getDatasetMeta, readImages } from '../storage/datasetStore';
import type { EvaluationRecord } from './evaluationTypes';

const key = (id: string) => `evaluation/${id}`;
const isRecordKey = (k: string) => /^evaluation\/[^/]+$/.test(k);

export async function saveEvaluation(store: KeyValueStore, record: EvaluationRecord): Promise<void> {
  await store.setMany([[key(record.id), record]]);
}

export async function listEvaluations(store: KeyValueStore): Promise<EvaluationRecord[]> {
  const keys = (await store.keys()).filter(isRecordKey);
  return (await store.getMany<EvaluationRecord>(keys)).filter((r): r is EvaluationRecord => !!r).sort((a, b) => b.createdAt - a.createdAt);
}

export async function deleteEvaluation(store: KeyValueStore, id: string): Promise<void> {
  await store.delMany([key(id), `${key(id)}/fake`]);
}

/** The images of flagged pairs, side by side: synthetic i beside training image j. */
export async function readPairImages(store: KeyValueStore, id: string, pairs: { synthetic: number; train: number }[]): Promise<{ synthetic: Uint8Array; train: Uint8Array; size: number }> {
  const record = await store.get<EvaluationRecord>(key(id));
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
