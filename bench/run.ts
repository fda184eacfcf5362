/**
 * `npm run bench`: the studio's own training, generation, metrics and import code timed in
 * headless Chromium on every tfjs backend, plus the PyTorch reference of the same models, on this
 * machine, in one run. Writes bench/out/bench-<time>.json and the generated section of BENCHMARKS.md.
 *
 *   npx tsx bench/run.ts [--backends webgpu,webgl,wasm,cpu] [--models dcgan28,dcgan64,cwgangp64,vae64,ddpm32]
 *     [--generate dcgan,wgan-gp,pggan,vae,ddpm (or '' for none)] [--generate-sizes 64,128] [--generate-count 64]
 *       [--steps 10] [--warmup 2] [--budget 30] [--cpu-budget 10] [--torch-budget 30] [--torch-threads 1,N]
 *       [--metrics-count 500] [--import-files 200] [--wasm-threads 1,2,2+1] [--webgpu-kernel-times] [--no-pytorch] [--no-markdown]
 *     (--wasm-threads: extra wasm rows, N = an XNNPACK pool of N threads and N − 1 SIMD helpers, P+H = P and H)
 *   npx tsx bench/run.ts --render bench/out/bench-<time>.json   (rewrite BENCHMARKS.md from a saved run)
 *
 * Needs a production build (npm run bench runs vite build first). Budgets are seconds per
 * (backend, model) row, counted from the end of the first step (shader compilation): when one
 * runs out the row reports what it measured, marked "budget exceeded", and a worker stuck in one
 * long step is terminated 15 s later (a first step gets budget + 15 s). Browser and PyTorch
 * parts run one after the other, never together: on 2 cores they would slow each other down.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { preview } from 'vite';
import { resolveConfig } from '../models';
import type { ModelKind } from '../models/types';
import { CHROMIUM_ARGS, launchBrowser } from '../e2e/browser';
import { BACKEND_NAMES, type BackendName } from '../src/compute/backendTypes';
import { BENCH_MODELS } from '../src/bench/benchModels';
import { renderBenchSection, spliceSection } from '../src/bench/markdown';
import { DEFAULT_PLAN_OPTIONS, buildPlan, worstCaseMs } from '../src/bench/plan';
import type { BenchRecord, MemoryByKind, PytorchReport, PytorchRow } from '../src/bench/record';
import { BENCH_MODEL_IDS, type BenchModelId, type BenchPlan, type JobResult, type PageEnvironment, type PageEvent, type PageReport } from '../src/bench/types';
import { LoadSampler, machineInfo } from './machine';
import { PeakMemorySampler, findProcessByArgument } from './processMemory';
import { errorMessage } from '../src/core/errorMessage';

const ROOT = resolve(import.meta.dirname, '..');
const PYTHON_WITH_TORCH = '/usr/bin/python3';
/** How long the page may take, after a job's end, to report its environment before the row is kept without it. */
const ENVIRONMENT_WAIT_MS = 20_000;

/** One --wasm-threads entry: N (pool N, helpers N − 1) or P+H. */
function wasmThreadsOption(entry: string): number | { poolThreads: number; simdHelpers: number } {
  const match = /^(\d+)(?:\+(\d+))?$/.exec(entry.trim());
  if (!match) throw new Error(`bench/run.ts: --wasm-threads takes N or P+H (pool threads + SIMD helpers), got '${entry}'`);
  return match[2] === undefined ? Number(match[1]) : { poolThreads: Number(match[1]), simdHelpers: Number(match[2]) };
}

function listOption<T extends string>(value: string, allowed: readonly T[], name: string): T[] {
  const items = value.split(',').filter(Boolean);
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) throw new Error(`bench/run.ts: unknown ${name} '${item}' (${allowed.join(', ')})`);
  }
  return items as T[];
}

function options() {
  const { values } = parseArgs({
    options: {
      backends: { type: 'string', default: BACKEND_NAMES.join(',') },
      models: { type: 'string', default: BENCH_MODEL_IDS.join(',') },
      steps: { type: 'string', default: String(DEFAULT_PLAN_OPTIONS.steps) },
      warmup: { type: 'string', default: String(DEFAULT_PLAN_OPTIONS.warmup) },
      budget: { type: 'string', default: String(DEFAULT_PLAN_OPTIONS.defaultBudgetMs / 1000) },
      'cpu-budget': { type: 'string', default: String((DEFAULT_PLAN_OPTIONS.budgetMs.cpu ?? 10_000) / 1000) },
      'torch-budget': { type: 'string', default: '30' },
      // 1 thread (the wasm backend is single-threaded) and every core (PyTorch's own default).
      'torch-threads': { type: 'string', default: [...new Set([1, cpus().length])].join(',') },
      'metrics-count': { type: 'string', default: '500' },
      'import-files': { type: 'string', default: '200' },
      // Generation rows: model kinds ('' for none), sizes, images per row.
      generate: { type: 'string', default: DEFAULT_PLAN_OPTIONS.generate!.kinds.join(',') },
      'generate-sizes': { type: 'string', default: DEFAULT_PLAN_OPTIONS.generate!.resolutions.join(',') },
      'generate-count': { type: 'string', default: String(DEFAULT_PLAN_OPTIONS.generate!.count) },
      // Seconds the page waits for a generate row's first call (it cannot stop half-way).
      'generate-first-limit': { type: 'string', default: String(DEFAULT_PLAN_OPTIONS.generate!.firstCallLimitMs / 1000) },
      'no-pytorch': { type: 'boolean', default: false },
      // Extra wasm rows with these thread counts (plain wasm rows use the studio's default: tfjs's, half the logical cores, at most 4).
      'wasm-threads': { type: 'string', default: '' },
      'no-markdown': { type: 'boolean', default: false },
      // Per-kernel GPU times in the webgpu profile: one small model and a large --budget (slow on SwiftShader).
      'webgpu-kernel-times': { type: 'boolean', default: false },
      render: { type: 'string' },
      // Seconds each side may wait for the 1-minute load to fall to half the cores before it starts.
      settle: { type: 'string', default: '120' },
    },
  });
  settleLimitMs = Number(values.settle) * 1000;
  if (!(settleLimitMs >= 0)) throw new Error(`bench/run.ts: --settle takes seconds ≥ 0, got ${values.settle}`);
  const backends = listOption<BackendName>(values.backends, BACKEND_NAMES, 'backend');
  const models = listOption<BenchModelId>(values.models, BENCH_MODEL_IDS, 'model');
  const steps = Number(values.steps);
  const warmup = Number(values.warmup);
  const plan = buildPlan({
    ...DEFAULT_PLAN_OPTIONS,
    backends,
    models,
    steps,
    warmup,
    defaultBudgetMs: Number(values.budget) * 1000,
    budgetMs: { cpu: Number(values['cpu-budget']) * 1000 },
    profileBackends: DEFAULT_PLAN_OPTIONS.profileBackends.filter((b) => backends.includes(b)),
    metrics: Number(values['metrics-count']) > 0 ? { count: Number(values['metrics-count']), size: 64 } : null,
    importFiles: Number(values['import-files']) > 0 ? Number(values['import-files']) : null,
    generate: values.generate
      ? {
          kinds: listOption<ModelKind>(values.generate, ['dcgan', 'wgan-gp', 'pggan', 'vae', 'ddpm'], 'generate model kind'),
          resolutions: listOption<'64' | '128'>(values['generate-sizes'], ['64', '128'], 'generate size').map((r) => Number(r) as 64 | 128),
          count: Number(values['generate-count']),
          firstCallLimitMs: Number(values['generate-first-limit']) * 1000,
        }
      : null,
    wasmThreads: values['wasm-threads'].split(',').filter(Boolean).map(wasmThreadsOption),
    webgpuKernelTimes: values['webgpu-kernel-times'],
  });
  return {
    plan,
    models,
    steps,
    warmup,
    torch: values['no-pytorch'] ? null : { budgetS: Number(values['torch-budget']), threads: values['torch-threads'].split(',').map(Number) },
    markdown: !values['no-markdown'],
    render: values.render ?? null,
  };
}

/**
 * One browser per job: after a worker with WebGPU or WebGL work in flight was terminated, the GPU
 * process kept compiling its shaders (slowing the next row), the next worker in the same page
 * sometimes failed to load, and closing its context hung. A fresh Chromium costs ~2 s per row.
 */
async function runJobInFreshBrowser(url: string, plan: BenchPlan, numbering: { offset: number; total: number }, stop: AbortSignal) {
  // A unique switch finds this Chromium's process tree, for memory sampling and for a hard stop.
  const marker = `--phantom-bench=${randomUUID()}`;
  const browser = await launchBrowser([...CHROMIUM_ARGS, marker]);
  const pid = findProcessByArgument(marker);
  // The caller gave up on this job: kill this browser's root process (ours, found by its unique switch);
  // the pending page call then rejects and the job becomes a failed row.
  let rowKept = false;
  stop.addEventListener('abort', () => {
    if (!rowKept && pid !== undefined) process.kill(pid, 'SIGKILL');
  });
  const sampler = new PeakMemorySampler(pid);
  let peak: MemoryByKind | null = null;
  try {
    // Blocked service workers: the PWA would otherwise precache ~10 MB while the job runs.
    const context = await browser.newContext({ serviceWorkers: 'block' });
    const page = await context.newPage();
    page.on('pageerror', (error) => process.stderr.write(`page error: ${error.message}\n`));
    page.on('crash', () => process.stderr.write('page crashed\n'));
    // Worker warnings and errors (tfjs backend notices, failed kernels) go to the log, not into the figures.
    page.on('worker', (worker) =>
      worker.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') process.stderr.write(`    worker ${message.type()}: ${message.text().slice(0, 200)}\n`);
      }),
    );
    let jobEnded: (result: JobResult) => void = () => {};
    const endedResult = new Promise<JobResult>((resolve) => (jobEnded = resolve));
    await page.exposeBinding('phantomBenchReport', (_source, event: PageEvent) => {
      if (event.type === 'job-start') sampler.take();
      if (event.type === 'job-end') {
        peak = sampler.take();
        if (event.result) jobEnded(event.result);
      }
      process.stderr.write(`${event.type === 'progress' ? '    ' : ''}${event.text}\n`);
    });
    await page.goto(url);
    // After a worker with WebGPU work in flight is terminated, the GPU process can stay busy compiling
    // its shaders for minutes, and the page's closing requestAdapter() waits on it. The row itself
    // arrived with job-end: keep it, and give the page a short while to add its environment.
    const full = page.evaluate(([p, n]) => window.phantomBench.run(p, n), [plan, numbering] as const) as Promise<PageReport>;
    const rowOnly = endedResult.then((result) => new Promise<{ result: JobResult }>((resolve) => setTimeout(() => resolve({ result }), ENVIRONMENT_WAIT_MS)));
    const first = await Promise.race([full, rowOnly]);
    rowKept = true;
    if ('results' in first) return { result: first.results[0], environment: first.environment, peak, version: browser.version() };
    process.stderr.write(`    (the page did not report its environment within ${ENVIRONMENT_WAIT_MS / 1000} s of the job's end; row kept)\n`);
    full.catch(() => {});
    return { result: first.result, environment: null, peak, version: browser.version() };
  } finally {
    sampler.stop();
    const closed = await Promise.race([browser.close().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    if (!closed && pid !== undefined) process.kill(pid, 'SIGKILL');
  }
}

/** How long a side may wait for the machine to settle (`--settle`, seconds). */
let settleLimitMs = 120_000;

/**
 * Waits until the 1-minute load average is at most half the logical cores (the pair rule of
 * src/bench/markdown.ts), or `settleLimitMs` has passed, and returns the load at the start.
 * Without it the bench's own previous job (one busy core for a minute) leaves the load above 1.0
 * and no ratio could ever be valid; the 1-minute average decays with a 60 s time constant, so
 * 1.3 falls to 1.0 in about 16 s.
 */
async function settleLoad(): Promise<number> {
  const quiet = cpus().length / 2;
  const until = Date.now() + settleLimitMs;
  const started = Date.now();
  while (loadavg()[0] > quiet && Date.now() < until) await new Promise((done) => setTimeout(done, 2_000));
  const waited = Date.now() - started;
  if (waited > 2_500) process.stderr.write(`    waited ${(waited / 1000).toFixed(0)} s for the load to settle: ${loadavg()[0].toFixed(2)}\n`);
  return loadavg()[0];
}

async function runBrowser(plan: BenchPlan, numbering: { offset: number; total: number } = { offset: 0, total: plan.jobs.length }) {
  if (!existsSync(resolve(ROOT, 'dist/bench.html'))) throw new Error('bench/run.ts: no dist/bench.html: run `npx vite build` first (npm run bench does).');
  const server = await preview({ root: ROOT, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false }, logLevel: 'warn' });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('bench/run.ts: the preview server did not report a port');
  const url = `http://127.0.0.1:${address.port}/bench.html`;
  const results: JobResult[] = [];
  const processMemory: (MemoryByKind | null)[] = [];
  // The 1-minute load average as each job starts: a figure measured on a busy machine is no basis for a ratio.
  const jobLoad1: number[] = [];
  let environment: PageReport['environment'] | null = null;
  let chromium = '';
  try {
    for (const [index, job] of plan.jobs.entries()) {
      // The page bounds a job at 2 × (budget + grace); past that plus a minute the browser itself is stuck
      // (seen once: a fresh Chromium whose GPU process spun for minutes before the page ran anything).
      const limitMs = (job.kind === 'generate' ? job.firstCallLimitMs : job.budgetMs) + job.budgetMs + 2 * plan.graceMs + 60_000;
      // The limit covers launching and the job, not the teardown: a report the page returned is kept
      // however long the browser then takes to close (runJobInFreshBrowser bounds that itself).
      jobLoad1.push(await settleLoad());
      const stop = new AbortController();
      const timer = setTimeout(() => stop.abort(), limitMs);
      const run = await runJobInFreshBrowser(url, { jobs: [job], graceMs: plan.graceMs }, { offset: numbering.offset + index, total: numbering.total }, stop.signal).catch(
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
      clearTimeout(timer);
      if (run instanceof Error) {
        const note = stop.signal.aborted ? `browser did not finish the job within ${(limitMs / 1000).toFixed(0)} s and was killed` : `browser failed: ${run.message}`;
        process.stderr.write(`[${numbering.offset + index + 1}/${numbering.total}] ${job.kind} → failed (${note})\n`);
        results.push(
          job.kind === 'train'
            ? { kind: 'train', job, status: 'failed', note, stepMs: [] }
            : job.kind === 'generate'
              ? { kind: 'generate', job, status: 'failed', note, repeatsMs: [] }
              : { kind: job.kind, job, status: 'failed', note, stages: [], totalMs: NaN },
        );
        processMemory.push(null);
        continue;
      }
      results.push(run.result);
      processMemory.push(run.peak);
      environment ??= run.environment;
      chromium = run.version;
    }
  } finally {
    await server.close();
  }
  const fallback: PageReport['environment'] = { userAgent: 'unknown (no job finished)', hardwareConcurrency: 0, crossOriginIsolated: false, adapter: null, userAgentMemory: { unavailable: 'no job finished' } };
  return { report: { environment: environment ?? fallback, results }, processMemory, jobLoad1, chromium, chromiumArgs: CHROMIUM_ARGS };
}

/** The PyTorch reference once per thread count, one after the other; rows of all runs together. */
async function runPytorchAtThreadCounts(models: readonly BenchModelId[], steps: number, warmup: number, budgetS: number, threadCounts: readonly number[], load: LoadSampler): Promise<PytorchReport> {
  for (const threads of threadCounts) {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`bench/run.ts: --torch-threads takes positive integers, got ${threadCounts.join(',')}`);
  }
  const from = load.mark();
  const rows: PytorchRow[] = [];
  for (const threads of threadCounts) {
    const report = await runPytorch(models, steps, warmup, budgetS, threads, load);
    if ('skipped' in report) return report;
    rows.push(...report.rows);
  }
  return { rows, load: load.summarise(from) };
}

/** Runs bench/pytorch_reference.py on the configs createModel resolves, so both sides build the same networks. */
async function runPytorch(models: readonly BenchModelId[], steps: number, warmup: number, budgetS: number, threads: number, load: LoadSampler): Promise<PytorchReport> {
  if (!existsSync(PYTHON_WITH_TORCH)) return { skipped: `${PYTHON_WITH_TORCH} not found` };
  const configs: Record<string, unknown> = {};
  const rows: PytorchRow[] = [];
  for (const model of models) {
    try {
      configs[model] = resolveConfig(BENCH_MODELS[model].input);
    } catch (error) {
      rows.push({ model, status: 'not available', note: `no studio model to mirror: ${errorMessage(error)}` });
    }
  }
  const names = Object.keys(configs);
  if (names.length === 0) return { rows, load: load.summarise(load.mark()) };
  const args = [resolve(ROOT, 'bench/pytorch_reference.py'), '--models', names.join(','), '--configs', JSON.stringify(configs),
    '--steps', String(steps), '--warmup', String(warmup), '--budget-s', String(budgetS), '--threads', String(threads)];
  const load1AtStart = await settleLoad();
  const from = load.mark();
  const lines = await new Promise<string[]>((resolveLines, reject) => {
    const child = spawn(PYTHON_WITH_TORCH, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      process.stderr.write(`pytorch: ${chunk.toString().slice(0, 160).trim()}…\n`);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolveLines(stdout.split('\n').filter(Boolean)) : reject(new Error(`bench/pytorch_reference.py exited with ${code}`))));
  });
  const parsed = lines.map((line) => JSON.parse(line) as PytorchRow & { skipped?: string });
  const skipped = parsed.find((row) => row.skipped !== undefined);
  if (skipped) return { skipped: skipped.skipped! };
  // Per-step metrics and the mirrored config stay in the raw JSON only through the studio side; keep rows lean.
  return { rows: [...parsed.map(({ model, status, note, backend, threads: t, batch, steps: n, stepMs, firstStepMs, medianMs, minMs, maxMs, meanMs, imagesPerSecond }) =>
    ({ model, status, note, backend, threads: t, batch, steps: n, stepMs, firstStepMs, medianMs, minMs, maxMs, meanMs, imagesPerSecond, load1AtStart })), ...rows], load: load.summarise(from) };
}

function writeMarkdown(record: BenchRecord, jsonPath: string): void {
  const path = resolve(ROOT, 'BENCHMARKS.md');
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  writeFileSync(path, spliceSection(current, renderBenchSection(record, relative(ROOT, jsonPath))));
  process.stderr.write('bench: updated BENCHMARKS.md\n');
}

async function main(): Promise<void> {
  const opts = options();
  if (opts.render) {
    const record = JSON.parse(readFileSync(opts.render, 'utf8')) as BenchRecord;
    if (record.format !== 'phantom-studio/bench' || record.version !== 1) throw new Error(`bench/run.ts: ${opts.render} is not a version-1 bench record`);
    writeMarkdown(record, resolve(opts.render));
    return;
  }
  const startedAt = new Date();
  process.stderr.write(`bench: ${opts.plan.jobs.length} browser jobs, at most ${(worstCaseMs(opts.plan) / 60_000).toFixed(0)} min in the browser\n`);
  const load = new LoadSampler();
  try {
    // Pairs back to back: each model's browser rows, then PyTorch on that model, then the next model;
    // the jobs without a PyTorch counterpart (metrics, import) last. Each side records its load at start.
    const browser = { report: { environment: null as PageEnvironment | null, results: [] as JobResult[] }, processMemory: [] as (MemoryByKind | null)[], jobLoad1: [] as number[], chromium: '', chromiumArgs: CHROMIUM_ARGS };
    const torchRows: PytorchRow[] = [];
    let torchSkipped: string | null = opts.torch ? null : '--no-pytorch';
    const groups = [...opts.models.map((m) => opts.plan.jobs.filter((j) => j.kind === 'train' && j.model === m)), opts.plan.jobs.filter((j) => j.kind !== 'train')];
    let offset = 0;
    for (const [g, jobs] of groups.entries()) {
      if (jobs.length === 0) continue;
      const part = await runBrowser({ jobs, graceMs: opts.plan.graceMs }, { offset, total: opts.plan.jobs.length });
      offset += jobs.length;
      browser.report.results.push(...part.report.results);
      browser.report.environment ??= part.report.environment;
      browser.processMemory.push(...part.processMemory);
      browser.jobLoad1.push(...part.jobLoad1);
      browser.chromium = part.chromium || browser.chromium;
      const model = opts.models[g];
      if (model === undefined || !opts.torch || torchSkipped !== null) continue;
      try {
        const report = await runPytorchAtThreadCounts([model], opts.steps, opts.warmup, opts.torch.budgetS, opts.torch.threads, load);
        if ('skipped' in report) torchSkipped = report.skipped;
        else torchRows.push(...report.rows);
      } catch (error) {
        torchSkipped = `failed: ${errorMessage(error)}`;
      }
    }
    const browserLoad = load.summarise();
    mkdirSync(resolve(ROOT, 'bench/out'), { recursive: true });
    const jsonPath = resolve(ROOT, `bench/out/bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    // Saved before PyTorch runs, so a failing reference never costs the browser figures.
    writeFileSync(jsonPath, `${JSON.stringify({ partial: 'browser part only', ...browser, browserLoad }, null, 2)}\n`);
    const pytorch: PytorchReport = torchSkipped !== null ? { skipped: torchSkipped } : { rows: torchRows, load: browserLoad };
    const record: BenchRecord = {
      format: 'phantom-studio/bench',
      version: 1,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      command: `npx tsx bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
      machine: machineInfo(),
      chromium: browser.chromium,
      chromiumArgs: browser.chromiumArgs,
      plan: opts.plan,
      page: { environment: browser.report.environment ?? { userAgent: 'unknown (no job finished)', hardwareConcurrency: 0, crossOriginIsolated: false, adapter: null, userAgentMemory: { unavailable: 'no job finished' } }, results: browser.report.results },
      processMemory: browser.processMemory,
      jobLoad1: browser.jobLoad1,
      browserLoad,
      pytorch,
    };
    writeFileSync(jsonPath, `${JSON.stringify(record, null, 2)}\n`);
    process.stderr.write(`bench: wrote ${relative(ROOT, jsonPath)}\n`);
    if (opts.markdown) writeMarkdown(record, jsonPath);
  } finally {
    load.stop();
  }
}

await main();
