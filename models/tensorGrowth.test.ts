/**
 * No tensor growth over a long run, for every model kind, with the Trainer's periodic work
 * (readback, EMA fixed-noise sampling, state export) and the PG-GAN's resolution switch. The
 * full 1,000-step run takes minutes on this machine, so it lives in bench/tensorGrowth.node.ts;
 * here each model runs 100 steps, which still passes every periodic path several times.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../src/testing/wasmBackend';
import { createModel } from './index';
import { GROWTH_CONFIGS, growthConfig, measureTensorGrowth, type GrowthModelName } from './tensorGrowth';
import { phantomBatches, type PhantomBatches } from '../src/testing/phantomBatches';

const WARMUP = 5;
const STEPS = 100;
const CADENCE = { readbackEvery: 10, sampleEvery: 25, checkpointEvery: 50, samplesPerClass: 2 };

let data: PhantomBatches;
beforeAll(async () => {
  await useWasmBackend();
  data = phantomBatches(8, 16);
});
afterAll(() => data.dispose());

describe.each(Object.keys(GROWTH_CONFIGS) as GrowthModelName[])('%s', (name) => {
  it(`keeps the same tensors and bytes from after warm-up to after ${STEPS} steps with readback, sampling and export`, async () => {
    // PG-GAN: stable at 4 px until step 35, fading to 8 px until 70, then 8 px.
    const model = createModel(growthConfig(name, 35));
    const { start, end, growth } = await measureTensorGrowth(model, data, WARMUP, STEPS, CADENCE);
    expect(end.numTensors).toBe(start.numTensors);
    expect(end.numBytes).toBe(start.numBytes);
    if (model.kind === 'pggan') expect(growth).toEqual({ resolutions: [4, 8], fadingSteps: 34 }); // α reaches 1 on the fade's last step
    const variables = tf.memory().numTensors;
    model.dispose();
    // Guard against a vacuous pass: the snapshot counted the model's variables, and they are gone now.
    expect(tf.memory().numTensors).toBeLessThan(variables);
    expect(tf.memory().numTensors).toBe(2); // the phantom images and labels
  });
});

describe('measureTensorGrowth', () => {
  it('sees a leak of one tensor per step', async () => {
    const model = createModel(GROWTH_CONFIGS.vae);
    const leaked: tf.Tensor[] = [];
    const trainStep = model.trainStep.bind(model);
    model.trainStep = (real, labels) => {
      leaked.push(real.clone());
      return trainStep(real, labels);
    };
    const { start, end } = await measureTensorGrowth(model, data, 2, 20, CADENCE);
    expect(end.numTensors - start.numTensors).toBe(20);
    expect(end.numBytes - start.numBytes).toBe(20 * 2 * 8 * 8 * 4);
    tf.dispose(leaked);
    model.dispose();
  });
});
