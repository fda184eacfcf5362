/**
 * The bench page (bench.html): runs a plan job by job, each in a fresh module worker, and kills a
 * worker that outlives its budget, because one tfjs step cannot be interrupted from inside (a cpu
 * step can take minutes). The Node driver calls window.phantomBench.run(plan) and listens on
 * window.phantomBenchReport; a person can press Run for the default plan.
 */
import { describeAdapter } from '../compute/adapterInfo';
import { buildPlan } from './plan';
import { imagesPerSecond, stepStats } from './stats';
import type { BenchJob, BenchPlan, JobResult, JobStatus, PageEnvironment, PageEvent, PageReport, TrainPhase, WorkerEvent } from './types';

declare global {
  interface Window {
    phantomBench: { run(plan: BenchPlan, numbering?: { offset: number; total: number }): Promise<PageReport> };
    /** Exposed by the Node driver (Playwright binding); absent when a person opens the page. */
    phantomBenchReport?: (event: PageEvent) => Promise<void>;
  }
}

const log = document.querySelector<HTMLPreElement>('#log')!;

function emit(event: PageEvent): void {
  log.textContent += `${event.type === 'progress' ? '    ' : ''}${event.text}\n`;
  void window.phantomBenchReport?.(event);
}

function describeJob(job: BenchJob): string {
  switch (job.kind) {
    case 'train':
      return `train ${job.model} on ${job.backend}${job.wasmThreads === undefined ? '' : ` (threaded, ${job.wasmThreads}${job.simdHelpers === undefined ? '' : ` + ${job.simdHelpers} helpers`})`}`;
    case 'metrics':
      return `metrics ${job.count} vs ${job.count} at ${job.size} px`;
    case 'import':
      return `import ${job.files} PNGs`;
    case 'generate':
      return `generate ${job.count} ${job.model} images at ${job.resolution} px on ${job.backend}`;
  }
}

/** A row for a job that never reported 'done': what its progress events showed, and why. */
function unfinished(job: BenchJob, status: JobStatus, note: string, warmupMs: number[], stepMs: number[]): JobResult {
  if (job.kind === 'generate') return { kind: 'generate', job, status, note, repeatsMs: [] };
  if (job.kind !== 'train') return { kind: job.kind, job, status, note, stages: [], totalMs: NaN };
  return {
    kind: 'train',
    job,
    status,
    note,
    firstStepMs: warmupMs[0],
    warmupMs,
    stepMs,
    stats: stepStats(stepMs) ?? undefined,
  };
}

function runJob(job: BenchJob, index: number, graceMs: number): Promise<JobResult> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
    const warmupMs: number[] = [];
    const stepMs: number[] = [];
    let partial: JobResult | null = null;
    let phase: TrainPhase = 'first step';
    let deadline: ReturnType<typeof setTimeout>;
    const finish = (result: JobResult) => {
      clearTimeout(deadline);
      worker.terminate();
      resolve(result);
    };
    let limitMs = (job.kind === 'generate' ? job.firstCallLimitMs : job.budgetMs) + graceMs;
    // Armed at start for the first step (a generate job's first call), and again when it ends: the worker's budget starts there.
    const arm = () => {
      clearTimeout(deadline);
      deadline = setTimeout(() => {
        const note = `worker terminated ${(limitMs / 1000).toFixed(0)} s after ${warmupMs.length > 0 ? 'its first step' : 'start'}, during ${job.kind === 'train' ? phase : job.kind}: ${stepMs.length} timed steps reported (those of its last half second may be missing)`;
        finish(partial ? { ...partial, status: 'terminated', note: `${note}${partial.note ? `; ${partial.note}` : ''}` } : unfinished(job, 'terminated', note, warmupMs, stepMs));
      }, limitMs);
    };
    arm();
    worker.onmessage = (message: MessageEvent<WorkerEvent>) => {
      const event = message.data;
      if (event.type === 'progress') {
        if (event.stepMs !== undefined) (event.warmup ? warmupMs : stepMs).push(...event.stepMs);
        if (event.phase) phase = event.phase;
        if (event.warmup && warmupMs.length === 1) {
          limitMs = job.budgetMs + graceMs;
          arm();
        }
        emit({ type: 'progress', jobIndex: index, text: event.text });
      } else if (event.type === 'partial') {
        partial = event.result;
      } else if (event.type === 'failed') {
        finish(unfinished(job, 'failed', event.message, warmupMs, stepMs));
      } else {
        finish(event.result);
      }
    };
    // A worker that fails to load or dies reports an ErrorEvent whose message may be empty.
    worker.onerror = (error) =>
      finish(unfinished(job, 'failed', `worker error: ${error.message || `${error.type} (no message; the worker failed to load or crashed)`}`, warmupMs, stepMs));
    worker.postMessage(job);
  });
}

const MEMORY_MEASUREMENT_WAIT_MS = 3000;

async function environment(): Promise<PageEnvironment> {
  type Adapter = Parameters<typeof describeAdapter>[0] & { features?: ReadonlySet<string> };
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
  const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
  const measure = (performance as Performance & { measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }> }).measureUserAgentSpecificMemory;
  let userAgentMemory: PageEnvironment['userAgentMemory'];
  if (!crossOriginIsolated) userAgentMemory = { unavailable: 'page is not cross-origin isolated (served without COOP/COEP)' };
  else if (!measure) userAgentMemory = { unavailable: 'performance.measureUserAgentSpecificMemory is not implemented' };
  else {
    // The browser answers at its next garbage collection, which can be tens of seconds away: a
    // bounded wait, so a report never waits on it (an unbounded one cost whole bench rows).
    const answer = await Promise.race([
      measure.call(performance).then((m) => m.bytes),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), MEMORY_MEASUREMENT_WAIT_MS)),
    ]);
    userAgentMemory = answer === null ? { unavailable: `measureUserAgentSpecificMemory did not answer within ${MEMORY_MEASUREMENT_WAIT_MS / 1000} s` } : { bytes: answer };
  }
  return {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated,
    adapter: adapter ? { ...describeAdapter(adapter), timestampQuery: adapter.features?.has('timestamp-query') ?? false } : null,
    userAgentMemory,
  };
}

/** `numbering` lets a driver that runs one job per page keep the log's [i/n] of the whole plan. */
async function run(plan: BenchPlan, numbering = { offset: 0, total: plan.jobs.length }): Promise<PageReport> {
  const results: JobResult[] = [];
  for (const [i, job] of plan.jobs.entries()) {
    const index = numbering.offset + i;
    emit({ type: 'job-start', jobIndex: index, text: `[${index + 1}/${numbering.total}] ${describeJob(job)}` });
    const result = await runJob(job, index, plan.graceMs);
    results.push(result);
    const rate = result.kind === 'train' && result.batchSize ? imagesPerSecond(result.batchSize, result.stepMs) : null;
    const threads = result.kind === 'train' && result.wasmThreadsActual !== undefined ? `, ${result.wasmThreadsActual} wasm thread(s)${result.simdHelpers ? ` + ${result.simdHelpers} SIMD helper(s)` : ''}` : '';
    emit({ type: 'job-end', jobIndex: index, result, text: `  → ${result.status}${rate ? `, ${rate.toFixed(1)} images/s` : ''}${threads}${result.note ? ` (${result.note})` : ''}` });
  }
  return { environment: await environment(), results };
}

window.phantomBench = { run };
document.querySelector<HTMLButtonElement>('#run')!.addEventListener('click', (event) => {
  (event.currentTarget as HTMLButtonElement).disabled = true;
  void run(buildPlan()).then((report) => {
    log.textContent += `\n${JSON.stringify(report, null, 2)}\n`;
  });
});
