/**
 * Tensor growth over a long run, per model kind, on the wasm backend with the studio's training
 * kernels: tiny 8 px models (models/tensorGrowth.ts) trained with the Trainer's periodic
 * readback, fixed-noise sampling (EMA weights) and state export; live tensors and bytes after a
 * warm-up against after the run. The PG-GAN's 4 → 8 px fade lies inside the measured steps.
 *
 *   npx tsx bench/tensorGrowth.node.ts [--steps 1000] [--warmup 10] [--models dcgan,cwgan-gp,pggan,vae,ddpm]
 *        [--readback-every 10] [--sample-every 100] [--checkpoint-every 250] [--json out.json]
 *
 * Exits 1 when any model ends with more (or fewer) tensors or bytes than it started with.
 * models/tensorGrowth.test.ts runs the same check over fewer steps.
 */
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import { createModel } from '../models/index';
import { GROWTH_CONFIGS, growthConfig, measureTensorGrowth, type GrowthModelName, type GrowthResult } from '../models/tensorGrowth';
import { phantomBatches } from '../src/testing/phantomBatches';
import { useWasmBackend } from '../src/testing/wasmBackend';

function option(argv: string[], flag: string, fallback: string): string {
  const i = argv.indexOf(flag);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
}

function positiveInt(argv: string[], flag: string, fallback: number): number {
  const value = Number(option(argv, flag, String(fallback)));
  if (!Number.isInteger(value) || value < 1) throw new Error(`bench/tensorGrowth.node.ts: ${flag} needs a positive integer, got ${option(argv, flag, '')}`);
  return value;
}

const argv = process.argv.slice(2);
const steps = positiveInt(argv, '--steps', 1000);
const warmup = positiveInt(argv, '--warmup', 10);
const cadence = {
  readbackEvery: positiveInt(argv, '--readback-every', 10),
  sampleEvery: positiveInt(argv, '--sample-every', 100),
  checkpointEvery: positiveInt(argv, '--checkpoint-every', 250),
  samplesPerClass: 2,
};
const names = option(argv, '--models', Object.keys(GROWTH_CONFIGS).join(',')).split(',') as GrowthModelName[];
for (const name of names)
  if (!(name in GROWTH_CONFIGS)) throw new Error(`bench/tensorGrowth.node.ts: unknown model '${name}' (${Object.keys(GROWTH_CONFIGS).join(', ')})`);
const json = option(argv, '--json', '');

await useWasmBackend();
const data = phantomBatches(8, 16);
const rows: (GrowthResult & { model: string })[] = [];
const bytes = (n: number) => n.toLocaleString('en-US');
const mib = (bytes: number | null) => (bytes === null ? '–' : `${(bytes / 2 ** 20).toFixed(1)} MiB`);

console.log(`wasm backend, ${steps} steps after ${warmup} warm-up steps; readback every ${cadence.readbackEvery}, sample every ${cadence.sampleEvery}, export every ${cadence.checkpointEvery}`);
console.log('| model | steps | numTensors start → end | numBytes start → end | wasm heap start → end | ms/step | PG-GAN phases |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const name of names) {
  // The 4 → 8 px switch: a third of the way in, faded in over the next third.
  const model = createModel(growthConfig(name, Math.floor((warmup + steps) / 3)));
  const result = await measureTensorGrowth(model, data, warmup, steps, cadence);
  model.dispose();
  rows.push({ model: name, ...result });
  const { start, end, growth } = result;
  const phases = growth ? `${growth.resolutions.join(' → ')} px, ${growth.fadingSteps} fading steps` : '';
  console.log(
    `| ${name} | ${steps} | ${start.numTensors} → ${end.numTensors} | ${bytes(start.numBytes)} → ${bytes(end.numBytes)} ` +
      `| ${mib(start.wasmHeapBytes)} → ${mib(end.wasmHeapBytes)} | ${result.msPerStep.toFixed(1)} | ${phases} |`,
  );
}
data.dispose();
console.log(`after disposing every model and the data: ${tf.memory().numTensors} tensors`);
if (json) writeFileSync(json, JSON.stringify({ steps, warmup, cadence, rows }, null, 2));
const grown = rows.filter((r) => r.end.numTensors !== r.start.numTensors || r.end.numBytes !== r.start.numBytes);
if (grown.length > 0) {
  console.error(`tensor count or bytes changed: ${grown.map((r) => r.model).join(', ')}`);
  process.exitCode = 1;
}
