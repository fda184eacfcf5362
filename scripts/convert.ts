/**
 * Convert scans into a studio dataset from the command line, with the same import core and the
 * same import finish (classes, splits, duplicates, notices) the studio uses.
 *
 *   npm run convert -- <files or folders> --size 64 [--folder-labels | --labels labels.csv] --out data.npz
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { CT_WINDOW_PRESETS, type WindowChoice } from '../src/importers/dicom/window';
import { copyPairs, describeCopies } from '../src/importers/duplicates';
import { exportNpz, exportPngZip } from '../src/importers/exportDataset';
import { EmptyImportError } from '../src/importers/importFinish';
import { NEAR_DUPLICATE_DISTANCE, nearDuplicateNotice } from '../src/importers/nearDuplicates';
import type { LabelSource } from '../src/importers/labels';
import { importDataset } from '../src/importers/pipeline';
import type { ImportFile, StudioDataset } from '../src/importers/types';
import { UsageError, type CommandSpec, type ParsedCommandLine } from './lib/args';
import { CliError, startCommand } from './lib/runCommand';
import { walkInputs } from './lib/walk';

const WINDOW_PRESETS = Object.keys(CT_WINDOW_PRESETS);
/** Near-duplicate pairs printed on stderr; the JSON summary lists them all. */
const NEAR_PAIRS_PRINTED = 20;

const CONVERT_SPEC = {
  name: 'convert',
  usage: '<files or folders> --size 64 [--folder-labels | --labels labels.csv] [--dedupe] --out data.npz|data.zip',
  about:
    'Imports PNG/JPEG, DICOM, NIfTI and MedMNIST .npz files into one dataset (the studio\'s import: same\n' +
    'preprocessing, splits, exact-copy and near-duplicate checks across splits) and writes it as a MedMNIST-layout .npz with\n' +
    'class_names, or a ZIP of PNGs with labels.csv. Without --folder-labels or --labels, images that carry no\n' +
    'label of their own (everything but an npz) land in one class, "unlabelled".',
  positionals: 'files or folders',
  options: {
    size: { type: 'integer', min: 28, max: 256, placeholder: '<px>', help: 'side of the square output images' },
    channels: { type: 'choice', choices: ['1', '3'], default: '1', help: 'grey (1) or RGB (3)' },
    fit: { type: 'choice', choices: ['crop', 'pad'], default: 'crop', help: 'centre-crop or pad non-square images' },
    'folder-labels': { type: 'flag', help: 'each image\'s class is the name of the folder it sits in (normal/a.png → "normal")' },
    labels: { type: 'string', placeholder: '<labels.csv>', help: 'classes (and optionally splits) from file,label[,split] rows' },
    'class-names': { type: 'string', placeholder: '<a,b,…>', help: 'rename the classes in index order (e.g. an npz without class_names)' },
    window: { type: 'string', placeholder: '<preset|C,W>', accepts: `${WINDOW_PRESETS.join(', ')} or centre,width`, check: (v) => (parseWindow(v) ? null : `expected ${WINDOW_PRESETS.join(', ')} or centre,width with width > 0`), help: 'CT window for DICOM' },
    axis: { type: 'choice', choices: ['axial', 'coronal', 'sagittal'], default: 'axial', help: 'NIfTI slicing axis' },
    seed: { type: 'integer', min: 0, default: 0, help: 'seeds the train/val/test assignment' },
    'include-burned-in': { type: 'flag', help: 'also import DICOM files whose Burned In Annotation is YES (left out by default: their pixels may show patient details)' },
    dedupe: { type: 'flag', help: 'remove exact copies, keeping each set\'s training image (they leak across splits otherwise)' },
    out: { type: 'string', placeholder: '<data.npz|data.zip>', accepts: 'a path ending in .npz or .zip', check: (v) => (/\.(npz|zip)$/i.test(v) ? null : 'the output must end in .npz or .zip'), help: 'where to write the dataset' },
  },
} as const satisfies CommandSpec;

function parseWindow(text: string): WindowChoice | null {
  if (text in CT_WINDOW_PRESETS) return { kind: 'preset', preset: text as keyof typeof CT_WINDOW_PRESETS };
  const parts = text.split(',');
  if (parts.length !== 2) return null;
  const [center, width] = parts.map(Number);
  return Number.isFinite(center) && width > 0 ? { kind: 'custom', window: { center, width } } : null;
}

function labelSource(args: ParsedCommandLine<typeof CONVERT_SPEC>['options']): LabelSource {
  if (args['folder-labels'] && args.labels) throw new UsageError('--folder-labels and --labels both name the classes; give one of them');
  if (args['folder-labels']) return { kind: 'folder' };
  if (!args.labels) return { kind: 'none' };
  try {
    // Bytes, not text: the importer detects UTF-16 and Latin-1 exports from spreadsheets.
    return { kind: 'csv', bytes: new Uint8Array(readFileSync(args.labels)) };
  } catch (error) {
    throw new CliError(`--labels ${args.labels}: ${(error as { code?: string }).code === 'ENOENT' ? 'no such file' : 'could not be read'}`);
  }
}

function renameClasses(dataset: StudioDataset, list: string): void {
  const names = list.split(',').map((n) => n.trim());
  if (names.length !== dataset.classNames.length || names.some((n) => n === '') || new Set(names).size !== names.length) {
    throw new CliError(`--class-names: "${list}" gives ${names.length} names but the data has ${dataset.classNames.length} classes (${dataset.classNames.join(', ')}); give that many distinct names, in this order`);
  }
  dataset.classNames = names;
}

async function convert({ options: args, positionals }: ParsedCommandLine<typeof CONVERT_SPEC>): Promise<void> {
  if (positionals.length === 0) throw new UsageError('no input files or folders given');
  if (args.size === undefined) throw new UsageError('--size is required (the side of the output images in pixels, 28 to 256)');
  if (!args.out) throw new UsageError('--out is required (a path ending in .npz or .zip)');
  const labels = labelSource(args);
  const walked = walkInputs(positionals);
  for (const entry of walked.skipped) console.error(`convert: skipped ${entry.path}: ${entry.reason}`);
  // Bytes are read only when the pipeline reaches the file.
  const files: ImportFile[] = walked.files.map((f) => ({ name: f.name, relativePath: f.relativePath, bytes: () => new Uint8Array(readFileSync(f.path)) }));
  let result;
  try {
    result = await importDataset(files, {
      size: args.size,
      channels: args.channels === '3' ? 3 : 1,
      fit: args.fit,
      labels,
      window: args.window ? parseWindow(args.window)! : undefined,
      nifti: { axis: args.axis },
      seed: args.seed,
      dedupe: args.dedupe,
      includeBurnedInAnnotation: args['include-burned-in'],
      filesTotal: files.length,
      onProgress: (p) => {
        if (p.filesDone % 500 === 0 || p.filesDone === p.filesTotal) {
          process.stderr.write(`\r${p.filesDone}/${p.filesTotal} files, ${p.filesPerSecond.toFixed(0)} files/s, ETA ${(p.etaSeconds ?? 0).toFixed(0)} s   `);
        }
      },
    });
  } catch (error) {
    if (error instanceof EmptyImportError) for (const row of error.report.rejected) console.error(`convert: refused ${row.relativePath}: ${row.reason}`);
    throw error;
  } finally {
    process.stderr.write('\n');
  }
  const { dataset, report } = result;
  if (args['class-names']) renameClasses(dataset, args['class-names']);
  writeFileSync(args.out, /\.npz$/i.test(args.out) ? exportNpz(dataset) : exportPngZip(dataset));

  const copies = report.duplicates.flatMap(describeCopies);
  const acrossSplits = report.duplicates.flatMap(copyPairs).filter((pair) => pair.copy.split !== pair.original.split).length;
  if (!args.dedupe && acrossSplits > 0) {
    console.error(`convert: ${acrossSplits} images are exact copies of an image in another split (listed under "duplicates"); run again with --dedupe to remove the copies`);
  }
  // The studio's near-duplicate check across splits (the import report's pairs): named here, listed in full under "nearDuplicates".
  const near = report.nearDuplicates ?? [];
  if (near.length > 0) {
    console.error(`convert: ${nearDuplicateNotice(near)}; the pairs (kept ≈ held out, 1 − SSIM):`);
    for (const pair of near.slice(0, NEAR_PAIRS_PRINTED)) console.error(`convert:   ${pair.kept.split} ${pair.kept.file} ≈ ${pair.heldOut.split} ${pair.heldOut.file} (${pair.distance.toPrecision(2)})`);
    if (near.length > NEAR_PAIRS_PRINTED) console.error(`convert:   … and ${near.length - NEAR_PAIRS_PRINTED} more (listed under "nearDuplicates")`);
    console.error('convert: remove or move the held-out image of each pair (or import in the studio, which offers keep, move to train or drop per pair)');
  }
  const splitCounts = { train: 0, val: 0, test: 0 };
  for (const image of dataset.images) splitCounts[image.split ?? 'train']++;
  const classCounts = Object.fromEntries(dataset.classNames.map((name, index) => [name, dataset.images.filter((i) => i.label === index).length]));
  const summary = {
    out: args.out,
    images: dataset.images.length,
    classNames: dataset.classNames,
    splits: splitCounts,
    classCounts,
    rejected: report.rejected,
    skipped: walked.skipped,
    notices: report.notices,
    duplicates: { sets: report.duplicates.length, copies: copies.length, removed: args.dedupe ? copies.length : 0, acrossSplits, list: copies },
    nearDuplicates: { pairs: near.length, threshold: NEAR_DUPLICATE_DISTANCE, check: report.nearDuplicateCheck ?? null, list: near.map((p) => ({ kept: { file: p.kept.file, split: p.kept.split }, heldOut: { file: p.heldOut.file, split: p.heldOut.split }, distance: p.distance })) },
    elapsedMs: report.elapsedMs,
  };
  console.log(JSON.stringify(summary, null, 2));
}

startCommand(CONVERT_SPEC, convert);
