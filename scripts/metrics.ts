/**
 * Evaluate a fake (synthetic) set against a real one from the command line:
 *
 *   npm run metrics -- --real <dir|npz|npy> --fake <dir|npz|npy> [--paired] [--features radiomics|raw] [--json]
 *
 * - a folder: every .png below it (sorted by path), 8- or 16-bit, grey or colour (averaged);
 * - .npz in MedMNIST layout: --real-key / --fake-key choose the array (default train_images);
 * - .npy: precomputed N x D features (float32/float64), compared as they are, so the numbers
 *   can be checked against a Python implementation on the same file.
 * Options: --k <PRDC k=5> --kid-subsets <100> --kid-subset-size <1000> --seed <0> --limit <N per set>.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseNpy, readNpz, type NpyArray } from '../src/importers/npy';
import { decodePng } from '../src/importers/raster';
import { reportFromFeatures, reportFromImages, type FeatureSpace, type MetricsReport } from '../src/metrics/report';
import type { FeatureMatrix, ImageStack } from '../src/metrics/types';

type Loaded = { kind: 'images'; stack: ImageStack } | { kind: 'features'; matrix: FeatureMatrix };

class CliError extends Error {}

/**
 * File bytes as a plain Uint8Array. Node's Buffer#slice returns a view into a shared pool, so a
 * reader that does `bytes.slice(...).buffer` would see the whole pool; a copy avoids that.
 */
function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

function listPngs(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listPngs(path));
    else if (entry.name.toLowerCase().endsWith('.png')) out.push(path);
  }
  return out.sort();
}

function loadPngDir(dir: string, limit: number): ImageStack {
  const files = listPngs(dir).slice(0, limit);
  if (files.length === 0) throw new CliError(`${dir}: no .png files found`);
  let stack: { data: Float32Array; width: number; height: number; eightBit: boolean } | null = null;
  files.forEach((file, n) => {
    let img;
    try {
      img = decodePng(readBytes(file));
    } catch (error) {
      throw new CliError(`${file}: ${(error as Error).message}`);
    }
    stack ??= { data: new Float32Array(files.length * img.width * img.height), width: img.width, height: img.height, eightBit: true };
    if (img.width !== stack.width || img.height !== stack.height) {
      throw new CliError(`${file}: is ${img.width}x${img.height} but ${files[0]} is ${stack.width}x${stack.height}; all images of a set must share one size`);
    }
    if (img.meta.bitsStored !== 8) stack.eightBit = false;
    const px = img.width * img.height;
    for (let p = 0; p < px; p++) {
      let v = 0;
      for (let c = 0; c < img.channels; c++) v += img.pixels[p * img.channels + c];
      stack.data[n * px + p] = v / img.channels;
    }
  });
  const s = stack!;
  // 8-bit files go back to bytes so they quantise exactly like the same images from an .npz.
  const data = s.eightBit ? Uint8Array.from(s.data, (v) => Math.round(v * 255)) : s.data;
  return { data, count: files.length, width: s.width, height: s.height };
}

function imagesFromArray(array: NpyArray, where: string, limit: number): ImageStack {
  if (array.shape.length !== 3 && !(array.shape.length === 4 && array.shape[3] === 1)) {
    throw new CliError(`${where}: expected images shaped (N, H, W) or (N, H, W, 1), got (${array.shape.join(', ')})`);
  }
  const [count, height, width] = array.shape;
  const n = Math.min(count, limit);
  const px = width * height;
  if (array.data instanceof Uint8Array) return { data: array.data.subarray(0, n * px), count: n, width, height };
  if (array.data instanceof BigInt64Array || Array.isArray(array.data)) throw new CliError(`${where}: ${array.dtype} images are not supported`);
  // Other dtypes are assumed to be on [0, 1] already (float) or are rescaled by their max.
  const src = array.data;
  let max = 0;
  for (let i = 0; i < n * px; i++) max = Math.max(max, src[i]);
  const scale = array.dtype.startsWith('f') && max <= 1 ? 1 : 1 / (max || 1);
  return { data: Float32Array.from(src.subarray(0, n * px), (v) => v * scale), count: n, width, height };
}

function featuresFromArray(array: NpyArray, where: string, limit: number): FeatureMatrix {
  if (array.shape.length !== 2) throw new CliError(`${where}: precomputed features must be a 2-D (N, D) array, got (${array.shape.join(', ')})`);
  if (!(array.data instanceof Float32Array || array.data instanceof Float64Array)) {
    throw new CliError(`${where}: precomputed features must be float32 or float64, got ${array.dtype}`);
  }
  const [rows, cols] = array.shape;
  const n = Math.min(rows, limit);
  return { data: array.data.subarray(0, n * cols), rows: n, cols };
}

function load(path: string, key: string, limit: number): Loaded {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new CliError(`${path}: no such file or folder`);
  }
  if (stat.isDirectory()) return { kind: 'images', stack: loadPngDir(path, limit) };
  const ext = extname(path).toLowerCase();
  if (ext === '.npy') return { kind: 'features', matrix: featuresFromArray(parseNpy(readBytes(path), path), path, limit) };
  if (ext === '.npz') {
    const arrays = readNpz(readBytes(path), path);
    const array = arrays.get(key);
    if (!array) throw new CliError(`${path}: has no array "${key}" (has: ${[...arrays.keys()].join(', ')}); choose one with --real-key/--fake-key`);
    return { kind: 'images', stack: imagesFromArray(array, `${path}:${key}`, limit) };
  }
  throw new CliError(`${path}: expected a folder of PNGs, an .npz or an .npy`);
}

/** Infinity → null (JSON has no infinity), typed arrays → omitted (per-sample detail, not metrics). */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (ArrayBuffer.isView(value)) return undefined;
  return value;
}

function printHuman(report: MetricsReport, real: string, fake: string): void {
  const d = report.distribution;
  const f = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? 'n/a' : Number(v.toPrecision(digits)).toString());
  const lines = [
    `real: ${real} (N=${d.n.real})   fake: ${fake} (N=${d.n.fake})   features: ${report.featureSpace}, ${report.dims} dims`,
    `${report.frechetName}: ${f(d.frechet.value, 6)}`,
    `KID: full ${f(d.kid.full)}${d.kid.subsets ? `, subsets ${f(d.kid.subsets.mean)} ± ${f(d.kid.subsets.std)} (${d.kid.subsets.count} x ${d.kid.subsets.size})` : ''}`,
    `PRDC (k=${d.prdc.k}): precision ${f(d.prdc.precision)}, recall ${f(d.prdc.recall)}, density ${f(d.prdc.density)}, coverage ${f(d.prdc.coverage)}`,
  ];
  if (report.diversity) lines.push(`diversity (mean pairwise SSIM): real ${f(report.diversity.real.meanSsim)}, fake ${f(report.diversity.fake.meanSsim)}`);
  if (report.paired) {
    const p = report.paired;
    lines.push(`paired (${p.pairs}): SSIM ${f(p.ssim)}, PSNR ${f(p.psnr)} dB, MSE ${f(p.mse)}, MAE ${f(p.mae)}, MS-SSIM ${p.msSsim === null ? `n/a (${p.msSsimError})` : f(p.msSsim)}`);
  }
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  console.log(lines.join('\n'));
}

function main(): void {
  const { values } = parseArgs({
    options: {
      real: { type: 'string' },
      fake: { type: 'string' },
      'real-key': { type: 'string', default: 'train_images' },
      'fake-key': { type: 'string', default: 'train_images' },
      paired: { type: 'boolean', default: false },
      features: { type: 'string', default: 'radiomics' },
      json: { type: 'boolean', default: false },
      k: { type: 'string', default: '5' },
      'kid-subsets': { type: 'string', default: '100' },
      'kid-subset-size': { type: 'string', default: '1000' },
      seed: { type: 'string', default: '0' },
      limit: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.real || !values.fake) {
    console.log('usage: npm run metrics -- --real <dir|npz|npy> --fake <dir|npz|npy> [--paired] [--features radiomics|raw] [--json]\n' +
      '       [--real-key train_images] [--fake-key train_images] [--k 5] [--kid-subsets 100] [--kid-subset-size 1000] [--seed 0] [--limit N]');
    process.exit(values.help ? 0 : 2);
  }
  const int = (name: string, text: string | undefined): number => {
    const v = Number(text);
    if (!Number.isInteger(v) || v < 0) throw new CliError(`--${name} must be a non-negative integer, got "${text}"`);
    return v;
  };
  if (values.features !== 'radiomics' && values.features !== 'raw') throw new CliError(`--features must be radiomics or raw, got "${values.features}"`);
  const limit = values.limit === undefined ? Infinity : int('limit', values.limit);
  const options = {
    features: values.features as FeatureSpace,
    paired: values.paired,
    k: int('k', values.k),
    seed: int('seed', values.seed),
    kid: { subsets: int('kid-subsets', values['kid-subsets']), subsetSize: int('kid-subset-size', values['kid-subset-size']), seed: int('seed', values.seed) },
  };
  const real = load(values.real, values['real-key']!, limit);
  const fake = load(values.fake, values['fake-key']!, limit);
  let report: MetricsReport;
  if (real.kind === 'features' && fake.kind === 'features') {
    if (values.paired) throw new CliError('--paired needs images, not precomputed features');
    report = reportFromFeatures(real.matrix, fake.matrix, options);
  } else if (real.kind === 'images' && fake.kind === 'images') {
    report = reportFromImages(real.stack, fake.stack, options);
  } else {
    throw new CliError('--real and --fake must both be images (folder/.npz) or both precomputed features (.npy)');
  }
  if (values.json) console.log(JSON.stringify({ real: values.real, fake: values.fake, ...report }, jsonReplacer, 2));
  else printHuman(report, values.real, values.fake);
}

try {
  main();
} catch (error) {
  console.error(`metrics: ${(error as Error).message}`);
  process.exit(1);
}
