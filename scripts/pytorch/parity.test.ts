/**
 * Parity of every model kind with its PyTorch mirror (python/phantom_models.py), the code the
 * studio's PyTorch export ships. Same weights and inputs, same outputs within 1e-4 absolute
 * (generator output, critic / discriminator output, VAE reconstruction, DDPM noise prediction);
 * three training steps fed the same batches and the same random draws (reproduced here from the
 * models' own seeds) give the same metrics and the same weights afterwards. The class-conditional
 * DDPM with label dropout (classifier-free guidance training) gets the studio's dropout mask fed,
 * the mirror's own port of that seeded mask is checked against it, and its guided samples match.
 *
 * Runs /usr/bin/python3 (torch + numpy); skips with the reason when they are missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpz, writeNpz, type NpyWritable } from '../../src/importers/npy';
import { createModel } from '../../models/index';
import { rawWeights } from '../../models/core/params';
import { Random } from '../../models/core/random';
import { SeedPurpose, stepSeed, tfSeed } from '../../models/core/seeds';
import { oneHot } from '../../models/layers/basic';
import type { ConvGan } from '../../models/convGan';
import type { Ddpm } from '../../models/ddpm';
import type { Progressive } from '../../models/progressive';
import type { Vae } from '../../models/vae';
import { timeFeatureDim, timestepFeatures } from '../../models/nets/unet';
import type { GenerativeModel, ModelConfig, ModelConfigInput, ModelState } from '../../models/types';

const PYTHON = '/usr/bin/python3';
const CHECK = resolve(import.meta.dirname, '../../python/parity_check.py');
const STEPS = 3;
const N = 4;

/** Small configs with the options the mirror covers: labels, attention, spectral norm, R1, DiffAugment, EMA, a PG-GAN fade. */
const CASES: Record<string, ModelConfigInput> = {
  dcgan: { kind: 'dcgan', resolution: 28, width: 4, batchSize: N, latentDim: 8, attentionResolution: 14, spectralNorm: true, seed: 5 },
  // The R1 penalty through D's batch norm (batch statistics): a second-order gradient on both sides.
  'dcgan-r1': { kind: 'dcgan', resolution: 32, width: 4, batchSize: N, latentDim: 8, r1Gamma: 10, seed: 13 },
  'cwgan-gp': { kind: 'wgan-gp', resolution: 32, width: 4, batchSize: N, latentDim: 8, numClasses: 3, nCritic: 2, emaDecay: 0.9, diffAugment: { color: true, translation: true, cutout: true }, seed: 6 },
  // Steps 0–1 at 4 px, step 2 fades 8 px in (α = 1/4): the forward pass runs mid-fade.
  pggan: { kind: 'pggan', resolution: 16, startResolution: 4, fadeSteps: 4, stableSteps: 2, fmapBase: 64, fmapMax: 8, batchSize: N, latentDim: 8, numClasses: 2, diffAugment: { color: true, translation: true, cutout: false }, seed: 7 },
  vae: { kind: 'vae', resolution: 28, width: 4, batchSize: N, latentDim: 6, numClasses: 2, seed: 8 },
  ddpm: { kind: 'ddpm', resolution: 16, width: 16, channelMultipliers: [1, 2], batchSize: N, numClasses: 2, samplingSteps: 4, timesteps: 50, seed: 9 },
  // Label dropout as the studio trains class-conditional DDPMs (models/runConfig.ts uses 0.1); 0.3 with
  // this seed drops 6 of the 12 labels over the three steps (some dropped, some kept: checked below).
  'cddpm-dropout': { kind: 'ddpm', resolution: 16, width: 16, channelMultipliers: [1, 2], batchSize: N, numClasses: 3, samplingSteps: 4, timesteps: 50, labelDropout: 0.3, seed: 12 },
};

/** Classifier-free guidance scale of the generate check, for models trained with label dropout. */
const GUIDANCE = 1.5;

/** models/ddpm.ts dropLabels' mask at `step`: 1 keeps an image's class, 0 drops it to the null class. */
function labelKeep(config: ModelConfig, step: number): Float32Array | null {
  if (config.kind !== 'ddpm' || config.numClasses === 0 || !((config.labelDropout ?? 0) > 0)) return null;
  const rng = new Random(stepSeed(config.seed, step, SeedPurpose.labelDropout));
  return Float32Array.from({ length: N }, () => (rng.next() < config.labelDropout! ? 0 : 1));
}

interface Computed {
  metrics: number[][];
  /** The label-dropout masks fed to both sides, per step (dropout cases only). */
  masks: Float32Array[];
  outputs: Record<string, Float32Array>;
  trained: Map<string, Float32Array>;
}

const arrays: Record<string, NpyWritable> = {};
const cases: { name: string; config: ModelConfig; steps: number; forward: Record<string, unknown> }[] = [];
const computed: Record<string, Computed> = {};
let python: { skipped?: string; metrics?: Record<string, number[][]> } = {};
let pythonArrays = new Map<string, { data: unknown }>();
let dir = '';

function put(key: string, t: tf.Tensor): void {
  arrays[key] = { data: Float32Array.from(t.dataSync()), shape: [...t.shape] };
}

/** Non-trivial weights: zero-initialised kernels (the DDPM's output convs) get He noise, vectors a shift. */
function perturb(state: ModelState, seed: number): ModelState {
  const rng = new Random(seed);
  const tensors = state.tensors.map((t) => {
    if (t.name.startsWith('adam')) return t;
    const data = Float32Array.from(t.data);
    const allZero = data.every((v) => v === 0);
    const fanIn = t.shape.slice(0, -1).reduce((a, b) => a * b, 1);
    for (let i = 0; i < data.length; i++) {
      if (t.name.endsWith('/var')) data[i] = 0.5 + rng.next();
      else if (t.shape.length === 1) data[i] += 0.1 * rng.normal();
      else if (allZero) data[i] = rng.normal() / Math.sqrt(fanIn);
    }
    return { ...t, data };
  });
  return { ...state, tensors };
}

/** The random tensors the model draws at `step` (its own seeds), under the names the mirror uses. */
function drawsAt(model: GenerativeModel, step: number): Record<string, tf.Tensor> {
  const c = model.config;
  const seed = (purpose: number) => stepSeed(c.seed, step, purpose);
  const latent = (purpose: number) => tf.randomNormal([N, c.latentDim], 0, 1, 'float32', seed(purpose));
  switch (c.kind) {
    case 'dcgan':
      return { latent: latent(SeedPurpose.latent) };
    case 'wgan-gp':
    case 'pggan':
      return {
        latent: latent(SeedPurpose.latent),
        generatorLatent: latent(SeedPurpose.generatorLatent),
        interpolation: tf.randomUniform([N, 1, 1, 1], 0, 1, 'float32', seed(SeedPurpose.interpolation)),
      };
    case 'vae':
      return { reparameterisation: latent(SeedPurpose.reparameterisation) };
    case 'ddpm': {
      const rng = new Random(seed(SeedPurpose.diffusionTimestep));
      const t = Array.from({ length: N }, () => rng.int(c.timesteps));
      const keep = labelKeep(c, step);
      return {
        timesteps: tf.tensor1d(t),
        noise: tf.randomNormal([N, c.resolution, c.resolution, c.channels], 0, 1, 'float32', seed(SeedPurpose.diffusionNoise)),
        ...(keep ? { labelKeep: tf.tensor1d(keep) } : {}),
      };
    }
  }
}

function labelsFor(config: ModelConfig, offset: number): tf.Tensor1D | null {
  return config.numClasses > 0 ? tf.tensor1d(Array.from({ length: N }, (_, i) => (i + offset) % config.numClasses), 'int32') : null;
}

/** Trains the tfjs model STEPS steps and computes its forward outputs; records inputs for Python. */
async function runTfjs(name: string, input: ModelConfigInput): Promise<void> {
  const model = createModel(input);
  const config = model.config as ModelConfig;
  const state0 = perturb(await model.exportState(), 100 + config.seed);
  model.importState(state0);
  for (const t of state0.tensors) if (!t.name.startsWith('adam')) arrays[`${name}/w0/${t.name}`] = { data: t.data, shape: t.shape };
  const metrics: number[][] = [];
  const masks: Float32Array[] = [];
  for (let step = 0; step < STEPS; step++) {
    const keep = labelKeep(config, step);
    if (keep) masks.push(keep);
    tf.tidy(() => {
      const real = tf.randomUniform([N, config.resolution, config.resolution, config.channels], -1, 1, 'float32', 1000 + step) as tf.Tensor4D;
      const labels = labelsFor(config, step);
      put(`${name}/real/${step}`, real);
      put(`${name}/labels/${step}`, labels ?? tf.zeros([N]));
      for (const [key, value] of Object.entries(drawsAt(model, step))) put(`${name}/draw/${step}/${key}`, value);
      const result = model.trainStep(real, labels);
      metrics.push(Array.from(result.metrics.dataSync()));
      result.metrics.dispose();
    });
  }
  const state = await model.exportState();
  for (const t of state.tensors) if (!t.name.startsWith('adam')) arrays[`${name}/w/${t.name}`] = { data: t.data, shape: t.shape };
  const trained = new Map(state.tensors.map((t) => [t.name, t.data]));

  const outputs: Record<string, Float32Array> = {};
  const forward: Record<string, unknown> = {};
  tf.tidy(() => {
    const labels = labelsFor(config, 1);
    const y = labels ? oneHot(labels, config.numClasses) : null;
    put(`${name}/fwd/labels`, labels ?? tf.zeros([N]));
    // A DDPM's generate is checked on a plain standard-normal draw, on which DDIM's first pass
    // clips x̂_0 almost everywhere. Its own sampleLatent removes each image's mean (models/ddpm.ts,
    // centredNoise); from that noise the first pass leaves more pixels unclipped, and there it
    // multiplies the float32 rounding of ε̂ (~2e-6, the noise row) by 1/√ᾱ_{T−1} ≈ 1000 (T = 50), so
    // the two engines' images differ by a few 1e-4 while every pass computes the same thing:
    // `generateCentred` is held to that bound, 2e-3, beside the 1e-4 of everything else.
    const isDdpm = config.kind === 'ddpm';
    const z = isDdpm ? tf.randomNormal([N, model.config.latentDim], 0, 1, 'float32', tfSeed(42)) as tf.Tensor2D : model.sampleLatent(N, 42);
    put(`${name}/fwd/z`, z);
    const ema = 'emaDecay' in config && config.emaDecay !== null;
    forward.z = true;
    forward.ema = ema;
    const guidance = labelKeep(config, 0) ? GUIDANCE : 0;
    forward.guidance = guidance;
    outputs.generate = model.generate(z, labels, { ema, ...(guidance ? { guidance } : {}) }).dataSync() as Float32Array;
    if (isDdpm) {
      const centred = model.sampleLatent(N, 42);
      put(`${name}/fwd/zCentred`, centred);
      forward.zCentred = true;
      outputs.generateCentred = model.generate(centred, labels, { ema, ...(guidance ? { guidance } : {}) }).dataSync() as Float32Array;
    }
    const side = config.kind === 'pggan' ? (model as Progressive).phase.resolution : config.resolution;
    const x = tf.randomUniform([N, side, side, config.channels], -1, 1, 'float32', 77) as tf.Tensor4D;
    put(`${name}/fwd/x`, x);
    const w = rawWeights((model as unknown as { store: Parameters<typeof rawWeights>[0] }).store);
    if (config.kind === 'dcgan' || config.kind === 'wgan-gp') {
      const gan = model as unknown as ConvGan<typeof config>;
      const dWeights = gan.spectralNorm ? gan.spectralNorm.current(w) : w;
      outputs.critic = gan.discriminator.forward(x, y, dWeights).dataSync() as Float32Array;
    } else if (config.kind === 'pggan') {
      const pg = model as unknown as {
        discriminate(x: tf.Tensor4D, y: tf.Tensor2D | null, phase: Progressive['phase'], w: unknown): tf.Tensor1D;
        equalised(w: unknown): unknown;
        phase: Progressive['phase'];
      };
      outputs.critic = pg.discriminate(x, y, pg.phase, pg.equalised(w)).dataSync() as Float32Array;
    } else if (config.kind === 'vae') {
      outputs.reconstruct = (model as Vae).reconstruct(x, labels).dataSync() as Float32Array;
    } else {
      const t = [0, 7, 23, config.timesteps - 1];
      put(`${name}/fwd/t`, tf.tensor1d(t));
      const unet = (model as Ddpm).unet;
      outputs.noise = unet.forward(x, timestepFeatures(t, timeFeatureDim(config.width)), y, w).dataSync() as Float32Array;
    }
  });
  cases.push({ name, config, steps: STEPS, forward });
  computed[name] = { metrics, masks, outputs, trained };
  model.dispose();
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Figures printed for the report: worst absolute difference per output and per metric. */
const figures: Record<string, Record<string, number>> = {};

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const [name, input] of Object.entries(CASES)) await runTfjs(name, input);
  dir = mkdtempSync(join(tmpdir(), 'phantom-parity-'));
  writeFileSync(join(dir, 'job.json'), JSON.stringify({ cases }));
  writeFileSync(join(dir, 'in.npz'), writeNpz(arrays));
  const run = spawnSync(PYTHON, [CHECK, dir], { encoding: 'utf8' });
  if (run.error) {
    python = { skipped: `${PYTHON} could not run (${run.error.message})` };
    return;
  }
  if (run.status !== 0) throw new Error(`python/parity_check.py failed:\n${run.stderr}`);
  python = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
  if (!python.skipped) pythonArrays = readNpz(readFileSync(join(dir, 'out.npz')), 'out.npz') as never;
}, 600_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (Object.keys(figures).length) console.log(`PyTorch parity (max |tfjs − torch|):\n${JSON.stringify(figures, null, 1)}`);
});

describe.each(Object.keys(CASES))('PyTorch mirror of %s', (name) => {
  it('gives the same outputs for the same weights and inputs (within 1e-4; a DDPM from centred noise within 2e-3)', (context) => {
    if (python.skipped) return context.skip(`PyTorch parity skipped: ${python.skipped}`);
    const ours = computed[name].outputs;
    for (const [output, values] of Object.entries(ours)) {
      const theirs = pythonArrays.get(`${name}/out/${output}`);
      expect(theirs, `${name}: Python wrote no ${output}`).toBeDefined();
      const diff = maxAbsDiff(values, theirs!.data as Float32Array);
      (figures[name] ??= {})[output] = diff;
      expect(diff, `${name} ${output}`).toBeLessThan(output === 'generateCentred' ? 2e-3 : 1e-4);
    }
  });

  it('trains three steps to the same metrics and weights', (context) => {
    if (python.skipped) return context.skip(`PyTorch parity skipped: ${python.skipped}`);
    const ours = computed[name].metrics;
    const theirs = python.metrics![name];
    const names = createModel(CASES[name]).metricNames;
    for (let step = 0; step < STEPS; step++) {
      names.forEach((metric, i) => {
        const a = ours[step][i];
        const b = theirs[step][i] ?? NaN; // JSON writes NaN (WGAN-GP's gradNormG on critic-only steps) as NaN
        if (Number.isNaN(a)) return expect(Number.isNaN(b), `${name} step ${step} ${metric}`).toBe(true);
        const diff = Math.abs(a - b);
        figures[name].worstMetric = Math.max(figures[name].worstMetric ?? 0, diff);
        expect(diff, `${name} step ${step} ${metric}: tfjs ${a}, torch ${b}`).toBeLessThan(1e-4 + 1e-4 * Math.abs(a));
      });
    }
    let worstWeight = 0;
    for (const [key, value] of computed[name].trained) {
      if (key.startsWith('adam')) continue;
      const theirsWeight = pythonArrays.get(`${name}/trained/${key}`);
      expect(theirsWeight, `${name}: Python returned no ${key}`).toBeDefined();
      const d = maxAbsDiff(value, theirsWeight!.data as Float32Array);
      worstWeight = Math.max(worstWeight, d);
    }
    figures[name].weightsAfterTraining = worstWeight;
    expect(worstWeight).toBeLessThan(1e-4);
  });
});

describe('PyTorch mirror of the DDPM label dropout', () => {
  it('drops the same labels: the mirror draws the studio\'s label-dropout mask itself', (context) => {
    const name = 'cddpm-dropout';
    if (python.skipped) return context.skip(`PyTorch parity skipped: ${python.skipped}`);
    const masks = computed[name].masks;
    expect(masks).toHaveLength(STEPS);
    const all = masks.flatMap((m) => [...m]);
    // Some labels dropped and some kept, else this case would not test the dropout.
    expect(all.filter((v) => v === 0).length).toBeGreaterThan(0);
    expect(all.filter((v) => v === 1).length).toBeGreaterThan(0);
    masks.forEach((mask, step) => {
      const theirs = pythonArrays.get(`${name}/labelKeep/${step}`);
      expect(theirs, `${name}: Python wrote no label mask for step ${step}`).toBeDefined();
      expect([...(theirs!.data as Float32Array)], `step ${step}`).toEqual([...mask]);
    });
    (figures[name] ??= {}).labelsDropped = all.filter((v) => v === 0).length;
  });
});
