/**
 * Trains a studio model from the command line with the app's own Trainer, on the wasm backend (our
 * training kernels) or cpu, and writes curves and sample grids beside real images. For real-data
 * checks and long runs outside a browser.
 *
 *   npm run train -- --data pneumoniamnist.npz --model dcgan --minutes 20 --out runs/dcgan
 *   npm run train -- --data phantom:head-ct:64:2000 --model wgan-gp --steps 500 --out runs/wgan
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { encode } from 'fast-png';
import { registerWasmTrainingKernels } from '../src/compute/wasm/trainingKernels';
import { generatePhantoms, type PhantomModality, type PhantomSize } from '../src/data/phantom';
import { readNpz } from '../src/importers/npy';
import { openMemoryStore } from '../src/storage/memoryStore';
import { saveDataset } from '../src/storage/datasetStore';
import { Trainer } from '../src/training/trainer';
import type { ModelKind } from '../models/types';
import type { RunSettings, SampleGrid } from '../src/training/runTypes';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    model: { type: 'string', default: 'dcgan' },
    steps: { type: 'string', default: '100000' },
    minutes: { type: 'string', default: '0' },
    batch: { type: 'string' },
    width: { type: 'string' },
    conditional: { type: 'boolean', default: false },
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string', default: 'runs/latest' },
    seed: { type: 'string', default: '1' },
    'sample-every': { type: 'string', default: '500' },
  },
});

function fail(message: string): never {
  console.error(`train: ${message}`);
  process.exit(2);
}

async function loadData(spec: string) {
  if (spec.startsWith('phantom:')) {
    const [, modality, size, count] = spec.split(':');
    const set = generatePhantoms({ modality: modality as PhantomModality, size: Number(size) as PhantomSize, count: Number(count), seed: 1 });
    return { images: set.images, labels: set.labels, size: Number(size), classNames: [...set.classNames] };
  }
  const arrays = readNpz(new Uint8Array(readFileSync(spec)), spec);
  const images = arrays.get('train_images');
  const labels = arrays.get('train_labels');
  if (!images || !labels) fail(`${spec} has no train_images/train_labels (MedMNIST layout expected)`);
  if (images.shape.length !== 3) fail(`${spec}: only grey MedMNIST images (N, H, W) are supported here, got shape ${images.shape}`);
  const classCount = Math.max(...Array.from(labels.data as Uint8Array)) + 1;
  return {
    images: images.data as Uint8Array,
    labels: Uint8Array.from(labels.data as Uint8Array),
    size: images.shape[1],
    classNames: Array.from({ length: classCount }, (_, i) => String(i)),
  };
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

async function main() {
  if (!args.data) fail('--data <file.npz | phantom:MODALITY:SIZE:COUNT> is required');
  const outDir = resolve(args.out!);
  mkdirSync(outDir, { recursive: true });
  if (args.backend === 'wasm') {
    registerWasmTrainingKernels();
    setWasmPaths(`${resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
  }
  if (!(await tf.setBackend(args.backend!))) fail(`backend ${args.backend} did not start`);
  await tf.ready();

  const data = await loadData(args.data);
  const store = openMemoryStore();
  const count = data.labels.length;
  const chunk = 256;
  await saveDataset(
    store,
    { id: 'data', name: args.data, source: 'import', description: args.data, width: data.size, height: data.size, channels: 1, count, classNames: data.classNames, chunkSize: chunk, createdAt: Date.now() },
    { labels: data.labels, splits: new Uint8Array(count) },
    Array.from({ length: Math.ceil(count / chunk) }, (_, i) => ({ pixels: data.images.slice(i * chunk * data.size * data.size, Math.min(count, (i + 1) * chunk) * data.size * data.size) })),
  );

  const kind = args.model as ModelKind;
  const model: Record<string, unknown> = { kind, seed: Number(args.seed) };
  if (args.batch) model.batchSize = Number(args.batch);
  if (args.width) model.width = Number(args.width);
  if (args.conditional) model.numClasses = data.classNames.length;
  const sampleEvery = Number(args['sample-every']);
  const settings: RunSettings = {
    name: `${kind} on ${args.data}`,
    datasetId: 'data',
    model: model as RunSettings['model'],
    totalSteps: Number(args.steps),
    readbackEvery: 25,
    sampleEvery,
    checkpointEvery: sampleEvery,
    keepCheckpoints: 2,
    samplesPerClass: args.conditional ? 8 : 16,
    seed: Number(args.seed),
  };
  let latest: SampleGrid | null = null;
  const started = Date.now();
  const deadline = Number(args.minutes) > 0 ? started + Number(args.minutes) * 60_000 : Infinity;
  let trainer: Trainer | null = null;
  trainer = await Trainer.create(store, 'cli', settings, {
    emit: (event) => {
      if (event.type === 'metrics') {
        const row = event.rows[0];
        const values = Object.entries(row.values).filter(([k]) => !['learningRate', 'absWasserstein'].includes(k)).map(([k, v]) => `${k} ${v.toPrecision(4)}`);
        console.log(`step ${event.step} · ${((Date.now() - started) / 1000).toFixed(0)} s · ${values.join(' · ')}`);
        if (Date.now() > deadline) trainer?.pause();
      } else if (event.type === 'samples') {
        latest = event.grid;
        writeFileSync(join(outDir, `samples-${String(event.grid.step).padStart(6, '0')}.png`), gridPng(event.grid.pixels, event.grid.labels.length, event.grid.resolution, settings.samplesPerClass));
      } else if (event.type === 'log') {
        console.log(`[${event.entry.level}] ${event.entry.text}`);
      }
    },
    replaceBackend: async (reason) => fail(`backend failed: ${reason}`),
    backendName: () => tf.getBackend(),
  });
  const record = await trainer.run();
  trainer.dispose();
  const wall = (Date.now() - started) / 1000;
  const grid = latest as SampleGrid | null;
  if (grid) writeFileSync(join(outDir, 'samples-final.png'), gridPng(grid.pixels, grid.labels.length, grid.resolution, settings.samplesPerClass));
  // Real images in the same layout (per class when conditional), for a side-by-side look.
  const perClass = settings.samplesPerClass;
  const classes = args.conditional ? data.classNames.length : 1;
  const real = new Uint8Array(perClass * classes * data.size * data.size);
  for (let c = 0, k = 0; c < classes; c++) {
    let taken = 0;
    for (let i = 0; i < count && taken < perClass; i++) {
      if (args.conditional && data.labels[i] !== c) continue;
      real.set(data.images.subarray(i * data.size * data.size, (i + 1) * data.size * data.size), k * data.size * data.size);
      k++;
      taken++;
    }
  }
  writeFileSync(join(outDir, 'real.png'), gridPng(real, perClass * classes, data.size, perClass));
  writeFileSync(join(outDir, 'history.json'), JSON.stringify({ settings, config: record.config, backend: tf.getBackend(), wallSeconds: wall, steps: record.step, status: record.status, history: record.history, log: record.log }, null, 1));
  console.log(JSON.stringify({ status: record.status, steps: record.step, wallSeconds: wall, msPerStep: (wall * 1000) / Math.max(1, record.step), backend: tf.getBackend(), last: record.history.at(-1)?.values }));
}

void main();
