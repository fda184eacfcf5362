/**
 * One (backend, model) training benchmark inside the bench worker: the studio's own createModel
 * and model.trainStep, metrics read back as the Trainer does, then model.generate and a profiled
 * step. Every step awaits its metrics (the Trainer's readbackEvery = 1), because on webgpu/webgl
 * trainStep only enqueues work: without the readback a "step time" would be the time to record
 * commands, not to run them.
 */
import { createModel } from '../../models';
import type { GenerativeModel } from '../../models';
import { activateBackend, tf } from '../compute/tfBackends';
import { BENCH_MODELS } from './benchModels';
import { peakOf, readWorkerMemory } from './memory';
import { imagesPerSecond, median, stepStats } from './stats';
import type { KernelTotal, StepProfile, TrainJob, TrainResult, WorkerEvent } from './types';

const GENERATE_REPEATS = 3;
const TOP_KERNELS = 5;
/** createModel's message for a kind models/ does not have (yet). */
const UNKNOWN_KIND = /unknown model kind/;

type Post = (event: WorkerEvent) => void;

export async function runTrainJob(job: TrainJob, post: Post): Promise<TrainResult> {
  const started = performance.now();
  const overBudget = () => performance.now() - started > job.budgetMs;
  const result: TrainResult = { kind: 'train', job, status: 'ok', stepMs: [] };

  const activation = await activateBackend(job.backend);
  if (!activation.ok) return { ...result, status: 'failed', note: `backend did not start: ${activation.error}` };
  result.backendInitMs = performance.now() - started;

  let model: GenerativeModel;
  const built = performance.now();
  try {
    model = createModel(BENCH_MODELS[job.model].input);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ...result, status: UNKNOWN_KIND.test(message) ? 'not available' : 'failed', note: message };
  }
  result.modelBuildMs = performance.now() - built;
  const { batchSize, resolution, channels, numClasses } = model.config;
  result.batchSize = batchSize;
  result.config = model.config;
  const real = tf.randomUniform([batchSize, resolution, resolution, channels], -1, 1, 'float32', 7) as tf.Tensor4D;
  const labelsFor = (n: number) => (numClasses > 0 ? tf.tensor1d(Int32Array.from({ length: n }, (_, i) => i % numClasses), 'int32') : null);
  const labels = labelsFor(batchSize);

  const step = async (): Promise<{ ms: number; values: Float32Array }> => {
    const t0 = performance.now();
    const { metrics } = model.trainStep(real, labels);
    const values = (await metrics.data()) as Float32Array;
    const ms = performance.now() - t0;
    metrics.dispose();
    result.peakMemory = peakOf(result.peakMemory, readWorkerMemory(tf));
    return { ms, values };
  };

  try {
    const warmupMs: number[] = [];
    let last: Float32Array | null = null;
    // At least one warm-up step always runs: the first step (shader compilation, kernel set-up) is a figure of its own.
    for (let i = 0; i < job.warmup && (i === 0 || !overBudget()); i++) {
      const { ms, values } = await step();
      warmupMs.push(ms);
      last = values;
      post({ type: 'progress', text: `warm-up ${i + 1}/${job.warmup}: ${ms.toFixed(0)} ms`, stepMs: ms, warmup: true });
    }
    result.firstStepMs = warmupMs[0];
    result.warmupMs = warmupMs;
    while (result.stepMs.length < job.steps && !overBudget()) {
      const { ms, values } = await step();
      result.stepMs.push(ms);
      last = values;
      post({ type: 'progress', text: `step ${result.stepMs.length}/${job.steps}: ${ms.toFixed(0)} ms`, stepMs: ms, warmup: false });
    }
    if (last) result.lastMetrics = Object.fromEntries(model.metricNames.map((name, i) => [name, last![i]]));
    result.stats = stepStats(result.stepMs) ?? undefined;
    result.imagesPerSecond = imagesPerSecond(batchSize, result.stepMs) ?? undefined;

    const skipped: string[] = [];
    if (result.stepMs.length < job.steps) skipped.push(`${result.stepMs.length}/${job.steps} steps timed`);
    if (job.generateCount > 0) {
      if (overBudget()) skipped.push('generate skipped');
      else result.generate = await timeGenerate(model, job.generateCount, labelsFor, overBudget, post);
    }
    if (job.profile) {
      if (overBudget()) skipped.push('profile skipped');
      else result.profile = await profileStep(model, real, labels);
    }
    if (skipped.length > 0) {
      result.status = 'budget exceeded';
      result.note = `budget ${(job.budgetMs / 1000).toFixed(0)} s: ${skipped.join(', ')}`;
    }
  } catch (error) {
    result.status = 'failed';
    result.note = error instanceof Error ? error.message : String(error);
  } finally {
    real.dispose();
    labels?.dispose();
    model.dispose();
  }
  return result;
}

/** Timed like the Trainer's sample grid: generate, then download the pixels. */
async function timeGenerate(
  model: GenerativeModel,
  count: number,
  labelsFor: (n: number) => tf.Tensor1D | null,
  overBudget: () => boolean,
  post: Post,
): Promise<NonNullable<TrainResult['generate']>> {
  const once = async () => {
    const z = model.sampleLatent(count, 1);
    const labels = labelsFor(count);
    const t0 = performance.now();
    const images = model.generate(z, labels);
    await images.data();
    const ms = performance.now() - t0;
    tf.dispose([z, images, ...(labels ? [labels] : [])]);
    post({ type: 'progress', text: `generate ${count}: ${ms.toFixed(0)} ms` });
    return ms;
  };
  const firstMs = await once();
  const repeatsMs: number[] = [];
  while (repeatsMs.length < GENERATE_REPEATS && !overBudget()) repeatsMs.push(await once());
  return { count, firstMs, repeatsMs, medianMs: repeatsMs.length > 0 ? median(repeatsMs) : null };
}

async function profileStep(model: GenerativeModel, real: tf.Tensor4D, labels: tf.Tensor1D | null): Promise<StepProfile> {
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    const { metrics } = model.trainStep(real, labels);
    await metrics.data();
    metrics.dispose();
  });
  const wallMs = performance.now() - t0;
  const totals = new Map<string, KernelTotal>();
  let timed = false;
  for (const kernel of info.kernels) {
    // webgl without timer queries reports an { error } object here instead of a number.
    const ms = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0;
    if (ms > 0) timed = true;
    const entry = totals.get(kernel.name) ?? { name: kernel.name, calls: 0, totalMs: 0 };
    entry.calls += 1;
    entry.totalMs += ms;
    totals.set(kernel.name, entry);
  }
  const ranked = [...totals.values()].sort((a, b) => (timed ? b.totalMs - a.totalMs : b.calls - a.calls));
  return {
    kernelCount: info.kernels.length,
    kernelTimesAvailable: timed,
    topKernels: ranked.slice(0, TOP_KERNELS).map((k) => ({ ...k, totalMs: Math.round(k.totalMs * 100) / 100 })),
    peakBytes: info.peakBytes,
    newBytes: info.newBytes,
    newTensors: info.newTensors,
    wallMs,
  };
}
