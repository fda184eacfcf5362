import { describe, expect, it } from 'vitest';
import { DEFAULT_PLAN_OPTIONS, buildPlan, worstCaseMs } from './plan';

describe('bench plan', () => {
  it('has one training row per backend and model, profiling only where asked, then metrics and import', () => {
    const plan = buildPlan();
    const train = plan.jobs.filter((j) => j.kind === 'train');
    expect(train).toHaveLength(4 * 5);
    expect(train.filter((j) => j.profile).map((j) => j.backend)).toEqual([...Array(5).fill('webgpu'), ...Array(5).fill('wasm')]);
    expect(train.find((j) => j.backend === 'cpu')?.budgetMs).toBe(10_000);
    expect(train.find((j) => j.backend === 'wasm')?.budgetMs).toBe(30_000);
    expect(plan.jobs.slice(-2).map((j) => j.kind)).toEqual(['metrics', 'import']);
  });

  it('rejects a plan without a first (warm-up) step to report', () => {
    expect(() => buildPlan({ ...DEFAULT_PLAN_OPTIONS, warmup: 0 })).toThrow(/warmup must be ≥ 1/);
    expect(() => buildPlan({ ...DEFAULT_PLAN_OPTIONS, steps: 0 })).toThrow(/steps must be ≥ 1/);
  });

  it('bounds the run time by budgets plus grace', () => {
    const plan = buildPlan({ ...DEFAULT_PLAN_OPTIONS, backends: ['wasm'], models: ['dcgan28'], metrics: null, importFiles: null, generate: null });
    expect(worstCaseMs(plan)).toBe(2 * (30_000 + 15_000));
  });

  it('times generating 64 images at 64 and 128 px for each model kind on each backend (DDPM not on cpu)', () => {
    const generate = buildPlan().jobs.filter((j) => j.kind === 'generate');
    // 4 GAN/VAE kinds × 4 backends × 2 sizes, and DDPM on 3 backends × 3 sizes × 2 samplers.
    expect(generate).toHaveLength(4 * 4 * 2 + 3 * 3 * 2);
    expect(generate.every((j) => j.count === 64)).toBe(true);
    expect(new Set(generate.map((j) => `${j.backend} ${j.model}`)).size).toBe(4 * 5 - 1);
    expect(generate.filter((j) => j.backend === 'wasm' && j.model === 'pggan').map((j) => j.resolution)).toEqual([64, 128]);
    expect(generate.some((j) => j.backend === 'cpu' && j.model === 'ddpm')).toBe(false);
    const ddpm = generate.filter((j) => j.kind === 'generate' && j.backend === 'wasm' && j.model === 'ddpm');
    expect(ddpm.map((j) => (j.kind === 'generate' ? `${j.resolution} ${j.sampler ?? 'ddim'}` : ''))).toEqual([
      '32 ddim', '32 dpm-solver++', '64 ddim', '64 dpm-solver++', '128 ddim', '128 dpm-solver++',
    ]);
    expect(buildPlan({ ...DEFAULT_PLAN_OPTIONS, generate: null }).jobs.some((j) => j.kind === 'generate')).toBe(false);
  });
});
