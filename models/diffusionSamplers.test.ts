import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { alphaBars, ddimTimesteps } from './ddpm';
import { dpmSolverTimesteps, sampleDiffusion, type Denoiser } from './diffusionSamplers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Data x_0 ~ N(μ, s²) per pixel: the exact x_0 estimate is E[x_0 | x_t] = μ + α s² (x_t − α μ) / (α² s² + σ²),
 * and the probability-flow ODE that both samplers solve maps x_T to μ + s (x_T − α_T μ) / √(α_T² s² + σ_T²)
 * exactly (it keeps each point's standard score), so the samplers' error can be measured, not guessed.
 */
const MU = 0.2;
const S = 0.3;
const T = 1000;
const alphaBar = alphaBars('cosine', T);

const exactDenoiser: Denoiser = (x, t) => {
  const a = Math.sqrt(alphaBar[t]);
  const v = a * a * S * S + (1 - alphaBar[t]);
  return x.sub(a * MU).mul((a * S * S) / v).add(MU) as tf.Tensor4D;
};

function exactSolution(xT: tf.Tensor4D): tf.Tensor4D {
  const a = Math.sqrt(alphaBar[T - 1]);
  return xT.sub(a * MU).div(Math.sqrt(a * a * S * S + (1 - alphaBar[T - 1]))).mul(S).add(MU) as tf.Tensor4D;
}

function maxError(sampler: 'ddim' | 'dpm-solver++', steps: number, xT: tf.Tensor4D): number {
  const path = sampler === 'ddim' ? ddimTimesteps(T, steps) : dpmSolverTimesteps(alphaBar, steps);
  return tf.tidy(() => sampleDiffusion(sampler, xT, path, alphaBar, exactDenoiser).sub(exactSolution(xT)).abs().max().dataSync()[0]);
}

describe('diffusion samplers on a Gaussian, whose exact answer is known', () => {
  it('DPM-Solver++(2M) at 10 steps is closer to the exact ODE solution than DDIM at 50 (the studio’s default)', () => {
    const xT = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const errors = {
      ddim10: maxError('ddim', 10, xT),
      ddim50: maxError('ddim', 50, xT),
      dpm10: maxError('dpm-solver++', 10, xT),
      dpm50: maxError('dpm-solver++', 50, xT),
    };
    expect(tf.memory().numTensors).toBe(before);
    // Measured: DDIM 0.23 (10 steps), 0.05 (50); DPM-Solver++ 0.025 (10), 0.006 (50).
    expect(errors.ddim50).toBeLessThan(errors.ddim10 / 3);
    expect(errors.dpm10).toBeLessThan(errors.ddim10 / 5);
    expect(errors.dpm10).toBeLessThan(errors.ddim50);
    expect(errors.dpm50).toBeLessThan(0.01);
    xT.dispose();
  });

  it('DPM-Solver++ spaces its steps evenly in log-SNR, from T−1 down to 0, then x_0', () => {
    const path = dpmSolverTimesteps(alphaBar, 10);
    expect(path).toHaveLength(11);
    expect(path[0]).toBe(T - 1);
    expect(path.slice(-2)).toEqual([0, -1]);
    for (let i = 1; i < path.length; i++) expect(path[i]).toBeLessThan(path[i - 1]);
    const lambda = (t: number) => 0.5 * Math.log(alphaBar[t] / (1 - alphaBar[t]));
    // The first levels of the clipped cosine schedule lie far apart in λ (λ_999 = −9.9, λ_998 = −6.5), so the
    // grid can only be followed from the fourth level on; there the gaps are even (1.66 each for 10 steps).
    const gaps = path.slice(4, -1).map((t, i) => lambda(t) - lambda(path[i + 3]));
    const ideal = (lambda(0) - lambda(T - 1)) / 9;
    for (const g of gaps) expect(Math.abs(g - ideal) / ideal).toBeLessThan(0.1);
    expect(dpmSolverTimesteps(alphaBar, 1)).toEqual([T - 1, -1]);
    expect(dpmSolverTimesteps(alphaBars('linear', 8), 8)).toEqual([7, 6, 5, 4, 3, 2, 1, 0, -1]);
    expect(() => dpmSolverTimesteps(alphaBar, 0)).toThrow(/1 ≤ steps ≤ T/);
  });

  it('DDIM here is the studio’s DDIM step: x_next = √ᾱ_next x̂_0 + √(1 − ᾱ_next) ε̂ with ε̂ re-derived from x̂_0', () => {
    const xT = tf.randomNormal([2, 4, 4, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
    const path = ddimTimesteps(T, 7);
    const ours = sampleDiffusion('ddim', xT, path, alphaBar, exactDenoiser);
    let x = xT.clone();
    for (let i = 0; i + 1 < path.length; i++) {
      const [t, next] = [path[i], path[i + 1]];
      const x0 = exactDenoiser(x, t);
      if (next < 0) {
        x = x0;
        break;
      }
      const eps = x.sub(x0.mul(Math.sqrt(alphaBar[t]))).div(Math.sqrt(1 - alphaBar[t]));
      x = x0.mul(Math.sqrt(alphaBar[next])).add(eps.mul(Math.sqrt(1 - alphaBar[next]))) as tf.Tensor4D;
    }
    expect(tf.sub(ours, x).abs().max().dataSync()[0]).toBeLessThan(1e-5);
  });

  it('refuses an unknown sampler and a path that does not end at x_0', () => {
    const x = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    expect(() => sampleDiffusion('euler' as 'ddim', x, [999, -1], alphaBar, exactDenoiser)).toThrow(/unknown sampler 'euler'/);
    expect(() => sampleDiffusion('ddim', x, [999, 500], alphaBar, exactDenoiser)).toThrow(/down to −1/);
  });
});
