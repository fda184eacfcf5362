/**
 * One (backend, model) training benchmark inside the bench worker: the studio's own createModel
 * and model.trainStep, metrics read back as the Trainer does, then model.generate and a profiled
 * step. Every step awaits its metrics (the Trainer's readbackEvery = 1), because on webgpu/webgl
 * trainStep only enqueues work: without the readback a "step time" would be the time to record
 * commands, not to run them.
 */
import { createModel } from '../../models';
import type { GenerativeModel } from '../../models';
import { activateBackend, tf, setWasmThreads, wasmThreadCounts } from '../compute/tfBackends';
import { BENCH_MODELS } from './benchModels';
import { peakOf, readWorkerMemory } from './memory';
import { imagesPerSecond, median, stepStats } from './stats';
import { StepReports } from './stepReports';
import type { StepBatch } from './stepReports';
import type { KernelTotal, StepProfile, TrainJob, TrainResult, WorkerEvent } from './types';
import { errorMessage } from '../core/errorMessage';

const GENERATE_REPEATS = 3;
const TOP_KERNELS = 5;
/** createModel's message for a kind models/ does not have (yet). */
const UNKNOWN_KIND = /unknown model kind/;

type Post = (event: WorkerEvent) => void;

export async function runTrainJob(job: TrainJob, post: Post): Promise<TrainResult> {
  const started = performance.now();
  // The budget starts after the first step: shader compilation (tens of seconds on SwiftShader)
  // must not eat the time for the steps the figures come from. The page bounds the first step.
  let budgetFrom = started;
  const overBudget = () => performance.now() - budgetFrom > job.budgetMs;
  const result: TrainResult = { kind: 'train', job, status: 'ok', stepMs: [] };

  if (job.wasmThreads !== undefined) {
    if (job.backend !== 'wasm') return { ...result, status: 'failed', note: 'wasmThreads is for the wasm backend only' };
    if (!self.crossOriginIsolated) return { ...result, status: 'failed', note: 'wasm threads need a cross-origin isolated page (COOP/COEP headers)' };
    setWasmThreads(job.simdHelpers === undefined ? job.wasmThreads : { poolThreads: job.wasmThreads, simdHelpers: job.simdHelpers });
  }
  const activation = await activateBackend(job.backend);
  if (!activation.ok) return { ...result, status: 'failed', note: `backend did not start: ${activation.error}` };
  result.backendInitMs = performance.now() - started;
  if (job.backend === 'wasm') {
    const threads = wasmThreadCounts();
    result.wasmThreadsActual = threads.poolThreads;
    result.simdHelpers = threads.simdHelpers;
  }

  let model: GenerativeModel;
  const built = performance.now();
  try {
    model = createModel(BENCH_MODELS[job.model].input);
  } catch (error) {
    const message = errorMessage(error);
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
      if (i === 0) budgetFrom = performance.now();
      last = values;
      post({ type: 'progress', text: `warm-up ${i + 1}/${job.warmup}: ${ms.toFixed(0)} ms`, stepMs: [ms], warmup: true, phase: 'steps' });
    }
    result.firstStepMs = warmupMs[0];
    result.warmupMs = warmupMs;
    const reports = new StepReports(job.steps, performance.now());
    const report = (batch: StepBatch | null) => batch && post({ type: 'progress', text: batch.text, stepMs: batch.stepMs, warmup: false });
    while (result.stepMs.length < job.steps && !overBudget()) {
      const { ms, values } = await step();
      result.stepMs.push(ms);
      last = values;
      report(reports.add(ms, performance.now()));
    }
    report(reports.flush());
    if (last) result.lastMetrics = Object.fromEntries(model.metricNames.map((name, i) => [name, last![i]]));
    result.stats = stepStats(result.stepMs) ?? undefined;
    result.imagesPerSecond = imagesPerSecond(batchSize, result.stepMs) ?? undefined;

    const skipped: string[] = [];
    const mark = () => {
      result.status = skipped.length > 0 ? 'budget exceeded' : 'ok';
      result.note = skipped.length > 0 ? `budget ${(job.budgetMs / 1000).toFixed(0)} s after the first step: ${skipped.join(', ')}` : undefined;
      // Snapshots let the page keep what was measured if it has to kill this worker in a later phase.
      post({ type: 'partial', result });
    };
    if (result.stepMs.length < job.steps) skipped.push(`${result.stepMs.length}/${job.steps} steps timed`);
    mark();
    // Profile before generate: one step is cheap, while DDPM sampling (50 U-Net passes) may outlast the budget.
    if (job.profile) {
      post({ type: 'progress', text: 'profiling one step', phase: 'profile' });
      if (overBudget()) skipped.push('profile skipped');
      else result.profile = await profileStep(model, real, labels, job.backend !== 'webgpu' || job.webgpuKernelTimes === true);
      mark();
    }
    if (job.generateCount > 0) {
      post({ type: 'progress', text: `generating ${job.generateCount} images`, phase: 'generate' });
      if (overBudget()) skipped.push('generate skipped');
      else result.generate = await timeGenerate(model, job.generateCount, labelsFor, overBudget, post);
      mark();
    }
  } catch (error) {
    result.status = 'failed';
    result.note = errorMessage(error);
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

/** tfjs-webgpu's switch for per-kernel timestamp queries (a public field of WebGPUBackend, not in the typings). */
interface TimestampSwitch {
  supportTimestampQuery?: boolean;
}

async function profileStep(model: GenerativeModel, real: tf.Tensor4D, labels: tf.Tensor1D | null, kernelTimes: boolean): Promise<StepProfile> {
  // With timestamp queries tfjs-webgpu submits every kernel on its own and waits for its timestamps:
  // on SwiftShader one profiled DCGAN-28 step took ~100 s instead of ~0.2 s, more than a row's
  // budget. Without them the profile still gives the kernel list, counts and peak bytes.
  const backend = tf.backend() as unknown as TimestampSwitch;
  const restore = backend.supportTimestampQuery;
  if (!kernelTimes && restore !== undefined) backend.supportTimestampQuery = false;
  const readbacks = countReadbacks(tf.backend() as unknown as Readable);
  const t0 = performance.now();
  let info: Awaited<ReturnType<typeof tf.profile>>;
  try {
    info = await tf.profile(async () => {
      const { metrics } = model.trainStep(real, labels);
      await metrics.data();
      metrics.dispose();
    });
  } finally {
    if (restore !== undefined) backend.supportTimestampQuery = restore;
    readbacks.stop();
  }
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
    readbacks: { async: readbacks.async, sync: readbacks.sync },
  };
}

interface Readable {
  read(dataId: object): Promise<unknown>;
  readSync(dataId: object): unknown;
}

/**
 * Counts downloads from the backend while it is installed: `read` (await tensor.data()) and
 * `readSync` (dataSync, or a kernel that needs values on the CPU). On webgpu/webgl each is a
 * GPU→CPU copy that waits for the queue; a step should have exactly one, its metrics. On wasm a
 * `read` is a `readSync` inside (not counted twice), and kernels such as Slice read their inputs
 * this way: there a sync read is a memory copy, not a stall.
 */
function countReadbacks(backend: Readable): { async: number; sync: number; stop(): void } {
  const counts = { async: 0, sync: 0, stop: () => {} };
  const read = backend.read;
  const readSync = backend.readSync;
  let insideRead = false;
  backend.read = function (this: Readable, dataId: object) {
    counts.async += 1;
    // The synchronous part of read() is where a backend that reads synchronously calls readSync.
    insideRead = true;
    try {
      return read.call(this, dataId);
    } finally {
      insideRead = false;
    }
  };
  backend.readSync = function (this: Readable, dataId: object) {
    if (!insideRead) counts.sync += 1;
    return readSync.call(this, dataId);
  };
  counts.stop = () => {
    backend.read = read;
    backend.readSync = readSync;
  };
  return counts;
}
