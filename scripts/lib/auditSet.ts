/**
 * The real images `npm run generate --audit-against` audits against: a studio/MedMNIST .npz (what
 * `npm run convert` writes, or a MedMNIST download) holding the training split the run learned from
 * and a held-out split (val, else test) that sets the audit's thresholds, as in the studio. A run
 * file carries no images, only its dataset's fingerprint (counts per class and split, SHA-256 of
 * the pixels), so the file given here is checked against that fingerprint: a mismatch is said
 * plainly, because an audit against other images says nothing about memorisation.
 */
import { readFileSync } from 'node:fs';
import type { ImageStack } from '../../src/metrics';
import { readNpz } from '../../src/importers/npy';
import { readNpzLayout, type NpzLayout, type NpzPart } from '../../src/importers/npzLayout';
import { Sha256Stream } from '../../src/runfiles/sha256Stream';
import type { DatasetFingerprint } from '../../src/runfiles/runFileFormat';
import type { AuditDatasetCheck } from '../../src/generation/exportAudit';
import { errorMessage } from '../../src/core/errorMessage';
import { CliError } from './runCommand';

export interface AuditSet {
  train: ImageStack;
  validation: ImageStack;
  /** Which split set the thresholds. */
  heldOutSplit: 'val' | 'test';
  check: AuditDatasetCheck;
}

const sha = (parts: readonly NpzPart[]) => {
  const hash = new Sha256Stream();
  for (const part of parts) hash.update(part.pixels);
  return hash.digest();
};

const countsPerClass = (part: NpzPart | undefined, classes: number) => {
  const counts = new Array<number>(classes).fill(0);
  if (part?.labels) for (const l of part.labels) if (l >= 0 && l < classes) counts[l]++;
  return counts;
};

/**
 * How the file compares with the run card's fingerprint. The studio hashes a dataset's pixels in
 * its stored order and `npm run train` hashes the train split it trained on, so both the whole
 * file (train, val, test in that order) and its train split alone are tried.
 */
export function compareWithFingerprint(file: string, parts: readonly NpzPart[], classNames: readonly string[], print: DatasetFingerprint | null): AuditDatasetCheck {
  const size = parts[0] ? `${parts[0].width}×${parts[0].height}` : '?';
  if (!print) {
    return { file, verdict: 'unknown', text: `The run file carries no fingerprint of its training data, so it cannot be confirmed that ${file} holds the images the run trained on` };
  }
  const train = parts.filter((p) => p.split === 'train' || p.split === undefined);
  const whole = sha(parts);
  if (whole === print.pixelsSha256) return { file, verdict: 'match', text: `${file} holds exactly the pixels the run's dataset "${print.name}" had (SHA-256 ${whole.slice(0, 12)}…)` };
  if (sha(train) === print.pixelsSha256) return { file, verdict: 'match', text: `The train split of ${file} holds exactly the pixels the run trained on ("${print.name}", SHA-256 ${print.pixelsSha256.slice(0, 12)}…)` };
  const split = (name: 'train' | 'val' | 'test') => countsPerClass(parts.find((p) => p.split === name), classNames.length);
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
  const countsMatch = parts[0]?.width === print.width && same(split('train'), print.perSplit.train) && same(split('val'), print.perSplit.val) && same(split('test'), print.perSplit.test);
  if (countsMatch) {
    return { file, verdict: 'counts-match', text: `${file} has the same size and counts per class and split as the run's dataset "${print.name}", but its pixels hash differently (other images, or the same ones in another order); the audit may not be against the training images` };
  }
  const theirs = `"${print.name}": ${print.width}×${print.height}, train ${print.perSplit.train.join('/')}, val ${print.perSplit.val.join('/')}, test ${print.perSplit.test.join('/')} per class (${print.classNames.join(', ')})`;
  const ours = `${size}, train ${split('train').join('/')}, val ${split('val').join('/')}, test ${split('test').join('/')} per class (${classNames.join(', ')})`;
  return { file, verdict: 'mismatch', text: `${file} is NOT the dataset the run trained on: the run card's fingerprint says ${theirs}; the file has ${ours}. An audit against other images says nothing about memorisation` };
}

export function loadAuditSet(file: string, resolution: number, print: DatasetFingerprint | null): AuditSet {
  if (!/\.npz$/i.test(file)) throw new CliError(`--audit-against ${file}: expected an .npz dataset (npm run convert writes one from folders of images, DICOM or NIfTI)`);
  let layout: NpzLayout;
  try {
    layout = readNpzLayout(readNpz(new Uint8Array(readFileSync(file)), file), file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new CliError(`--audit-against ${file}: ${code === 'ENOENT' ? 'no such file' : errorMessage(error)}`);
  }
  const part = (split: 'train' | 'val' | 'test') => layout.parts.find((p) => p.split === split);
  const train = part('train') ?? layout.parts.find((p) => p.split === undefined);
  const heldOut = part('val') ?? part('test');
  if (!train) throw new CliError(`--audit-against ${file}: has no train_images; the audit compares the synthetic images with the training images`);
  if (!heldOut || heldOut.count < 2) throw new CliError(`--audit-against ${file}: has no held-out images (val_images or test_images, at least 2); the audit sets its thresholds from held-out images, as the studio does`);
  for (const p of [train, heldOut]) {
    if (p.channels !== 1) throw new CliError(`--audit-against ${file}: ${p.imageKey} is RGB; the memorisation audit supports grey images only`);
    if (p.width !== resolution || p.height !== resolution) throw new CliError(`--audit-against ${file}: ${p.imageKey} is ${p.width}×${p.height} px but the model makes ${resolution}×${resolution}; convert the dataset again with --size ${resolution}`);
  }
  const stack = (p: NpzPart): ImageStack => ({ data: p.pixels, count: p.count, width: p.width, height: p.height });
  return {
    train: stack(train),
    validation: stack(heldOut),
    heldOutSplit: heldOut.split === 'test' ? 'test' : 'val',
    check: compareWithFingerprint(file, layout.parts, layout.classNames, print),
  };
}
