/**
 * Same-process A/B of the wasm training fusions (fused Adam update, fused batch norm +
 * activation) on the studio's own models (createModel, as the bench and the Train stage use).
 *
 *   npx tsx bench/fusionAB.node.ts [--models dcgan28,dcgan64,vae64] [--rounds 4] [--steps 5]
 *        [--profile] [--only-profile] [--top 18] [--a-kernels K1,K2] [--b-kernels K1,K2] [--a-js-loops]
 *
 * A is wasm with every kernel of registerWasmTrainingKernels() except the training fusions
 * (they are unregistered, so models/ composes the ops as before); B is with them. The two run
 * alternately, `rounds` times, `steps` timed steps each (after one warm-up step per round), on
 * two models built with the same seed, so both see the same machine state. Reported per model:
 * median CPU ms/step of A and of B over all their steps, and the kernel calls of one step of each
 * (tf.profile). --profile also lists the top kernels of one step of each by time.
 * --a-js-loops: arm A has the same fusions as B but runs the GroupNorm + SiLU kernels' JS loops
 * instead of their WebAssembly SIMD ones (src/compute/wasm/groupNormSiluSimd.ts).
 * --a-conv MODE / --b-conv MODE (auto, simd, off; default auto): which direct convolution loops of
 * src/compute/wasm/convFilterGradSimd.ts each arm uses ('off': the XNNPACK route; 'simd': no
 * relaxed SIMD). --a-no-direct-forward: arm A runs forward convolutions and Conv2DBackpropInput on
 * XNNPACK instead of src/compute/wasm/convForwardSimd.ts's loops. With only these flags both arms have every fusion. Relaxed SIMD needs
 * `node --experimental-wasm-relaxed-simd` on Node 20 (tsx passes node flags through).
 * The load average is printed before and after: the machine may be shared.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadavg } from 'node:os';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { createModel } from '../models';
import type { GenerativeModel } from '../models';
import { BENCH_MODELS } from '../src/bench/benchModels';
import type { BenchModelId } from '../src/bench/types';
import * as trainingKernels from '../src/compute/wasm/trainingKernels';
import * as groupNormSiluKernel from '../src/compute/wasm/groupNormSiluKernel';
import * as convSimd from '../src/compute/wasm/convFilterGradSimd';
import * as convForward from '../src/compute/wasm/convForwardSimd';

// Looked up rather than imported by name, so the script also profiles a checkout from before the
// fusions (where both arms are then the same).
type SetFusions = (enabled: boolean | readonly string[]) => void;
const setWasmTrainingFusions: SetFusions = (trainingKernels as { setWasmTrainingFusions?: SetFusions }).setWasmTrainingFusions ?? (() => {});
type SetSimd = (enabled: boolean) => void;
const setGroupNormSiluSimd: SetSimd = (groupNormSiluKernel as { setGroupNormSiluSimd?: SetSimd }).setGroupNormSiluSimd ?? (() => {});
type ConvMode = 'auto' | 'simd' | 'off';
const setConvSimdMode = (convSimd as { setConvSimdMode?: (mode: ConvMode) => void }).setConvSimdMode ?? (() => {});
const setDirectConvForward = (convForward as { setDirectConvForward?: (on: boolean) => void }).setDirectConvForward ?? (() => {});

function option(argv: string[], flag: string, fallback: string): string {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

interface Subject { model: GenerativeModel; real: tf.Tensor4D; labels: tf.Tensor1D | null }

function build(id: BenchModelId): Subject {
  const model = createModel(BENCH_MODELS[id].input);
  const { batchSize, resolution, channels, numClasses } = model.config;
  const real = tf.randomUniform([batchSize, resolution, resolution, channels], -1, 1, 'float32', 7) as tf.Tensor4D;
  const labels = numClasses > 0 ? tf.tensor1d(Int32Array.from({ length: batchSize }, (_, i) => i % numClasses), 'int32') : null;
  return { model, real, labels };
}

/**
 * ms of this process's CPU time (user + system) for one step: on a shared machine wall time
 * mostly measures the wait for a core, and the wasm backend runs on this one thread.
 */
function step(s: Subject): number {
  const t0 = process.cpuUsage();
  const { metrics } = s.model.trainStep(s.real, s.labels);
  metrics.dataSync();
  const used = process.cpuUsage(t0);
  metrics.dispose();
  return (used.user + used.system) / 1000;
}

async function profile(s: Subject): Promise<{ calls: number; top: { name: string; ms: number; calls: number }[] }> {
  const info = await tf.profile(() => { s.model.trainStep(s.real, s.labels).metrics.dispose(); });
  const totals = new Map<string, { name: string; ms: number; calls: number }>();
  for (const k of info.kernels) {
    const e = totals.get(k.name) ?? { name: k.name, ms: 0, calls: 0 };
    e.ms += k.kernelTimeMs as number;
    e.calls += 1;
    totals.set(k.name, e);
  }
  return { calls: info.kernels.length, top: [...totals.values()].sort((a, b) => b.ms - a.ms) };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const ids = option(argv, '--models', 'dcgan28,dcgan64,vae64').split(',') as BenchModelId[];
  const rounds = Number(option(argv, '--rounds', '4'));
  const steps = Number(option(argv, '--steps', '5'));
  const showProfile = argv.includes('--profile');
  // --b-kernels PhantomAdamUpdate,...: arm B with only these fusions (default: all of them).
  const bKernels = argv.includes('--b-kernels') ? option(argv, '--b-kernels', '').split(',') : true;
  // --a-kernels PhantomAdamUpdate,...: arm A with these fusions (default: none), to A/B one fusion on top of the others.
  const aJsLoops = argv.includes('--a-js-loops');
  const convModes = { A: option(argv, '--a-conv', 'auto') as ConvMode, B: option(argv, '--b-conv', 'auto') as ConvMode };
  const aNoForward = argv.includes('--a-no-direct-forward');
  const convAB = argv.includes('--a-conv') || argv.includes('--b-conv') || aNoForward;
  const aKernels = argv.includes('--a-kernels') ? option(argv, '--a-kernels', '').split(',') : aJsLoops || convAB ? bKernels : false;
  /** Both arms' settings: which fusions, SIMD or JS loops in the GroupNorm + SiLU kernels, which conv loops. */
  const use = (arm: 'A' | 'B') => {
    setWasmTrainingFusions(arm === 'B' ? bKernels : aKernels);
    setGroupNormSiluSimd(!(arm === 'A' && aJsLoops));
    setConvSimdMode(convModes[arm]);
    setDirectConvForward(!(arm === 'A' && aNoForward));
  };
  const armLabel = (arm: 'A' | 'B') => (convAB ? `conv ${convModes[arm]}${arm === 'A' && aNoForward ? ', forward + input by XNNPACK' : ''}` : aJsLoops ? (arm === 'A' ? 'JS loops' : 'SIMD loops') : arm === 'A' ? 'composed' : 'fused');
  const topCount = Number(option(argv, '--top', '18'));
  trainingKernels.registerWasmTrainingKernels();
  const wasmDist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  setWasmPaths(`${wasmDist}/`);
  if (!(await tf.setBackend('wasm'))) throw new Error('bench/fusionAB.node.ts: wasm backend failed to start');
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`load average at start: ${load()}`);
  for (const id of ids) {
    const subjects = { A: build(id), B: build(id) };
    const times: Record<'A' | 'B', number[]> = { A: [], B: [] };
    const tensorsBefore = tf.memory().numTensors;
    for (let r = 0; r < (argv.includes('--only-profile') ? 0 : rounds); r++) {
      for (const arm of (r % 2 === 0 ? ['A', 'B'] : ['B', 'A']) as ('A' | 'B')[]) {
        use(arm);
        step(subjects[arm]);
        for (let i = 0; i < steps; i++) times[arm].push(step(subjects[arm]));
      }
    }
    const tensorsAfter = tf.memory().numTensors;
    const profiles: Record<string, Awaited<ReturnType<typeof profile>>> = {};
    for (const arm of ['A', 'B'] as const) {
      use(arm);
      step(subjects[arm]);
      profiles[arm] = await profile(subjects[arm]);
    }
    console.log(`${BENCH_MODELS[id].label}: A (${armLabel('A')}) median ${times.A.length ? median(times.A).toFixed(1) : '-'} CPU ms/step, ` +
      `${profiles.A.calls} kernel calls; B (${armLabel('B')}) median ${times.B.length ? median(times.B).toFixed(1) : '-'} CPU ms/step, ` +
      `${profiles.B.calls} kernel calls (${times.A.length} steps each; tensors ${tensorsBefore} → ${tensorsAfter}; load ${load()})`);
    if (showProfile) {
      for (const arm of ['A', 'B'] as const) {
        console.log(`  ${arm}: ${profiles[arm].top.slice(0, topCount).map((k) => `${k.name} ${k.ms.toFixed(1)}ms/${k.calls}`).join(', ')}`);
      }
    }
    for (const s of Object.values(subjects)) { s.model.dispose(); tf.dispose([s.real, ...(s.labels ? [s.labels] : [])]); }
  }
  setWasmTrainingFusions(true);
  setGroupNormSiluSimd(true);
  setConvSimdMode('auto');
}

await main();
