/**
 * Deterministic samplers for a diffusion model trained on x_t = α_t x_0 + σ_t ε (α_t = √ᾱ_t,
 * σ_t = √(1 − ᾱ_t)), written against a denoiser that returns the model's estimate of x_0 at a
 * level t. Both walk a timestep path from T−1 down to −1 (−1 means "x_0": α = 1, σ = 0).
 *
 * - DDIM (Song et al. 2021, η = 0): first order in λ = log(α/σ); needs ~50 steps.
 * - DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion
 *   Probabilistic Models", Algorithm 2): the same ODE, second order by reusing the previous step's
 *   x_0 estimate (multistep, so one network pass per step), in the data-prediction form, which
 *   keeps clipping x_0 to the data range valid, on Lu et al.'s logSNR-uniform path (dpmSolverTimesteps).
 *
 * With the x_0 estimate D_s at level s and h = λ_t − λ_s, one step is
 *   x_t = (σ_t / σ_s) x_s + α_t (1 − e^{−h}) D,
 * where D = D_s for DDIM (and for the first DPM-Solver++ step, and the one after a step from λ < −5.1), and
 *   D = (1 + 1/(2r)) D_s − 1/(2r) D_prev,  r = h_prev / h
 * for the second-order steps. The last step (to t = −1) returns the x_0 estimate itself, as DDIM
 * does (σ = 0, h = ∞).
 */
import * as tf from '@tensorflow/tfjs';

/** The model's estimate of x_0 from x_t at level t (clipped to the data range if wanted). */
export type Denoiser = (x: tf.Tensor4D, t: number) => tf.Tensor4D;

export const DIFFUSION_SAMPLERS = ['ddim', 'dpm-solver++'] as const;
export type DiffusionSampler = (typeof DIFFUSION_SAMPLERS)[number];

const alphaAt = (alphaBar: Float64Array, t: number) => (t < 0 ? 1 : Math.sqrt(alphaBar[t]));
const sigmaAt = (alphaBar: Float64Array, t: number) => (t < 0 ? 0 : Math.sqrt(1 - alphaBar[t]));
const lambdaAt = (alphaBar: Float64Array, t: number) => Math.log(alphaAt(alphaBar, t) / sigmaAt(alphaBar, t));

/**
 * The lowest λ the DPM-Solver++ path starts from. Lu et al.'s reference code clips λ near t = T at −5.1
 * (dpm_solver_pytorch.py, NoiseScheduleVP.numerical_clip_alpha; diffusers' `lambda_min_clipped`,
 * "critical for the cosine schedule"): the clipped cosine schedule's last levels lie far below it
 * (λ_999 = −9.9, λ_998 = −6.5), where x_0's estimate is the data mean whatever the step, so a grid
 * spread from λ_999 spends passes there that the levels that shape the image then lack. Starting at
 * the first level above −5.1 (Lu et al. treat the starting noise as x there) is not enough where the
 * cut is coarse (T = 100: λ_99 = −7.6, λ_98 = −4.2), so dpmSolverTimesteps steps there from T−1 first.
 */
export const DPM_SOLVER_LAMBDA_MIN = -5.1;

/**
 * The path DPM-Solver++ takes for `steps` network passes, as Lu et al.'s reference samples a discrete-time
 * model at low resolution (skip_type 'logSNR', t_0 = 1/N, denoise_to_zero): levels evenly spaced in λ
 * from the first level with λ ≥ DPM_SOLVER_LAMBDA_MIN down to level 0, then −1 (x_0 is the last estimate,
 * as DDIM ends), led by T−1 where the clip cut levels off (the cosine schedule; the linear one stays
 * above −5.1 at T = 1000), since the starting noise is x at T−1. Each λ is rounded to the nearest
 * trained level, kept strictly decreasing.
 */
export function dpmSolverTimesteps(alphaBar: Float64Array, steps: number): number[] {
  const T = alphaBar.length;
  const lambdas = Array.from({ length: T }, (_, t) => lambdaAt(alphaBar, t));
  let start = T - 1;
  while (start > 0 && lambdas[start] < DPM_SOLVER_LAMBDA_MIN) start--;
  // The starting noise is x at level T−1: when the clip cuts levels off, the first pass steps from there
  // to the clip (first order, exact enough where x_0's estimate barely changes), the rest follow the grid.
  const lead = start < T - 1 ? [T - 1] : [];
  const gridSteps = steps - lead.length;
  if (!(Number.isInteger(steps) && steps >= 1 && gridSteps <= start + 1))
    throw new Error(`models/diffusionSamplers.ts: DPM-Solver++ needs 1 ≤ steps ≤ ${start + 1 + lead.length} (the levels with λ ≥ ${DPM_SOLVER_LAMBDA_MIN}, and T − 1), got ${steps}`);
  if (gridSteps === 0) return [T - 1, -1];
  if (gridSteps === 1) return [...lead, start, -1];
  const first = lambdas[start];
  const last = lambdas[0];
  const path: number[] = [...lead];
  let t = start;
  for (let i = 0; i < gridSteps; i++) {
    const target = first + ((last - first) * i) / (gridSteps - 1);
    // λ rises as t falls: walk down to the level nearest the target, leaving room for the steps after.
    while (t > gridSteps - 1 - i && Math.abs(lambdas[t - 1] - target) <= Math.abs(lambdas[t] - target)) t--;
    path.push(t);
    t--;
  }
  path.push(-1);
  return path;
}

/**
 * Runs `sampler` from x (at level path[0]) down the path and returns x_0; x is not disposed. One
 * tidy per step keeps at most the current image and one x_0 estimate alive.
 */
export function sampleDiffusion(
  sampler: DiffusionSampler,
  x: tf.Tensor4D,
  path: readonly number[],
  alphaBar: Float64Array,
  denoise: Denoiser,
): tf.Tensor4D {
  if (!DIFFUSION_SAMPLERS.includes(sampler)) throw new Error(`models/diffusionSamplers.ts: unknown sampler '${sampler}' (${DIFFUSION_SAMPLERS.join(', ')})`);
  if (path.length < 2 || path.at(-1) !== -1) throw new Error(`models/diffusionSamplers.ts: a path runs from T−1 down to −1, got [${path}]`);
  let current = x;
  let previous: { x0: tf.Tensor4D; h: number } | null = null;
  for (let i = 0; i + 1 < path.length; i++) {
    const s = path[i];
    const t = path[i + 1];
    const last = t < 0;
    const h = last ? Infinity : lambdaAt(alphaBar, t) - lambdaAt(alphaBar, s);
    const prior = previous;
    const [next, x0] = tf.tidy(() => {
      const estimate = denoise(current, s);
      if (last) return [estimate, estimate];
      let d: tf.Tensor4D = estimate;
      if (sampler === 'dpm-solver++' && prior) {
        const r = prior.h / h;
        d = estimate.mul(1 + 1 / (2 * r)).sub(prior.x0.mul(1 / (2 * r)));
      }
      const stepped = current.mul(sigmaAt(alphaBar, t) / sigmaAt(alphaBar, s)).add(d.mul(alphaAt(alphaBar, t) * -Math.expm1(-h))) as tf.Tensor4D;
      return [stepped, estimate];
    });
    if (current !== x) current.dispose();
    prior?.x0.dispose();
    if (last) {
      // next and x0 are the same tensor here.
      return next;
    }
    // An x_0 estimate made below λ = −5.1 (x_t divided by α < 0.006: the network's error blown up, then
    // clipped) is not extrapolated from: the step after dpmSolverTimesteps' first pass stays first order.
    const reuse = sampler === 'dpm-solver++' && lambdaAt(alphaBar, s) >= DPM_SOLVER_LAMBDA_MIN;
    previous = reuse ? { x0, h } : null;
    if (!reuse) x0.dispose();
    current = next;
  }
  previous?.x0.dispose();
  return current;
}
