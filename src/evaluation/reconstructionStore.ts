/** Stored reconstruction evaluations: the versioned record under `reconstruction/<id>`, its example images beside it (storage/schema.ts). */
import type { KeyValueStore } from '../storage/keyValueStore';
import { recordCollection } from '../storage/recordCollection';
import { storageKeys, storagePrefixes } from '../storage/schema';
import type { ReconstructionExamples, ReconstructionRecord } from './evaluationTypes';

const reconstructions = recordCollection<ReconstructionRecord>('reconstruction', (record) => record.createdAt);

export async function saveReconstruction(store: KeyValueStore, record: ReconstructionRecord): Promise<void> {
  await reconstructions.put(store, storageKeys.reconstruction(record.id), record);
}

/** Newest first. */
export async function listReconstructions(store: KeyValueStore): Promise<ReconstructionRecord[]> {
  return reconstructions.list(store, storagePrefixes.reconstructions);
}

export async function deleteReconstruction(store: KeyValueStore, id: string): Promise<void> {
  await store.delMany([storageKeys.reconstruction(id), storageKeys.reconstructionExamples(id)]);
}

export async function readReconstructionExamples(store: KeyValueStore, id: string): Promise<ReconstructionExamples> {
  const examples = await store.get<ReconstructionExamples>(storageKeys.reconstructionExamples(id));
  if (!examples) throw new Error(`The example images of reconstruction ${id} are missing`);
  return examples;
}
