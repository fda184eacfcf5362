/**
 * The images `npm run train` trains on: the train split of a studio/MedMNIST .npz (with its class
 * names), or generated phantoms (`phantom:head-ct:64:2000`). Checked before tfjs loads, so a wrong
 * --data costs one line, not a backend start.
 */
import { readFileSync } from 'node:fs';
import { generatePhantoms, PHANTOM_MODALITIES, PHANTOM_SIZES, type PhantomModality, type PhantomSize } from '../../src/data/phantom';
import { readNpz } from '../../src/importers/npy';
import { readNpzLayout } from '../../src/importers/npzLayout';
import { UNLABELLED_CLASS } from '../../src/importers/importFinish';
import { errorMessage } from '../../src/core/errorMessage';
import { CliError } from './runCommand';
import { UsageError } from './args';

export interface TrainingSet {
  /** count × size × size bytes, grey. */
  images: Uint8Array;
  /** Class index per image (all 0 when the source has no labels). */
  labels: Uint8Array;
  size: number;
  classNames: string[];
  /** Whether the source gave real classes (a conditional model needs them). */
  labelled: boolean;
}

const PHANTOM_SPEC = /^phantom:([a-z-]+):(\d+):(\d+)$/;

/** Validates --data without reading it: a phantom spec's parts, or an existing .npz path. Returns null when fine. */
export function checkDataSpec(spec: string): string | null {
  if (spec.startsWith('phantom:')) {
    const match = PHANTOM_SPEC.exec(spec);
    if (!match) return 'expected phantom:MODALITY:SIZE:COUNT, e.g. phantom:head-ct:64:2000';
    const [, modality, size, count] = match;
    if (!PHANTOM_MODALITIES.includes(modality as PhantomModality)) return `phantom modality must be one of ${PHANTOM_MODALITIES.join(', ')}`;
    if (!PHANTOM_SIZES.includes(Number(size) as PhantomSize)) return `phantom size must be one of ${PHANTOM_SIZES.join(', ')}`;
    if (!(Number(count) >= 2)) return 'phantom count must be at least 2';
    return null;
  }
  return /\.npz$/i.test(spec) ? null : 'expected an .npz file or phantom:MODALITY:SIZE:COUNT';
}

export function loadTrainingSet(spec: string): TrainingSet {
  const match = PHANTOM_SPEC.exec(spec);
  if (match) {
    const [, modality, size, count] = match;
    const set = generatePhantoms({ modality: modality as PhantomModality, size: Number(size) as PhantomSize, count: Number(count), seed: 1 });
    return { images: set.images, labels: set.labels, size: Number(size), classNames: [...set.classNames], labelled: true };
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(spec));
  } catch (error) {
    throw new CliError(`${spec}: ${(error as { code?: string }).code === 'ENOENT' ? 'no such file' : `could not be read (${errorMessage(error)})`}`);
  }
  const layout = readNpzLayout(readNpz(bytes, spec), spec);
  const part = layout.parts.find((p) => p.split === 'train') ?? layout.parts.find((p) => p.split === undefined);
  if (!part) throw new CliError(`${spec}: has no train_images (arrays: ${layout.parts.map((p) => p.imageKey).join(', ')}); train uses the train split`);
  if (part.channels !== 1) throw new CliError(`${spec}: ${part.imageKey} is RGB; the command line trains grey images (convert with --channels 1)`);
  if (part.height !== part.width) throw new CliError(`${spec}: ${part.imageKey} is ${part.width}x${part.height}; training needs square images`);
  const classNames = part.labels ? layout.classNames : [UNLABELLED_CLASS];
  const labelled = part.labels !== null && !(classNames.length === 1 && classNames[0] === UNLABELLED_CLASS);
  return { images: part.pixels, labels: part.labels ? Uint8Array.from(part.labels) : new Uint8Array(part.count), size: part.width, classNames, labelled };
}

/** A conditional model needs two or more real classes; says how to get them when the data has none. */
export function checkConditional(set: TrainingSet, spec: string): void {
  const present = new Set(set.labels).size;
  if (!set.labelled) {
    throw new UsageError(
      `--conditional needs class labels, but ${spec} has none (every image is "${UNLABELLED_CLASS}"). ` +
        'Convert the images again with --folder-labels (one folder per class) or --labels labels.csv, or train without --conditional.',
    );
  }
  if (present < 2) throw new UsageError(`--conditional needs at least two classes, but the train split of ${spec} holds only "${set.classNames[set.labels[0]]}"`);
}

/** "classes: normal (1214), pneumonia (3494)" for the log. */
export function describeClasses(set: Pick<TrainingSet, 'labels' | 'classNames'>): string {
  const counts = new Array<number>(set.classNames.length).fill(0);
  for (const label of set.labels) counts[label]++;
  return `classes: ${set.classNames.map((name, i) => `${name} (${counts[i]})`).join(', ')}`;
}
