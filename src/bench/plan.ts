/**
 * Which jobs a bench run does, in what order, with what budgets. Shared by the Node driver
 * (bench/run.ts) and the page's own "Run" button so both run the same plan.
 */
import { BACKEND_NAMES, type BackendName } from '../compute/backendTypes';
import { BENCH_MODEL_IDS, type BenchJob, type BenchModelId, type BenchPlan } from './types';
import type { ModelKind } from '../../models/types';

export interface PlanOptions {
  backends: readonly BackendName[];
  models: readonly BenchModelId[];
  steps: number;
  warmup: number;
  /** Per-(backend, model) budget in ms; a backend missing here uses defaultBudgetMs. */
  budgetMs: Partial<Record<BackendName, number>>;
  defaultBudgetMs: number;
  generateCount: number;
  /** Backends whose rows get one tf.profile'd step. */
  profileBackends: readonly BackendName[];
  metrics: { count: number; size: 32 | 64 | 128 } | null;
  importFiles: number | null;
  /** Generation rows: these model kinds at these sizes, `count` images each, on every backend. */
  generate: { kinds: readonly ModelKind[]; resolutions: readonly (64 | 128)[]; count: number; firstCallLimitMs: number } | null;
  /** Budget of the metrics and import jobs, which run once and cannot stop half-way. */
  cpuJobBudgetMs: number;
  graceMs: number;
  /** Per-kernel GPU times in the webgpu profile (slow: see TrainJob.webgpuKernelTimes). */
  webgpuKernelTimes?: boolean;
  /**
   * Extra wasm rows (plain wasm rows use the studio's plan, src/compute/wasmThreads.ts): a pool size N
   * (with N − 1 SIMD helpers), or an explicit pool size and helper count.
   */
  wasmThreads?: readonly (number | { poolThreads: number; simdHelpers: number })[];
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = {
  backends: BACKEND_NAMES,
  models: BENCH_MODEL_IDS,
  steps: 10,
  warmup: 2,
  // cpu is ~100× slower than wasm: its budget only has to show that, not wait for it.
  budgetMs: { cpu: 10_000 },
  // Sized so the default plan ends in about 15 minutes on a loaded 2-core machine.
  defaultBudgetMs: 30_000,
  generateCount: 64,
  profileBackends: ['webgpu', 'wasm'],
  metrics: { count: 500, size: 64 },
  importFiles: 200,
  // DDPM at 128 px (50 U-Net passes per image) takes minutes on wasm: the first call gets up to 10.
  generate: { kinds: ['dcgan', 'wgan-gp', 'pggan', 'vae', 'ddpm'], resolutions: [64, 128], count: 64, firstCallLimitMs: 600_000 },
  cpuJobBudgetMs: 120_000,
  graceMs: 15_000,
};

/** DPM-Solver++ passes in the bench's DDPM generate rows. */
export const DPM_SOLVER_BENCH_STEPS = 15;

export function buildPlan(options: PlanOptions = DEFAULT_PLAN_OPTIONS): BenchPlan {
  if (!(Number.isInteger(options.steps) && options.steps >= 1)) throw new Error(`src/bench/plan.ts: steps must be ≥ 1, got ${options.steps}`);
  if (!(Number.isInteger(options.warmup) && options.warmup >= 1))
    throw new Error(`src/bench/plan.ts: warmup must be ≥ 1 (the first step is reported on its own), got ${options.warmup}`);
  const jobs: BenchJob[] = [];
  // Backend-major order: consecutive rows share a backend, so a slow backend's rows are easy to spot in the log.
  for (const backend of options.backends) {
    for (const model of options.models) {
      jobs.push({
        kind: 'train',
        backend,
        model,
        steps: options.steps,
        warmup: options.warmup,
        generateCount: options.generateCount,
        profile: options.profileBackends.includes(backend),
        ...(backend === 'webgpu' && options.webgpuKernelTimes ? { webgpuKernelTimes: true } : {}),
        budgetMs: options.budgetMs[backend] ?? options.defaultBudgetMs,
      });
    }
  }
  // wasm rows again with an explicit thread count each, to read the threads' gain off the table.
  for (const threads of options.wasmThreads ?? []) {
    const extra = typeof threads === 'number' ? { wasmThreads: threads } : { wasmThreads: threads.poolThreads, simdHelpers: threads.simdHelpers };
    for (const job of [...jobs]) {
      if (job.kind === 'train' && job.backend === 'wasm' && job.wasmThreads === undefined) jobs.push({ ...job, ...extra });
    }
  }
  for (const backend of options.generate ? options.backends : []) {
    for (const model of options.generate!.kinds) {
      // DDPM on cpu: one batch of 32 at 64 px is 50 U-Net passes at ~100× wasm's cost, many minutes; its wasm row says enough.
      if (backend === 'cpu' && model === 'ddpm') continue;
      // DDPM also at 32 px (the bench's training size and issue 17's first target), and each size once
      // more with DPM-Solver++ at 15 passes, the fast sampler beside DDIM-50.
      const resolutions: readonly (32 | 64 | 128)[] = model === 'ddpm' ? [32, ...options.generate!.resolutions] : options.generate!.resolutions;
      for (const resolution of resolutions) {
        const row = { kind: 'generate', backend, model, resolution, count: options.generate!.count, budgetMs: options.budgetMs[backend] ?? options.defaultBudgetMs, firstCallLimitMs: options.generate!.firstCallLimitMs } as const;
        jobs.push(row);
        if (model === 'ddpm') jobs.push({ ...row, sampler: 'dpm-solver++', samplingSteps: DPM_SOLVER_BENCH_STEPS });
      }
    }
  }
  if (options.metrics) jobs.push({ kind: 'metrics', ...options.metrics, budgetMs: options.cpuJobBudgetMs });
  if (options.importFiles) jobs.push({ kind: 'import', files: options.importFiles, sourceSize: 128, size: 64, budgetMs: options.cpuJobBudgetMs });
  return { jobs, graceMs: options.graceMs };
}

/** Upper bound of the plan's wall time: a first step of budget + grace, then budget + grace again. */
export function worstCaseMs(plan: BenchPlan): number {
  return plan.jobs.reduce((total, job) => total + (job.kind === 'generate' ? job.firstCallLimitMs : job.budgetMs) + job.budgetMs + 2 * plan.graceMs, 0);
}
