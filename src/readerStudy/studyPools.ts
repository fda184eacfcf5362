/**
 * Reads the two pools a study draws from, with the rules that keep the study honest: the real images
 * come only from the held-out (test) split of a real dataset (never images a generator trained on),
 * and only a dataset whose provenance marks it synthetic is offered as the synthetic side.
 */
import { getDatasetIndex, type DatasetMeta } from '../storage/datasetStore';
import { readImagesAt, sampleMembers, splitMembers } from '../storage/datasetSplits';
import type { KeyValueStore } from '../storage/keyValueStore';
import { StudyDesignError, type ImagePool } from './studyDesign';

/** Enough to draw any sensible study from, without holding a 50,000-image set in memory. */
export const MAX_POOL_IMAGES = 4000;

export function isSynthetic(meta: DatasetMeta): boolean {
  return meta.provenance !== undefined;
}

async function poolOf(store: KeyValueStore, meta: DatasetMeta, members: number[], seed: number): Promise<ImagePool> {
  if (meta.channels !== 1) throw new StudyDesignError(`“${meta.name}” has colour images; reader studies show grey-level images only.`);
  const index = await getDatasetIndex(store, meta.id);
  const chosen = sampleMembers(members, MAX_POOL_IMAGES, seed);
  const pixels = await readImagesAt(store, meta, chosen);
  const per = meta.width * meta.height;
  return {
    datasetId: meta.id,
    datasetName: meta.name,
    width: meta.width,
    height: meta.height,
    classNames: meta.classNames,
    images: chosen.map((i, k) => ({ pixels: pixels.subarray(k * per, (k + 1) * per), classIndex: index.labels[i] })),
  };
}

/** The held-out (test) split of a real dataset. */
export async function realPool(store: KeyValueStore, meta: DatasetMeta, seed: number): Promise<ImagePool> {
  if (isSynthetic(meta)) throw new StudyDesignError(`“${meta.name}” is a synthetic set; choose a real dataset for the real images.`);
  const members = splitMembers(await getDatasetIndex(store, meta.id), 'test');
  if (members.length === 0) throw new StudyDesignError(`“${meta.name}” has no held-out (test) images; only those can be shown as real.`);
  return poolOf(store, meta, members, seed);
}

/** Every image of a set marked synthetic by its provenance. */
export async function syntheticPool(store: KeyValueStore, meta: DatasetMeta, seed: number): Promise<ImagePool> {
  if (!isSynthetic(meta)) throw new StudyDesignError(`“${meta.name}” carries no synthetic provenance; only sets exported by a generator can be the synthetic side.`);
  return poolOf(store, meta, Array.from({ length: meta.count }, (_, i) => i), seed);
}
