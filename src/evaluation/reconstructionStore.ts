/** Stored reconstruction evaluations: the record under `reconstruction/<id>`, its example images beside it. */
import type { KeyValueStore } from '../storage/keyValueStore';
import type { ReconstructionExamples, ReconstructionRecord } from './evaluationTypes';
import { reconstructionExamplesKey } from './reconstructionJob';

const key = (id: string) => `reconstruction/${id}`;
const isRecordKey = (k: string) => /^reconstruction\/[^/]+$/.test(k);

export async function saveReconstruction(store: KeyValueStore, record: ReconstructionRecord): Promise<void> {
  await store.setMany([[key(record.id), record]]);
}

export async function listReconstructions(store: KeyValueStore): Promise<ReconstructionRecord[]> {
  const keys = (await store.keys()).filter(isRecordKey);
  return (await store.getMany<ReconstructionRecord>(keys)).filter((r): r is ReconstructionRecord => !!r).sort((a, b) => b.createdAt - a.createdAt);
}

export async function deleteReconstruction(store: KeyValueStore, id: string): Promise<void> {
  await store.delMany([key(id), reconstructionExamplesKey(id)]);
}

export async function readReconstructionExamples(store: KeyValueStore, id: string): Promise<ReconstructionExamples> {
  const examples = await store.get<ReconstructionExamples>(reconstructionExamplesKey(id));
  if (!examples) throw new Error(`The example images of reconstruction ${id} are missing`);
  return examples;
}
