/**
 * Times one DCGAN train step (one D update on real + fake, one G update) per backend in Node.
 *
 *   npx tsx bench/trainStep.node.ts [--backends wasm,cpu] [--models dcgan28,dcgan64]
 *        [--steps 10] [--warmup 2] [--batch 16] [--profile] [--json out.json]
 *
 * 'wasm' is tfjs-backend-wasm (SIMD, single thread) with registerWasmTrainingKernels();
 * 'wasm-stock' is the same backend without them (fails: no Conv2DBackpropFilter). The
 * tfjs cpu backend is ~10 s per DCGAN-28 step, so give it fewer steps with --cpu-steps.
 * --profile adds a per-kernel breakdown of one extra step (tf.profile; kernels run
 * synchronously on wasm and cpu, so the times are wall times of each kernel).
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { registerWasmTrainingKernels } from '../src/compute/wasm/trainingKernels';
import { DCGAN28, DCGAN64, DcganBenchModel } from './dcganArchitectures';
import type { DcganSpec } from './dcganArchitectures';

interface Options {
  backends: string[]; models: DcganSpec[]; steps: number; cpuSteps: number; warmup: number;
  batch: number; profile: boolean; json: string | null;
}

function parseOptions(argv: string[]): Options {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const specs: Record<string, DcganSpec> = { dcgan28: DCGAN28, dcgan64: DCGAN64 };
  const models = (get('--models') ?? 'dcgan28,dcgan64').split(',').map((name) => {
    const spec = specs[name];
    if (spec === undefined) throw new Error(`bench/trainStep.node.ts: unknown model '${name}' (dcgan28, dcgan64)`);
    return spec;
  });
  const steps = Number(get('--steps') ?? 10);
  return {
    backends: (get('--backends') ?? 'wasm,cpu').split(','),
    models,
    steps,
    cpuSteps: Number(get('--cpu-steps') ?? steps),
    warmup: Number(get('--warmup') ?? 2),
    batch: Number(get('--batch') ?? 16),
    profile: argv.includes('--profile'),
    json: get('--json') ?? null,
  };
}

interface KernelTotal { kernel: string; totalMs: number; calls: number }

export interface StepTiming {
  backend: string; model: string; batch: number; steps: number;
  medianMs: number; minMs: number; maxMs: number; losses: [number, number];
  kernels?: KernelTotal[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function useBackend(name: string): Promise<void> {
  if (name === 'wasm' || name === 'wasm-stock') {
    if (name === 'wasm') registerWasmTrainingKernels();
    const wasmDist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
    setWasmPaths(`${wasmDist}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('bench/trainStep.node.ts: wasm backend failed to start');
  } else if (!(await tf.setBackend(name))) {
    throw new Error(`bench/trainStep.node.ts: backend '${name}' is unavailable`);
  }
  await tf.ready();
}

async function timeModel(backend: string, spec: DcganSpec, opts: Options): Promise<StepTiming> {
  const model = new DcganBenchModel(spec);
  const real = tf.randomUniform([opts.batch, spec.imageSize, spec.imageSize, 1], -1, 1, 'float32', 7) as tf.Tensor4D;
  const z = tf.randomNormal([opts.batch, spec.latentSize], 0, 1, 'float32', 8) as tf.Tensor2D;
  const steps = backend === 'cpu' ? opts.cpuSteps : opts.steps;
  let losses: [number, number] = [0, 0];
  for (let i = 0; i < opts.warmup; i++) losses = model.trainStep(real, z);
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    losses = model.trainStep(real, z);
    times.push(performance.now() - start);
    // Progress on stderr: a tfjs-cpu step takes tens of seconds on a loaded machine.
    process.stderr.write(`  ${backend} ${spec.name} step ${i + 1}/${steps}: ${times[i].toFixed(1)} ms\n`);
  }
  const timing: StepTiming = {
    backend, model: spec.name, batch: opts.batch, steps,
    medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), losses,
  };
  if (opts.profile) {
    const profile = await tf.profile(() => { model.trainStep(real, z); });
    const totals = new Map<string, KernelTotal>();
    for (const k of profile.kernels) {
      const entry = totals.get(k.name) ?? { kernel: k.name, totalMs: 0, calls: 0 };
      entry.totalMs += k.kernelTimeMs as number;
      entry.calls += 1;
      totals.set(k.name, entry);
    }
    timing.kernels = [...totals.values()].sort((a, b) => b.totalMs - a.totalMs)
      .map((k) => ({ ...k, totalMs: Math.round(k.totalMs * 100) / 100 }));
  }
  tf.dispose([real, z, ...model.generatorVariables, ...model.discriminatorVariables]);
  return timing;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const results: StepTiming[] = [];
  for (const backend of opts.backends) {
    await useBackend(backend);
    for (const spec of opts.models) {
      let t: StepTiming;
      try {
        t = await timeModel(backend, spec, opts);
      } catch (error) {
        // e.g. 'wasm-stock': "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'".
        console.log(`${backend.padEnd(10)} ${spec.name} failed: ${(error as Error).message}`);
        continue;
      }
      results.push(t);
      console.log(`${backend.padEnd(10)} ${spec.name} batch ${t.batch}: median ${t.medianMs.toFixed(1)} ms ` +
        `(min ${t.minMs.toFixed(1)}, max ${t.maxMs.toFixed(1)}, ${t.steps} steps) losses D ${t.losses[0].toFixed(4)} G ${t.losses[1].toFixed(4)}`);
      if (t.kernels) {
        for (const k of t.kernels.slice(0, 15)) {
          console.log(`    ${k.kernel.padEnd(24)} ${k.totalMs.toFixed(2).padStart(9)} ms  ${String(k.calls).padStart(4)} calls`);
        }
      }
    }
  }
  if (opts.json !== null) writeFileSync(opts.json, JSON.stringify(results, null, 2));
}

await main();
