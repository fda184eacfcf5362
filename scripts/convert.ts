/**
 * Convert scans into a studio dataset from the command line, with the same import core the
 * browser uses.
 *
 *   npm run convert -- <files or folders> --size 64 [--channels 1|3] [--fit crop|pad]
 *        [--labels labels.csv | --folder-labels] [--window brain|lung|bone|abdomen|C,W]
 *        [--axis axial|coronal|sagittal] [--seed 0] --out data.npz|data.zip
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import type { WindowChoice } from '../src/importers/dicom/window';
import { CT_WINDOW_PRESETS } from '../src/importers/dicom/window';
import { exportNpz, exportPngZip } from '../src/importers/exportDataset';
import type { LabelSource } from '../src/importers/labels';
import type { SliceAxis } from '../src/importers/nifti';
import { importDataset } from '../src/importers/pipeline';
import type { ImportFile } from '../src/importers/types';
import { errorMessage } from '../src/core/errorMessage';

interface CliOptions {
  inputs: string[];
  size: number;
  channels: 1 | 3;
  fit: 'crop' | 'pad';
  labels: LabelSource;
  window?: WindowChoice;
  axis: SliceAxis;
  seed: number;
  out: string;
}

function usage(message: string): never {
  console.error(`convert: ${message}\nusage: npm run convert -- <files or folders> --size 64 [--channels 1|3] [--fit crop|pad] [--labels file.csv | --folder-labels] [--window brain|lung|bone|abdomen|C,W] [--axis axial|coronal|sagittal] [--seed N] --out data.npz|data.zip`);
  process.exit(2);
}

function parseArgs(argv: string[]): CliOptions {
  const options: Partial<CliOptions> & { inputs: string[] } = { inputs: [], channels: 1, fit: 'crop', labels: { kind: 'none' }, axis: 'axial', seed: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i] ?? usage(`${arg} needs a value`);
    switch (arg) {
      case '--size': options.size = Number(value()); break;
      case '--channels': options.channels = Number(value()) === 3 ? 3 : 1; break;
      case '--fit': options.fit = value() === 'pad' ? 'pad' : 'crop'; break;
      case '--labels': options.labels = { kind: 'csv', text: readFileSync(value(), 'utf8') }; break;
      case '--folder-labels': options.labels = { kind: 'folder' }; break;
      case '--axis': options.axis = value() as SliceAxis; break;
      case '--seed': options.seed = Number(value()); break;
      case '--out': options.out = value(); break;
      case '--window': {
        const w = value();
        if (w in CT_WINDOW_PRESETS) options.window = { kind: 'preset', preset: w as keyof typeof CT_WINDOW_PRESETS };
        else {
          const [center, width] = w.split(',').map(Number);
          if (!Number.isFinite(center) || !(width > 0)) usage(`--window must be a preset or C,W, got ${w}`);
          options.window = { kind: 'custom', window: { center, width } };
        }
        break;
      }
      default:
        if (arg.startsWith('--')) usage(`unknown option ${arg}`);
        options.inputs.push(arg);
    }
  }
  if (options.inputs.length === 0) usage('no input files or folders');
  if (!options.size) usage('--size is required');
  if (!options.out || !/\.(npz|zip)$/i.test(options.out)) usage('--out must end in .npz or .zip');
  return options as CliOptions;
}

/** Walk inputs lazily: bytes are read only when the pipeline reaches the file. */
function* walk(inputs: string[]): Generator<ImportFile> {
  for (const input of inputs) {
    const root = resolve(input);
    if (!statSync(root).isDirectory()) {
      yield { name: basename(root), relativePath: basename(root), bytes: () => new Uint8Array(readFileSync(root)) };
      continue;
    }
    const stack = [root];
    while (stack.length) {
      const dir = stack.pop()!;
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (entry.name.startsWith('.')) continue;
        const full = join(dir, entry.name);
        if (entry.isDirectory()) stack.push(full);
        else if (entry.isFile()) yield { name: entry.name, relativePath: relative(root, full), bytes: () => new Uint8Array(readFileSync(full)) };
      }
    }
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const files = [...walk(options.inputs)];
  const { dataset, report } = await importDataset(files, {
    size: options.size,
    channels: options.channels,
    fit: options.fit,
    labels: options.labels,
    window: options.window,
    nifti: { axis: options.axis },
    seed: options.seed,
    filesTotal: files.length,
    onProgress: (p) => {
      if (p.filesDone % 500 === 0 || p.filesDone === p.filesTotal) {
        process.stderr.write(`\r${p.filesDone}/${p.filesTotal} files, ${p.filesPerSecond.toFixed(0)} files/s, ETA ${(p.etaSeconds ?? 0).toFixed(0)} s   `);
      }
    },
  });
  process.stderr.write('\n');
  if (dataset.images.length === 0) {
    console.error('convert: no images imported');
    for (const row of report.rejected) console.error(`  rejected ${row.relativePath}: ${row.reason}`);
    process.exit(1);
  }
  const bytes = /\.npz$/i.test(options.out) ? exportNpz(dataset) : exportPngZip(dataset);
  writeFileSync(options.out, bytes);
  const splitCounts = { train: 0, val: 0, test: 0 };
  for (const image of dataset.images) splitCounts[image.split ?? 'train']++;
  console.log(JSON.stringify({ out: options.out, images: dataset.images.length, splits: splitCounts, classCounts: report.classCounts, rejected: report.rejected, notices: report.notices, duplicates: report.duplicates.length, elapsedMs: report.elapsedMs }, null, 2));
}

main().catch((error: unknown) => {
  console.error(`convert: ${errorMessage(error)}`);
  process.exit(1);
});
