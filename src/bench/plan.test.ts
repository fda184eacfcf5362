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
    const plan = buildPlan({ ...DEFAULT_PLAN_OPTIONS, backends: ['wasm'], models: ['dcgan28'], metrics: null, importFiles: null });
    expect(worstCaseMs(plan)).toBe(2 * (30_000 + 15_000));
  });
});
