/**
 * One split of a stored dataset (train, validation or test), read without loading the rest: a
 * dataset's pixels are chunked, and a split is usually scattered through every chunk, so images
 * are read a window of chunks at a time and only the members are kept.
 */
import { Random } from '../../models/core/random';
import { getDatasetIndex, imageBytes, readImages, SPLIT_CODES, type DatasetIndex, type DatasetMeta, type Split } from './datasetStore';
import type { KeyValueStore } from './keyValueStore';

/** Chunks read per store round trip: few round trips, bounded memory beyond the result. */
const CHUNKS_PER_READ = 8;

export interface SplitImages {
  /** count × width × height × channels, 0..255, in ascending dataset order. */
  pixels: Uint8Array;
  labels: Uint8Array;
  /** Each image's index in the dataset. */
  indices: Int32Array;
  count: number;
}

/** Dataset indices of the images in `split`, ascending. */
export function splitMembers(index: DatasetIndex, split: Split): number[] {
  const code = SPLIT_CODES[split];
  const members: number[] = [];
  for (let i = 0; i < index.splits.length; i++) if (index.splits[i] === code) members.push(i);
  return members;
}

/** At most `max` of `members`, a seeded choice kept in ascending order; all of them when there are no more than `max`. */
export function sampleMembers(members: readonly number[], max: number, seed: number): number[] {
  if (members.length <= max) return [...members];
  return new Random(seed).shuffle([...members]).slice(0, max).sort((a, b) => a - b);
}

/** The images at `indices` (any order, repeats allowed), in that order, reading only the chunks that hold them. */
export async function readImagesAt(store: KeyValueStore, meta: DatasetMeta, indices: readonly number[]): Promise<Uint8Array> {
  const bad = indices.find((i) => !Number.isInteger(i) || i < 0 || i >= meta.count);
  if (bad !== undefined) throw new RangeError(`Image ${bad} is outside dataset "${meta.name}" (${meta.count} images)`);
  const perImage = imageBytes(meta);
  const out = new Uint8Array(indices.length * perImage);
  const order = indices.map((_, k) => k).sort((a, b) => indices[a] - indices[b]);
  const window = meta.chunkSize * CHUNKS_PER_READ;
  for (let o = 0; o < order.length; ) {
    const start = Math.floor(indices[order[o]] / meta.chunkSize) * meta.chunkSize;
    const count = Math.min(window, meta.count - start);
    const pixels = await readImages(store, meta, start, count);
    for (; o < order.length && indices[order[o]] < start + count; o++) {
      const k = order[o];
      const at = (indices[k] - start) * perImage;
      out.set(pixels.subarray(at, at + perImage), k * perImage);
    }
  }
  return out;
}

/**
 * The images of one split with their labels and dataset indices; with `sample`, a seeded choice
 * of at most `sample.max` of them (see sampleMembers).
 */
export async function readSplit(store: KeyValueStore, meta: DatasetMeta, split: Split, sample?: { max: number; seed: number }): Promise<SplitImages> {
  const index = await getDatasetIndex(store, meta.id);
  const all = splitMembers(index, split);
  const members = sample ? sampleMembers(all, sample.max, sample.seed) : all;
  return {
    pixels: await readImagesAt(store, meta, members),
    labels: Uint8Array.from(members, (i) => index.labels[i]),
    indices: Int32Array.from(members),
    count: members.length,
  };
}
