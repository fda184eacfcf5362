/**
 * Exact duplicates by pixel hash, and which image of each set counts as the original. Copies that
 * span splits leak training images into evaluation (they set the memorisation audit's thresholds
 * to 0), so each set names its members precisely enough to find them: the file, and the row, frame
 * or slice inside it.
 */
import { SPLITS, type DuplicateGroup, type PreparedImage, type Split } from './types';

export type DuplicateFacts = Pick<PreparedImage, 'pixelHash' | 'split' | 'source' | 'meta'>;

/**
 * Where an image came from: `normal/a.png`, `scan.dcm frame 3`, `head.nii.gz slice 40`,
 * `data.npz val_images[17]`. `sourceSplit` is the split the source itself fixed (npz arrays).
 */
export function describeSource(image: Pick<PreparedImage, 'source' | 'meta'>, sourceSplit?: Split): string {
  const { source, meta } = image;
  if (meta.format === 'npz' && meta.frame !== undefined) return `${source.relativePath} ${sourceSplit ? `${sourceSplit}_images` : 'images'}[${meta.frame}]`;
  const parts = [source.relativePath];
  if (meta.volume !== undefined) parts.push(`volume ${meta.volume}`);
  if (meta.slice !== undefined) parts.push(`slice ${meta.slice}`);
  if (meta.frame !== undefined) parts.push(`frame ${meta.frame}`);
  return parts.join(' ');
}

/**
 * Sets of identical images. `images[i].split` must be final; `sourceSplits[i]` is the split the
 * source fixed, if any (it names npz rows). The original of a set is its first training member, or
 * its first member when none is in training: the copies are what a dedupe removes.
 */
export function findDuplicates(images: readonly DuplicateFacts[], sourceSplits?: readonly (Split | undefined)[]): DuplicateGroup[] {
  const byHash = new Map<string, number[]>();
  images.forEach((image, i) => {
    const list = byHash.get(image.pixelHash);
    if (list) list.push(i);
    else byHash.set(image.pixelHash, [i]);
  });
  const groups: DuplicateGroup[] = [];
  for (const [hash, indices] of byHash) {
    if (indices.length < 2) continue;
    const splits = indices.map((i) => images[i].split ?? 'train');
    const trainMember = splits.indexOf('train');
    groups.push({
      pixelHash: hash,
      indices,
      files: indices.map((i) => describeSource(images[i], sourceSplits?.[i])),
      splits,
      original: indices[Math.max(0, trainMember)],
      crossesSplits: new Set(splits).size > 1,
    });
  }
  return groups;
}

export interface CopyPair {
  copy: { index: number; split: Split; file: string };
  original: { index: number; split: Split; file: string };
}

/** Each copy of a set with the original it repeats. */
export function copyPairs(group: DuplicateGroup): CopyPair[] {
  const member = (k: number) => ({ index: group.indices[k], split: group.splits[k], file: group.files[k] });
  const original = member(group.indices.indexOf(group.original));
  return group.indices.flatMap((index, k) => (index === group.original ? [] : [{ copy: member(k), original }]));
}

/** One line per copy: "val: data.npz val_images[17] is a copy of train: data.npz train_images[2034]". */
export function describeCopies(group: DuplicateGroup): string[] {
  return copyPairs(group).map(({ copy, original }) => `${copy.split}: ${copy.file} is a copy of ${original.split}: ${original.file}`);
}

/** Input indices a dedupe removes: every member of every set except its original. */
export function copiesToRemove(groups: readonly DuplicateGroup[]): Set<number> {
  return new Set(groups.flatMap((g) => g.indices.filter((i) => i !== g.original)));
}

/** Copies per split that duplicate an image of another split (the leak a notice reports). */
export function crossSplitCopies(groups: readonly DuplicateGroup[]): Record<Split, number> {
  const counts = Object.fromEntries(SPLITS.map((s) => [s, 0])) as Record<Split, number>;
  for (const { copy, original } of groups.flatMap(copyPairs)) if (copy.split !== original.split) counts[copy.split]++;
  return counts;
}
