/**
 * Where one training step's time goes, per kernel and input shapes, on tfjs's wasm backend in Node
 * (single-threaded SIMD build, the studio's kernels registered), for one bench model.
 *
 *   node --experimental-wasm-relaxed-simd --import tsx bench/kernelShapes.node.ts [--model ddpm32] [--steps 5] [--top 40]
 *
 * Each step runs under tf.profile; rows are summed over the profiled steps and divided by their
 * number, so the table reads "ms per step". Prints median CPU ms/step of the same profiled steps
 * (profiling adds a little) and the load average: the machine may be shared.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { createModel } from '../models';
import { BENCH_MODELS } from '../src/bench/benchModels';
import type { BenchModelId } from '../src/bench/types';
import { registerWasmTrainingKernels } from '../src/compute/wasm/trainingKernels';

function option(argv: string[], flag: string, fallback: string): string {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const id = option(argv, '--model', 'ddpm32') as BenchModelId;
  const steps = Number(option(argv, '--steps', '5'));
  const top = Number(option(argv, '--top', '40'));
  registerWasmTrainingKernels();
  const wasmDist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  setWasmPaths(`${wasmDist}/`);
  if (!(await tf.setBackend('wasm'))) throw new Error('bench/kernelShapes.node.ts: wasm backend failed to start');
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const model = createModel(BENCH_MODELS[id].input);
  const { batchSize, resolution, channels } = model.config;
  const real = tf.randomUniform([batchSize, resolution, resolution, channels], -1, 1, 'float32', 7) as tf.Tensor4D;
  for (let i = 0; i < 2; i++) model.trainStep(real, null).metrics.dispose();
  const rows = new Map<string, { ms: number; calls: number }>();
  const byName = new Map<string, { ms: number; calls: number }>();
  const cpu: number[] = [];
  let kernels = 0;
  for (let s = 0; s < steps; s++) {
    const t0 = process.cpuUsage();
    const info = await tf.profile(() => { model.trainStep(real, null).metrics.dispose(); });
    const used = process.cpuUsage(t0);
    cpu.push((used.user + used.system) / 1000);
    kernels = info.kernels.length;
    for (const k of info.kernels) {
      const key = `${k.name} ${k.inputShapes.map((sh) => `[${sh}]`).join(' ')}`;
      for (const [map, name] of [[rows, key], [byName, k.name]] as const) {
        const e = map.get(name) ?? { ms: 0, calls: 0 };
        e.ms += k.kernelTimeMs as number;
        e.calls += 1;
        map.set(name, e);
      }
    }
  }
  cpu.sort((a, b) => a - b);
  const total = [...byName.values()].reduce((t, e) => t + e.ms, 0) / steps;
  console.log(`${id}: ${kernels} kernels/step, median CPU ${cpu[cpu.length >> 1].toFixed(1)} ms/step (profiled), kernel sum ${total.toFixed(1)} ms`);
  const print = (map: Map<string, { ms: number; calls: number }>, n: number) => {
    for (const [key, e] of [...map.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, n))
      console.log(`${(e.ms / steps).toFixed(2).padStart(8)} ms ${String(e.calls / steps).padStart(4)}× ${key}`);
  };
  console.log('--- by kernel'); print(byName, top);
  console.log('--- by kernel and input shapes'); print(rows, top);
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch((error) => { console.error(error); process.exit(1); });
