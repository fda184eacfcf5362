/**
 * The experiment's data read from the store: the real dataset's train, validation and test splits
 * and the synthetic set. The inputs are checked (augmentGuards) before any pixels are read, so a
 * refused pairing costs nothing. Without a validation split, a seeded, class-stratified tenth of
 * the training split is held out for early stopping (said in a warning); the test split is only
 * ever scored.
 */
import type { KeyValueStore } from '../storage/keyValueStore';
import { getDatasetIndex, getDatasetMeta, readImages } from '../storage/datasetStore';
import { readSplit } from '../storage/datasetSplits';
import { Random } from '../data/random';
import { pick, type LabelledImages } from './armSets';
import { checkExperimentInputs } from './augmentGuards';
import type { AugmentRequest, ExperimentInput, ExperimentWarning } from './augmentExperiment';

/** A seeded, per-class tenth of `train` (at least one image of each class with two or more) as validation. */
export function carveValidation(train: LabelledImages, seed: number): { train: LabelledImages; validation: LabelledImages } {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < train.count; i++) byClass.set(train.labels[i], [...(byClass.get(train.labels[i]) ?? []), i]);
  const held = new Set<number>();
  const random = new Random(seed);
  for (const members of byClass.values()) {
    if (members.length < 2) continue;
    random.shuffle(members).slice(0, Math.max(1, Math.round(members.length / 10))).forEach((i) => held.add(i));
  }
  const keep: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < train.count; i++) (held.has(i) ? val : keep).push(i);
  return { train: pick(train, keep), validation: pick(train, val) };
}

export async function readExperimentInput(store: KeyValueStore, request: AugmentRequest): Promise<ExperimentInput> {
  const real = await getDatasetMeta(store, request.realDatasetId);
  const synthetic = request.syntheticDatasetId ? await getDatasetMeta(store, request.syntheticDatasetId) : null;
  checkExperimentInputs(real, synthetic, { mix: request.mix, rare: request.rare, seeds: request.seeds });
  const warnings: ExperimentWarning[] = [];
  let train: LabelledImages = await readSplit(store, real, 'train');
  let validation: LabelledImages = await readSplit(store, real, 'val');
  const test = await readSplit(store, real, 'test');
  if (validation.count < 2) {
    ({ train, validation } = carveValidation(train, 1));
    warnings.push({ group: 'Data', text: `“${real.name}” has no validation split, so ${validation.count} training images (a tenth of each class) were held out for early stopping.` });
  }
  const syntheticImages = synthetic ? { pixels: await readImages(store, synthetic, 0, synthetic.count), labels: (await getDatasetIndex(store, synthetic.id)).labels.slice(0, synthetic.count), count: synthetic.count } : null;
  return { real, synthetic, train, validation, test, syntheticImages, warnings };
}
