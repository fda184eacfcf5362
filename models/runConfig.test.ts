import { describe, expect, it } from 'vitest';
import { FULL_DIFF_AUGMENT } from './config';
import { buildRunConfig, configForDataset, defaultRunChoices, EMA_DECAY, RUN_CHOICE_KINDS, type DatasetFacts, type RunChoiceKey, type RunChoices } from './runConfig';
import type { ModelKind } from './types';

const KINDS: ModelKind[] = ['dcgan', 'wgan-gp', 'pggan', 'vae', 'ddpm'];
const headCt: DatasetFacts = { name: 'Head CT', width: 64, height: 64, channels: 1, classNames: ['normal', 'bleed', 'tumour'] };

describe('buildRunConfig', () => {
  it.each(KINDS)('builds a valid %s config on the dataset’s side, channels and classes', (kind) => {
    const config = buildRunConfig(defaultRunChoices(kind), headCt);
    expect(config).toMatchObject({ kind, resolution: 64, channels: 1 });
    // Conditioning is on by default wherever it is offered; the count is the dataset's.
    expect(config.numClasses).toBe(kind === 'vae' ? 0 : 3);
  });

  it.each(KINDS)('%s: unconditional leaves numClasses 0', (kind) => {
    expect(buildRunConfig({ ...defaultRunChoices(kind), conditional: false }, headCt).numClasses).toBe(0);
  });

  it('maps the flat choices into the nested config', () => {
    const choices: RunChoices = { ...defaultRunChoices('wgan-gp'), learningRate: 3e-4, beta1: 0, beta2: 0.99, nCritic: 2, gpWeight: 5, diffAugment: true, ema: true, spectralNorm: true, batchSize: 8, seed: 42 };
    expect(buildRunConfig(choices, headCt)).toMatchObject({
      adam: { learningRate: 3e-4, beta1: 0, beta2: 0.99, epsilon: 1e-8 },
      nCritic: 2,
      gpWeight: 5,
      diffAugment: FULL_DIFF_AUGMENT,
      emaDecay: EMA_DECAY,
      spectralNorm: true,
      batchSize: 8,
      seed: 42,
    });
    expect(buildRunConfig({ ...choices, diffAugment: false, ema: false }, headCt)).toMatchObject({ diffAugment: null, emaDecay: null });
  });

  it('derives the DDPM latent from the image (resolution² · channels), never from the choice', () => {
    const config = buildRunConfig({ ...defaultRunChoices('ddpm'), latentDim: 7 }, { ...headCt, width: 32, height: 32, channels: 3 });
    expect(config.latentDim).toBe(32 * 32 * 3);
  });

  // RUN_CHOICE_KINDS is what the form shows; the builder must read exactly those choices per kind.
  it.each(KINDS)('%s reads exactly the choices RUN_CHOICE_KINDS lists for it', (kind) => {
    const base = defaultRunChoices(kind);
    const changed: Record<RunChoiceKey, RunChoices[RunChoiceKey]> = {
      conditional: !base.conditional,
      diffAugment: !base.diffAugment,
      ema: !base.ema,
      spectralNorm: !base.spectralNorm,
      batchSize: 6,
      latentDim: 12,
      width: 6,
      learningRate: 5e-4,
      beta1: 0.3,
      beta2: 0.95,
      labelSmoothing: 0.2,
      r1Gamma: 5,
      nCritic: 3,
      gpWeight: 4,
      fadeSteps: 11,
      stableSteps: 13,
      beta: 2,
      samplingSteps: 7,
      seed: 99,
    };
    const before = JSON.stringify(buildRunConfig(base, headCt));
    for (const key of Object.keys(changed) as RunChoiceKey[]) {
      const after = JSON.stringify(buildRunConfig({ ...base, [key]: changed[key] }, headCt));
      expect([key, after !== before]).toEqual([key, RUN_CHOICE_KINDS[key].includes(kind)]);
    }
  });
});

describe('what a dataset a model cannot take gives', () => {
  it('names the dataset and the reason for a side the convolution stack cannot build', () => {
    expect(() => buildRunConfig(defaultRunChoices('dcgan'), { ...headCt, width: 100, height: 100 })).toThrow(
      /^dcgan on "Head CT" \(100×100 px, 3 classes\): resolution 100 is not one the convolution stack can build; use 28, 32, 64, 128 or 256$/,
    );
    expect(() => buildRunConfig(defaultRunChoices('vae'), { ...headCt, width: 48, height: 48 })).toThrow(/vae on "Head CT".*resolution 48/);
  });

  it('rejects a PG-GAN on a side that is not a power of two, and a DDPM that cannot halve to 4 px', () => {
    expect(() => buildRunConfig(defaultRunChoices('pggan'), { ...headCt, width: 28, height: 28 })).toThrow(/pggan on "Head CT".*resolution must be startResolution·2\^k/);
    expect(() => buildRunConfig(defaultRunChoices('ddpm'), { ...headCt, width: 12, height: 12 })).toThrow(/ddpm on "Head CT".*halve 2 times to an integer side ≥ 4/);
  });

  it('rejects images that are not square', () => {
    expect(() => buildRunConfig(defaultRunChoices('wgan-gp'), { ...headCt, width: 64, height: 32 })).toThrow(/64×32 px.*square/);
  });

  it('rejects conditioning on a one-class dataset, and trains it unconditionally when asked', () => {
    const oneClass = { ...headCt, classNames: ['all'] };
    const said = '“Head CT” has one class; a conditional model needs at least two. Untick “Conditional on class” or import another class.';
    expect(() => buildRunConfig(defaultRunChoices('wgan-gp'), oneClass)).toThrow(said);
    expect(buildRunConfig({ ...defaultRunChoices('wgan-gp'), conditional: false }, oneClass).numClasses).toBe(0);
  });

  it('says the same in the user\'s terms where the run is created (the trainer asks with any numClasses > 0, even 1)', () => {
    const oneClass = { ...headCt, classNames: ['all'] };
    for (const numClasses of [1, 2]) {
      expect(() => configForDataset({ kind: 'dcgan', numClasses }, true, oneClass)).toThrow(/^“Head CT” has one class; a conditional model needs at least two\. Untick “Conditional on class”/);
      expect(() => configForDataset({ kind: 'dcgan', numClasses }, true, oneClass)).not.toThrow(/numClasses|config/);
    }
  });

  it('reports a bad choice with the same context', () => {
    expect(() => buildRunConfig({ ...defaultRunChoices('dcgan'), batchSize: 1 }, headCt)).toThrow(/^dcgan on "Head CT".*batchSize must be at least 2/);
  });
});

describe('configForDataset', () => {
  it('takes side, channels and class count from the dataset whatever the input says', () => {
    const config = configForDataset({ kind: 'vae', resolution: 128, channels: 3, numClasses: 7, width: 8 }, true, headCt);
    expect(config).toMatchObject({ resolution: 64, channels: 1, numClasses: 3, width: 8 });
    expect(configForDataset({ kind: 'vae', numClasses: 7 }, false, headCt).numClasses).toBe(0);
  });
});
