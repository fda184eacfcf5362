/**
 * A few DCGAN training steps on tfjs's cpu backend and then on WebGPU through Dawn's Node binding,
 * from the same weights and batches; prints one JSON line with both runs' metrics and the largest
 * difference in the generated images and weights. Run by scripts/lib/nodeWebgpu.test.ts in a fresh
 * process (the Vulkan loader's environment must be set when Node starts).
 *
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium \
 *     npx tsx scripts/testing/webgpuSteps.ts [steps]
 */
import * as tf from '@tensorflow/tfjs';
import { createModel } from '../../models/index';
import type { ModelConfigInput, ModelState } from '../../models/types';
import { installNodeWebgpu } from '../lib/nodeWebgpu';

const STEPS = Number(process.argv[2] ?? 3);
const KIND = process.argv[3] ?? 'dcgan';
/** DCGAN as the issue asks; a tiny DDPM because its ~100 gradients once broke WebGPU's AddN (storage-buffer limit). */
const CONFIGS = {
  dcgan: { kind: 'dcgan', resolution: 28, width: 8, batchSize: 8, latentDim: 16, numClasses: 2, seed: 3 },
  ddpm: { kind: 'ddpm', resolution: 8, width: 8, channelMultipliers: [1, 2], batchSize: 8, numClasses: 2, timesteps: 100, samplingSteps: 2, seed: 3 },
} as const satisfies Record<string, ModelConfigInput>;
const CONFIG = CONFIGS[KIND as keyof typeof CONFIGS];
if (!CONFIG) throw new Error(`webgpuSteps.ts: unknown kind ${KIND} (${Object.keys(CONFIGS).join(', ')})`);

interface Run {
  metrics: number[][];
  images: Float32Array;
  state: ModelState;
  msPerStep: number;
}

async function train(backend: string): Promise<Run> {
  await tf.setBackend(backend);
  await tf.ready();
  const model = createModel(CONFIG);
  const metrics: number[][] = [];
  let started = 0;
  for (let step = 0; step < STEPS; step++) {
    if (step === 1) started = performance.now(); // the first step compiles the shaders
    const real = tf.randomUniform([8, CONFIG.resolution, CONFIG.resolution, 1], -1, 1, 'float32', 500 + step) as tf.Tensor4D;
    const labels = tf.tensor1d([0, 1, 0, 1, 1, 0, 1, 0], 'int32');
    const result = model.trainStep(real, labels);
    metrics.push(Array.from(await result.metrics.data()));
    tf.dispose([real, labels, result.metrics]);
  }
  const msPerStep = STEPS > 1 ? (performance.now() - started) / (STEPS - 1) : NaN;
  const z = model.sampleLatent(8, 9);
  const labels = tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1], 'int32');
  const generated = model.generate(z, labels);
  const images = (await generated.data()) as Float32Array;
  const state = await model.exportState();
  tf.dispose([z, labels, generated]);
  model.dispose();
  return { metrics, images, state, msPerStep };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const adapter = await installNodeWebgpu();
const cpu = await train('cpu');
const gpu = await train('webgpu');
const weights = new Map(gpu.state.tensors.map((t) => [t.name, t.data]));
let weightDiff = 0;
for (const t of cpu.state.tensors) if (!t.name.startsWith('adam')) weightDiff = Math.max(weightDiff, maxDiff(t.data, weights.get(t.name)!));
console.log(
  JSON.stringify({
    adapter: adapter.description,
    kind: KIND,
    backend: tf.getBackend(),
    steps: STEPS,
    cpu: cpu.metrics,
    webgpu: gpu.metrics,
    metricDiff: Math.max(...cpu.metrics.map((row, i) => maxDiff(row, gpu.metrics[i]))),
    imageDiff: maxDiff(cpu.images, gpu.images),
    weightDiff,
    msPerStep: { cpu: cpu.msPerStep, webgpu: gpu.msPerStep },
  }),
);
