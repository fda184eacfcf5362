/**
 * The image sets `npm run metrics` compares, read from a folder of PNGs, an array of an .npz, or
 * precomputed features in an .npy, with their labels and class names when the source has them:
 * an npz's `{split}_labels` and `class_names`, or the folder each PNG sits in. `subsetOf` takes a
 * seeded random subset, never the first N: a converted npz is sorted by class within each split,
 * so its first N images are one class.
 */
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { Random } from '../../src/data/random';
import { parseNpy, readNpz, type NpyArray } from '../../src/importers/npy';
import { readNpzLayout } from '../../src/importers/npzLayout';
import { decodePng } from '../../src/importers/raster';
import type { FeatureMatrix, ImageStack } from '../../src/metrics/types';
import { errorMessage } from '../../src/core/errorMessage';
import { CliError } from './runCommand';
import { walkInputs, type SkippedEntry } from './walk';

export interface ImageSet {
  kind: 'images';
  /** What the set was read from: a folder, or `file.npz:key`. */
  source: string;
  stack: ImageStack;
  /** Per image: index into `classNames`; null when the source has no labels. */
  labels: Int32Array | null;
  classNames: string[] | null;
  /** Per image: where it is in the source (`normal/a.png`, `val_images[17]`), to name audit pairs. */
  names: string[];
  skipped: SkippedEntry[];
}

export interface FeatureSet {
  kind: 'features';
  source: string;
  matrix: FeatureMatrix;
}

export type LoadedSet = ImageSet | FeatureSet;

/**
 * File bytes as a plain Uint8Array. Node's Buffer#slice returns a view into a shared pool, so a
 * reader that does `bytes.slice(...).buffer` would see the whole pool; a copy avoids that.
 */
function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

export function loadSet(path: string, key: string): LoadedSet {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new CliError(`${path}: no such file or folder`);
  }
  if (isDirectory) return loadPngFolder(path);
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return { kind: 'features', source: path, matrix: featuresFromArray(parseNpy(readBytes(path), path), path) };
  if (ext === '.npz') return loadNpzImages(path, key);
  throw new CliError(`${path}: expected a folder of PNGs, an .npz or an .npy`);
}

/**
 * Every .png below the folder, in path order, 8- or 16-bit, grey or colour (averaged). When every
 * file sits in a sub-folder, that folder names its class (as `convert --folder-labels` does).
 */
function loadPngFolder(dir: string): ImageSet {
  const { files, skipped } = walkInputs([dir], (name) => name.toLowerCase().endsWith('.png'));
  if (files.length === 0) throw new CliError(`${dir}: no .png files found`);
  let data: Float32Array | null = null;
  let width = 0;
  let height = 0;
  let eightBit = true;
  files.forEach((file, n) => {
    let img;
    try {
      img = decodePng(readBytes(file.path));
    } catch (error) {
      throw new CliError(`${file.path}: ${errorMessage(error)}`);
    }
    if (!data) {
      width = img.width;
      height = img.height;
      data = new Float32Array(files.length * width * height);
    }
    if (img.width !== width || img.height !== height) {
      throw new CliError(`${file.path}: is ${img.width}x${img.height} but ${files[0].path} is ${width}x${height}; all images of a set must share one size`);
    }
    if (img.meta.bitsStored !== 8) eightBit = false;
    const px = width * height;
    for (let p = 0; p < px; p++) {
      let v = 0;
      for (let c = 0; c < img.channels; c++) v += img.pixels[p * img.channels + c];
      data[n * px + p] = v / img.channels;
    }
  });
  // 8-bit files go back to bytes so they quantise exactly like the same images from an .npz.
  const pixels = eightBit ? Uint8Array.from(data!, (v) => Math.round(v * 255)) : data!;
  const folders = files.map((f) => (f.relativePath.includes('/') ? f.relativePath.split('/').at(-2)! : null));
  let labels: Int32Array | null = null;
  let classNames: string[] | null = null;
  if (folders.every((f) => f !== null)) {
    classNames = [...new Set(folders as string[])].sort();
    labels = Int32Array.from(folders as string[], (f) => classNames!.indexOf(f));
  }
  return { kind: 'images', source: dir, stack: { data: pixels, count: files.length, width, height }, labels, classNames, names: files.map((f) => f.relativePath), skipped };
}

function loadNpzImages(path: string, key: string): ImageSet {
  const arrays = readNpz(readBytes(path), path);
  const array = arrays.get(key);
  const imageKeys = [...arrays.keys()].filter((k) => k === 'images' || k.endsWith('_images'));
  if (!array) throw new CliError(`${path}: has no array "${key}" (image arrays: ${imageKeys.join(', ') || 'none'}); choose one with --real-key/--fake-key`);
  const source = `${path}:${key}`;
  const names = (count: number) => Array.from({ length: count }, (_, i) => `${key}[${i}]`);
  // The studio's layout (uint8 with labels and class names) when it applies; other arrays as plain images.
  const part = array.data instanceof Uint8Array ? readNpzLayout(arrays, path).parts.find((p) => p.imageKey === key) : undefined;
  if (part) {
    if (part.channels !== 1) throw new CliError(`${source}: RGB images are not supported by the metrics; convert them to grey (convert --channels 1)`);
    const layout = readNpzLayout(arrays, path);
    return {
      kind: 'images',
      source,
      stack: { data: part.pixels, count: part.count, width: part.width, height: part.height },
      labels: part.labels,
      classNames: part.labels ? layout.classNames : null,
      names: names(part.count),
      skipped: [],
    };
  }
  const stack = imagesFromArray(array, source);
  return { kind: 'images', source, stack, labels: null, classNames: null, names: names(stack.count), skipped: [] };
}

function imagesFromArray(array: NpyArray, where: string): ImageStack {
  if (array.shape.length !== 3 && !(array.shape.length === 4 && array.shape[3] === 1)) {
    throw new CliError(`${where}: expected images shaped (N, H, W) or (N, H, W, 1), got (${array.shape.join(', ')})`);
  }
  const [count, height, width] = array.shape;
  if (array.data instanceof Uint8Array) return { data: array.data, count, width, height };
  if (array.data instanceof BigInt64Array || Array.isArray(array.data)) throw new CliError(`${where}: ${array.dtype} images are not supported`);
  // Other dtypes are assumed to be on [0, 1] already (float) or are rescaled by their max.
  const src = array.data;
  let max = 0;
  for (let i = 0; i < src.length; i++) max = Math.max(max, src[i]);
  const scale = array.dtype.startsWith('f') && max <= 1 ? 1 : 1 / (max || 1);
  return { data: Float32Array.from(src, (v) => v * scale), count, width, height };
}

function featuresFromArray(array: NpyArray, where: string): FeatureMatrix {
  if (array.shape.length !== 2) throw new CliError(`${where}: precomputed features must be a 2-D (N, D) array, got (${array.shape.join(', ')})`);
  if (!(array.data instanceof Float32Array || array.data instanceof Float64Array)) {
    throw new CliError(`${where}: precomputed features must be float32 or float64, got ${array.dtype}`);
  }
  const [rows, cols] = array.shape;
  return { data: array.data, rows, cols };
}

/** Seeded random indices 0..count-1, `take` of them, ascending (so the set keeps its order). */
export function randomSubset(count: number, take: number, seed: number): Int32Array {
  const order = Array.from({ length: count }, (_, i) => i);
  return Int32Array.from(new Random(seed).shuffle(order).slice(0, Math.min(take, count))).sort();
}

/** The set restricted to a seeded random subset of `limit` images (all of them when there are fewer). */
export function subsetOf<T extends LoadedSet>(set: T, limit: number, seed: number): T {
  const count = set.kind === 'images' ? set.stack.count : set.matrix.rows;
  if (limit >= count) return set;
  return pick(set, randomSubset(count, limit, seed));
}

/** The set restricted to the given rows, in that order. */
export function pick<T extends LoadedSet>(set: T, rows: Int32Array): T {
  if (set.kind === 'features') return { ...set, matrix: pickRows(set.matrix, rows) };
  const { stack } = set;
  const px = stack.width * stack.height;
  const data = stack.data instanceof Uint8Array ? new Uint8Array(rows.length * px) : new Float32Array(rows.length * px);
  rows.forEach((r, i) => data.set(stack.data.subarray(r * px, (r + 1) * px), i * px));
  return {
    ...set,
    stack: { ...stack, data, count: rows.length },
    labels: set.labels ? Int32Array.from(rows, (r) => set.labels![r]) : null,
    names: Array.from(rows, (r) => set.names[r]),
  };
}

export function pickRows(matrix: FeatureMatrix, rows: ArrayLike<number>): FeatureMatrix {
  const data = new Float64Array(rows.length * matrix.cols);
  for (let i = 0; i < rows.length; i++) data.set(matrix.data.subarray(rows[i] * matrix.cols, (rows[i] + 1) * matrix.cols), i * matrix.cols);
  return { data, rows: rows.length, cols: matrix.cols };
}
