/**
 * Training on wasm (with registerWasmTrainingKernels) must follow the same trajectory as on the
 * cpu backend: identical initial weights and data, 20 steps, per-step losses equal up to float
 * rounding. First a self-contained DCGAN written with functional ops, then the studio's own
 * models (models/), including WGAN-GP whose gradient penalty differentiates through conv
 * gradients a second time, and a DDPM (fused GroupNorm + SiLU on wasm, composed ops on cpu).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../../../models/index';
import { trainFor } from '../../../models/testUtils';
import { phantomBatches } from '../../testing/phantomBatches';
import type { ModelConfigInput } from '../../../models/types';
import { registerWasmTrainingKernels } from './trainingKernels';

type Backend = 'cpu' | 'wasm';

beforeAll(async () => {
  registerWasmTrainingKernels();
  const wasmDist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  setWasmPaths(`${wasmDist}/`);
  expect(await tf.setBackend('wasm')).toBe(true);
});

/**
 * Per-step loss trajectories agree. GAN steps feed each other, so rounding differences grow a
 * little over the run; 1e-3 relative (absolute below 1) is still far tighter than any real
 * divergence (a wrong gradient moves losses by O(1e-2) within a few steps). NaN marks a metric
 * the model did not compute that step (WGAN-GP's gradNormG between generator updates) and must
 * be NaN on both.
 */
function expectSameTrajectory(cpu: number[][], wasm: number[][]): void {
  expect(wasm.length).toBe(cpu.length);
  cpu.forEach((expected, step) => {
    expected.forEach((value, i) => {
      if (Number.isNaN(value)) {
        expect(wasm[step][i]).toBeNaN();
        return;
      }
      expect(Number.isFinite(wasm[step][i])).toBe(true);
      expect(Math.abs(wasm[step][i] - value)).toBeLessThan(1e-3 * Math.max(1, Math.abs(value)));
    });
  });
}

// --- A self-contained DCGAN (functional ops, tf.variable weights, Adam) -------------------

const BATCH = 8;
const LATENT = 16;

function seededNormal(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 0.1, 'float32', seed);
}

function batchNorm(x: tf.Tensor, gamma: tf.Variable, beta: tf.Variable): tf.Tensor {
  const { mean, variance } = tf.moments(x, x.rank === 4 ? [0, 1, 2] : [0]);
  return x.sub(mean).mul(tf.rsqrt(variance.add(1e-5))).mul(gamma).add(beta);
}

const leaky = (x: tf.Tensor): tf.Tensor => x.mul(0.6).add(x.abs().mul(0.4));

function trainTinyDcgan(steps: number): number[][] {
  const v = (t: tf.Tensor): tf.Variable => tf.variable(t);
  const g = {
    dense: v(seededNormal([LATENT, 4 * 4 * 16], 1)), denseB: v(tf.zeros([4 * 4 * 16])),
    g0: v(tf.ones([4 * 4 * 16])), b0: v(tf.zeros([4 * 4 * 16])),
    up1: v(seededNormal([4, 4, 8, 16], 2)), g1: v(tf.ones([8])), b1: v(tf.zeros([8])),
    up2: v(seededNormal([4, 4, 1, 8], 3)), outB: v(tf.zeros([1])),
  };
  const d = {
    c1: v(seededNormal([4, 4, 1, 8], 4)), c1b: v(tf.zeros([8])),
    c2: v(seededNormal([4, 4, 8, 16], 5)), g2: v(tf.ones([16])), b2: v(tf.zeros([16])),
    dense: v(seededNormal([4 * 4 * 16, 1], 6)), denseB: v(tf.zeros([1])),
  };
  const generate = (z: tf.Tensor): tf.Tensor4D => {
    const h0 = tf.relu(batchNorm(tf.matMul(z, g.dense).add(g.denseB), g.g0, g.b0)).reshape([BATCH, 4, 4, 16]) as tf.Tensor4D;
    const h1 = tf.relu(batchNorm(tf.conv2dTranspose(h0, g.up1 as tf.Tensor4D, [BATCH, 8, 8, 8], 2, 'same'), g.g1, g.b1));
    return tf.tanh(tf.conv2dTranspose(h1 as tf.Tensor4D, g.up2 as tf.Tensor4D, [BATCH, 16, 16, 1], 2, 'same').add(g.outB));
  };
  const discriminate = (x: tf.Tensor4D): tf.Tensor => {
    const h1 = leaky(tf.conv2d(x, d.c1 as tf.Tensor4D, 2, 'same').add(d.c1b));
    const h2 = leaky(batchNorm(tf.conv2d(h1 as tf.Tensor4D, d.c2 as tf.Tensor4D, 2, 'same'), d.g2, d.b2));
    return tf.matMul(h2.reshape([BATCH, -1]), d.dense).add(d.denseB);
  };
  const ones = tf.ones([BATCH, 1]);
  const zeros = tf.zeros([BATCH, 1]);
  const gOpt = tf.train.adam(2e-4, 0.5, 0.999);
  const dOpt = tf.train.adam(2e-4, 0.5, 0.999);
  // "Real" images: smooth blobs whose position depends on the sample.
  const real = tf.tidy(() => {
    const grid = tf.linspace(-1, 1, 16);
    const yy = grid.reshape([1, 16, 1, 1]);
    const xx = grid.reshape([1, 1, 16, 1]);
    const centres = tf.linspace(-0.5, 0.5, BATCH).reshape([BATCH, 1, 1, 1]);
    return tf.exp(yy.sub(centres).square().add(xx.add(centres).square()).mul(-4)).mul(2).sub(1) as tf.Tensor4D;
  });
  const history: number[][] = [];
  for (let step = 0; step < steps; step++) {
    const z = tf.randomNormal([BATCH, LATENT], 0, 1, 'float32', 100 + step);
    const dLoss = dOpt.minimize(() => tf.losses.sigmoidCrossEntropy(ones, discriminate(real))
      .add(tf.losses.sigmoidCrossEntropy(zeros, discriminate(generate(z)))) as tf.Scalar, true, Object.values(d));
    const gLoss = gOpt.minimize(() => tf.losses.sigmoidCrossEntropy(ones, discriminate(generate(z))) as tf.Scalar,
      true, Object.values(g));
    history.push([dLoss!.dataSync()[0], gLoss!.dataSync()[0]]);
    tf.dispose([z, dLoss!, gLoss!]);
  }
  tf.dispose([ones, zeros, real, ...Object.values(g), ...Object.values(d)]);
  gOpt.dispose();
  dOpt.dispose();
  return history;
}

async function on<T>(backend: Backend, run: () => T): Promise<T> {
  await tf.setBackend(backend);
  return run();
}

describe('20 training steps on wasm follow the cpu trajectory', () => {
  it('self-contained DCGAN (conv2d, conv2dTranspose, batch-norm via moments, |x| leaky ReLU, Adam)', async () => {
    const cpu = await on('cpu', () => trainTinyDcgan(20));
    const wasm = await on('wasm', () => trainTinyDcgan(20));
    expectSameTrajectory(cpu, wasm);
    // The run actually trained: D's loss moved.
    expect(Math.abs(cpu[19][0] - cpu[0][0])).toBeGreaterThan(1e-3);
  });

  const studioModels: Array<[string, ModelConfigInput, boolean, number]> = [
    ['models/ DCGAN, conditional', { kind: 'dcgan', resolution: 32, width: 4, batchSize: 4, latentDim: 8, numClasses: 2 }, true, 20],
    ['models/ WGAN-GP (second-order gradient penalty)', { kind: 'wgan-gp', resolution: 32, width: 4, batchSize: 4, latentDim: 8 }, false, 20],
    ['models/ VAE', { kind: 'vae', resolution: 32, width: 4, batchSize: 4, latentDim: 8 }, false, 20],
    // GroupNorm + SiLU is one fused kernel forward and one backward on wasm, composed ops on cpu.
    ['models/ DDPM, conditional', { kind: 'ddpm', resolution: 16, width: 4, channelMultipliers: [1, 2], batchSize: 4, timesteps: 100, numClasses: 2 }, true, 20],
  ];
  for (const [name, config, conditional, steps] of studioModels) {
    it(name, async () => {
      const run = (): number[][] => {
        const data = phantomBatches(config.resolution === 16 ? 16 : 32, 16);
        const model = createModel(config);
        const history = trainFor(model, data, steps, conditional).map((m) => Object.values(m));
        model.dispose();
        data.dispose();
        return history;
      };
      const cpu = await on('cpu', run);
      const wasm = await on('wasm', run);
      expectSameTrajectory(cpu, wasm);
    });
  }
});
