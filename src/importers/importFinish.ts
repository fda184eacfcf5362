/**
 * The one import finish, shared by the studio (ImportJobs) and `npm run convert` (importDataset):
 * from the prepared images' facts and the discovered classes to what a dataset stores — the final
 * class list (unlabelled images get a class of their own), the at-most-256-classes check (labels are
 * one byte), seeded patient-grouped stratified splits, exact duplicates, an optional dedupe, class
 * and split counts, and the notices. Both callers use this function, so their datasets and reports
 * cannot drift apart.
 */
import { CancelledError } from '../core/jobControl';
import { copiesToRemove, crossSplitCopies, findDuplicates } from './duplicates';
import { countClasses, UNLABELLED_CLASS } from './labels';
import { assignSplits, describeSplits } from './splits';
import { ImportError, SPLITS, type ImportReport, type PreparedImage, type Split } from './types';

import { MAX_CLASSES } from './limits';

export { MAX_CLASSES };
export { UNLABELLED_CLASS };

/** What the finish needs of each image; pixels stay wherever the caller keeps them. */
export type ImageFacts = Pick<PreparedImage, 'label' | 'group' | 'split' | 'pixelHash' | 'source' | 'meta'>;

export interface FinishOptions {
  /** Seeds the split assignment. */
  seed: number;
  /** Train/val/test shares for images whose source fixes no split (default 0.8/0.1/0.1). */
  fractions?: [number, number, number];
  /** Remove exact copies, keeping each set's original (its training member when it has one). */
  dedupe?: boolean;
}

export interface FinishedImport {
  classNames: string[];
  /** Input indices of the images that stay, ascending (all of them unless `dedupe` removed copies). */
  kept: number[];
  /** Per kept image: its class index into `classNames`. */
  labels: Uint8Array;
  /** Per kept image: its split. */
  splits: Split[];
  classCounts: Record<string, number>;
  splitCounts: Record<Split, number>;
  /** The run's report, completed: duplicates (input indices), class counts of the kept images, notices. */
  report: ImportReport;
}

/** Nothing could be imported; carries the report so a caller can list every refused file. */
export class EmptyImportError extends ImportError {
  constructor(readonly report: ImportReport) {
    const reasons = report.rejected.slice(0, 5).map((r) => `${r.relativePath}: ${r.reason}`).join('; ');
    super(`No image could be imported from the ${report.filesSeen} file(s).${reasons ? ` ${reasons}` : ''}`);
    this.name = 'EmptyImportError';
  }
}

export function finishImport(images: readonly ImageFacts[], discoveredClasses: readonly string[], report: ImportReport, options: FinishOptions): FinishedImport {
  if (report.cancelled) throw new CancelledError('The import');
  if (images.length === 0) throw new EmptyImportError(report);

  const classNames = [...discoveredClasses];
  let unlabelledIndex = classNames.indexOf(UNLABELLED_CLASS);
  if (unlabelledIndex < 0 && images.some((image) => image.label < 0)) unlabelledIndex = classNames.push(UNLABELLED_CLASS) - 1;
  if (classNames.length > MAX_CLASSES) {
    throw new ImportError(`${classNames.length} classes found; at most ${MAX_CLASSES} are supported (labels are stored as one byte)`);
  }
  const allLabels = images.map((image) => (image.label < 0 ? unlabelledIndex : image.label));

  // The source's own splits (npz arrays) name rows in the duplicate list, so keep them before assigning.
  const sourceSplits = images.map((image) => image.split);
  const splitItems = images.map((image, i) => ({ label: allLabels[i], group: image.group, split: image.split }));
  const allSplits = assignSplits(splitItems, { seed: options.seed, fractions: options.fractions });
  report.splitMethod = describeSplits(splitItems);
  const duplicates = findDuplicates(images.map((image, i) => ({ ...image, split: allSplits[i] })), sourceSplits);

  const removed = options.dedupe ? copiesToRemove(duplicates) : new Set<number>();
  const kept = images.map((_, i) => i).filter((i) => !removed.has(i));
  const labels = Uint8Array.from(kept, (i) => allLabels[i]);
  const splits = kept.map((i) => allSplits[i]);

  const leaks = crossSplitCopies(duplicates);
  const leaked = leaks.val + leaks.test + leaks.train;
  if (removed.size > 0) {
    report.notices.push({ message: `removed ${removed.size} exact copies (${leaked} of them across splits), keeping one image of each of ${duplicates.length} identical sets` });
  } else if (leaked > 0) {
    report.notices.push({
      message: `${leaked} ${leaked === 1 ? 'image is an exact copy' : 'images are exact copies'} of an image in another split (${SPLITS.filter((s) => leaks[s] > 0).map((s) => `${leaks[s]} in ${s}`).join(', ')}): a leak between training and evaluation data`,
    });
  }
  report.duplicates = duplicates;
  const classCounts = countClasses(labels, classNames);
  report.classCounts = classCounts;
  const splitCounts = Object.fromEntries(SPLITS.map((s) => [s, splits.filter((x) => x === s).length])) as Record<Split, number>;
  return { classNames, kept, labels, splits, classCounts, splitCounts, report };
}
