/**
 * Where a DDPM's sampling time goes on wasm, and same-process A/B of sampling changes.
 *
 *   npx tsx bench/ddpmSample.node.ts [--sizes 32,64] [--count 64] [--sampler dpm-solver++] [--steps 15]
 *        [--rounds 3] [--profile-batch 32] [--a-without KernelName,...] [--only-profile]
 *
 * The model is the bench's (createModel of the studio's default DDPM config at that size, class-
 * conditional with BENCH_CLASSES), with every weight set to small random values (a fresh model's
 * zero-initialised output convs would make every sample the same). Images go through the Generate
 * stage's own path (renderSeeds: per-image seeds, batches of GENERATE_BATCH, bytes downloaded).
 *
 * Per size it prints: the kernel calls of one U-Net pass at --profile-batch and the top kernels by
 * time (tf.profile), then the CPU ms of `count` images, median over `rounds`, for arm A (the
 * kernels named in --a-without unregistered, so models/ composes the ops as before) and arm B
 * (every kernel), run alternately, and the largest pixel difference between the arms' images.
 * Without --a-without both arms are the same code (a check of the noise in the figures).
 * The wasm backend runs single-threaded (the build a page without cross-origin isolation gets).
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { createModel } from '../models';
import type { Ddpm } from '../models/ddpm';
import type { DiffusionSampler } from '../models/diffusionSamplers';
import { timeFeatureDim, timestepFeatures } from '../models/nets/unet';
import { rawWeights } from '../models/core/params';
import { oneHot } from '../models/layers/basic';
import { BENCH_CLASSES } from '../src/bench/benchModels';
import { renderSeeds } from '../src/generation/renderSeeds';
import { imageSeed } from '../src/generation/imageSeeds';
import { registerWasmTrainingKernels } from '../src/compute/wasm/trainingKernels';

function option(argv: string[], flag: string, fallback: string): string {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function randomise(model: Ddpm): void {
  model.unet.trainableNames().forEach((name, i) => {
    const variable = model.store.get(name);
    variable.assign(tf.tidy(() => tf.randomNormal(variable.shape, 0, name.endsWith('/gamma') ? 0.1 : 0.15, 'float32', i).add(name.endsWith('/gamma') ? 1 : 0)));
  });
}

/** Unregisters `names` while `body` runs (arm A), restoring them after. */
async function without<T>(names: readonly string[], body: () => Promise<T>): Promise<T> {
  const saved = names.map((n) => tf.getKernel(n, 'wasm')).filter((k) => k !== undefined);
  for (const k of saved) tf.unregisterKernel(k.kernelName, 'wasm');
  try {
    return await body();
  } finally {
    for (const k of saved) tf.registerKernel(k);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const sizes = option(argv, '--sizes', '32,64').split(',').map(Number);
  const count = Number(option(argv, '--count', '64'));
  const sampler = option(argv, '--sampler', 'dpm-solver++') as DiffusionSampler;
  const steps = Number(option(argv, '--steps', '15'));
  const rounds = Number(option(argv, '--rounds', '3'));
  const profileBatch = Number(option(argv, '--profile-batch', '32'));
  const aWithout = argv.includes('--a-without') ? option(argv, '--a-without', '').split(',').filter(Boolean) : [];
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  registerWasmTrainingKernels();
  const wasmDist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  setWasmPaths(`${wasmDist}/`);
  if (!(await tf.setBackend('wasm'))) throw new Error('bench/ddpmSample.node.ts: wasm backend failed to start');
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`load average at start: ${load()}; ${sampler} ${steps} steps, ${count} images; A without [${aWithout.join(', ')}]`);

  for (const resolution of sizes) {
    const model = createModel({ kind: 'ddpm', resolution, numClasses: BENCH_CLASSES }) as Ddpm;
    randomise(model);
    const { width } = model.config;

    // One U-Net pass at profileBatch, as generate runs it (fused, EMA off).
    const profilePass = async () => {
      const x = tf.randomNormal([profileBatch, resolution, resolution, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
      const features = timestepFeatures(new Array<number>(profileBatch).fill(500), timeFeatureDim(width));
      const labels = tf.tensor1d(Int32Array.from({ length: profileBatch }, (_, i) => i % BENCH_CLASSES), 'int32');
      const classes = oneHot(labels, BENCH_CLASSES);
      const w = rawWeights(model.store);
      tf.tidy(() => model.unet.forward(x, features, classes, w, { fused: true }));
      const info = await tf.profile(() => { tf.tidy(() => model.unet.forward(x, features, classes, w, { fused: true })); });
      tf.dispose([x, features, labels, classes]);
      const totals = new Map<string, { name: string; ms: number; calls: number }>();
      let total = 0;
      for (const k of info.kernels) {
        const e = totals.get(k.name) ?? { name: k.name, ms: 0, calls: 0 };
        e.ms += k.kernelTimeMs as number;
        total += k.kernelTimeMs as number;
        e.calls += 1;
        totals.set(k.name, e);
      }
      const top = [...totals.values()].sort((a, b) => b.ms - a.ms);
      return `${info.kernels.length} kernel calls, ${total.toFixed(0)} ms in kernels: ${top.map((k) => `${k.name} ${k.ms.toFixed(1)}ms/${k.calls}`).join(', ')}`;
    };
    console.log(`${resolution} px, one U-Net pass at batch ${profileBatch}:`);
    if (aWithout.length) console.log(`  A: ${await without(aWithout, profilePass)}`);
    console.log(`  B: ${await profilePass()}`);
    if (argv.includes('--only-profile')) { model.dispose(); continue; }

    const seeds = Array.from({ length: count }, (_, i) => imageSeed(1, i));
    const labels = Int32Array.from({ length: count }, (_, i) => i % BENCH_CLASSES);
    const controls = { sampler, samplingSteps: steps };
    const once = async (): Promise<{ ms: number; wallMs: number; images: Uint8Array }> => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const images = await renderSeeds(model, false, seeds, labels, controls);
      const used = process.cpuUsage(c0);
      return { ms: (used.user + used.system) / 1000, wallMs: performance.now() - t0, images };
    };
    const times: Record<'A' | 'B', number[]> = { A: [], B: [] };
    const walls: Record<'A' | 'B', number[]> = { A: [], B: [] };
    const images: Partial<Record<'A' | 'B', Uint8Array>> = {};
    const tensorsBefore = tf.memory().numTensors;
    await once(); // warm-up (XNNPACK operators, heap growth)
    for (let r = 0; r < rounds; r++) {
      for (const arm of (r % 2 === 0 ? ['A', 'B'] : ['B', 'A']) as ('A' | 'B')[]) {
        const run = await (arm === 'A' ? without(aWithout, once) : once());
        times[arm].push(run.ms);
        walls[arm].push(run.wallMs);
        images[arm] = run.images;
      }
    }
    let maxDiff = 0;
    for (let i = 0; i < images.A!.length; i++) maxDiff = Math.max(maxDiff, Math.abs(images.A![i] - images.B![i]));
    const fmt = (arm: 'A' | 'B') => `${median(times[arm]).toFixed(0)} CPU ms (wall ${median(walls[arm]).toFixed(0)}; runs ${times[arm].map((t) => t.toFixed(0)).join(', ')})`;
    console.log(`  ${count} images: A ${fmt('A')}; B ${fmt('B')}; images differ by at most ${maxDiff}/255; tensors ${tensorsBefore} → ${tf.memory().numTensors}; load ${load()}`);
    model.dispose();
  }
}

await main();
