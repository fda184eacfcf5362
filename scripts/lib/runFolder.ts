/**
 * The files of a command-line run folder (--out), beside the store that --resume reads:
 *   run.json            the run record (settings, model config, status, curves, checkpoints, log) and the command line
 *   metrics.csv         one row per metrics readback
 *   samples-NNNNNN.png  the fixed-noise sample grid at each sampling step; samples-final.png the newest
 *   real.png            real training images in the same layout (per class for conditional runs)
 *   sampled-stepN.npz   images drawn with --sample (MedMNIST layout; labels and class_names when conditional)
 *   run.phantomrun      the run file of the newest checkpoint, optimiser state included, as the studio exports it
 *                       (import it in the studio, or npm run generate -- --run <folder>/run.phantomrun)
 *   store/              checkpoints, sample grids and the training images, as the studio stores them
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import type { GeneratedSet } from '../../src/generation/generateFromRun';
import { writeNpz, type NpyWritable } from '../../src/importers/npy';
import { CLASS_NAMES_KEY } from '../../src/importers/npzLayout';
import type { RunRecord, SampleGrid } from '../../src/training/runTypes';
import type { TrainingSet } from './trainingSet';

export function runPaths(out: string) {
  return { store: join(out, 'store'), record: join(out, 'run.json'), metrics: join(out, 'metrics.csv'), runFile: join(out, 'run.phantomrun') };
}

function gridPng(pixels: Uint8Array, count: number, size: number, cols: number): Uint8Array {
  const rows = Math.ceil(count / cols);
  const width = cols * (size + 2);
  const height = rows * (size + 2);
  const out = new Uint8Array(width * height).fill(32);
  for (let i = 0; i < count; i++) {
    const ox = (i % cols) * (size + 2) + 1;
    const oy = Math.floor(i / cols) * (size + 2) + 1;
    for (let y = 0; y < size; y++) out.set(pixels.subarray(i * size * size + y * size, i * size * size + (y + 1) * size), (oy + y) * width + ox);
  }
  return encode({ width, height, data: out, channels: 1, depth: 8 });
}

/** One sample grid, a row per class for conditional runs. */
export function writeSampleGrid(out: string, grid: SampleGrid, name: string): void {
  const cols = Math.max(...countPerLabel(grid.labels));
  writeFileSync(join(out, name), gridPng(grid.pixels, grid.labels.length, grid.resolution, cols));
  writeFileSync(join(out, 'samples-final.png'), gridPng(grid.pixels, grid.labels.length, grid.resolution, cols));
}

function countPerLabel(labels: Int32Array): number[] {
  const counts = new Map<number, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts.values()];
}

/** Real training images laid out like the sample grids, for a side-by-side look. */
export function writeRealGrid(out: string, data: TrainingSet, perClass: number, conditional: boolean): void {
  const classes = conditional ? data.classNames.length : 1;
  const px = data.size * data.size;
  const real = new Uint8Array(perClass * classes * px);
  let k = 0;
  for (let c = 0; c < classes; c++) {
    let taken = 0;
    for (let i = 0; i < data.labels.length && taken < perClass; i++) {
      if (conditional && data.labels[i] !== c) continue;
      real.set(data.images.subarray(i * px, (i + 1) * px), k++ * px);
      taken++;
    }
  }
  writeFileSync(join(out, 'real.png'), gridPng(real.subarray(0, k * px), k, data.size, perClass));
}

export function writeRunFiles(out: string, record: RunRecord, cli: { commandLine: string[]; backend: string; wallSeconds: number }): void {
  const paths = runPaths(out);
  writeFileSync(paths.record, JSON.stringify({ cli, record }, null, 1));
  const columns = [...new Set(record.history.flatMap((row) => Object.keys(row.values)))];
  const lines = [['step', 'time', ...columns].join(','), ...record.history.map((row) => [row.step, new Date(row.time).toISOString(), ...columns.map((c) => row.values[c] ?? '')].join(','))];
  writeFileSync(paths.metrics, lines.join('\n') + '\n');
}

/** Sampled images as an npz `metrics` reads directly (--fake sampled.npz); class names when conditional. */
export function writeSampledNpz(out: string, set: GeneratedSet, classNames: string[] | null): string {
  if (set.channels !== 1) throw new Error('sampling writes grey images only');
  const arrays: Record<string, NpyWritable> = { train_images: { data: set.pixels, shape: [set.count, set.resolution, set.resolution] } };
  if (classNames) {
    arrays.train_labels = { data: set.labels, shape: [set.count, 1] };
    arrays[CLASS_NAMES_KEY] = { data: classNames, shape: [classNames.length] };
  }
  const path = join(out, `sampled-step${set.step}.npz`);
  writeFileSync(path, writeNpz(arrays));
  return path;
}
