/** Public entry point of `models/`: the factory plus the types and helpers callers need. */
import { resolveConfig } from './config';
import { Dcgan } from './dcgan';
import { Ddpm } from './ddpm';
import { Progressive } from './progressive';
import { Vae } from './vae';
import { WganGp } from './wgangp';
import type { GenerativeModel, ModelConfigInput } from './types';

export type * from './types';
export { ConfigError, DEFAULT_CONFIGS, FULL_DIFF_AUGMENT, resolveConfig, samplesFromEma, validateConfig } from './config';
export { buildRunConfig, configForDataset, defaultRunChoices, EMA_DECAY, RUN_CHOICE_KINDS, type DatasetFacts, type RunChoiceKey, type RunChoices } from './runConfig';
export { bytesToModelSpace, downloadBytes, imagesFromBytes, modelSpaceToBytes } from './core/pixels';
export { readMetrics } from './core/base';
export { progressiveSchedule } from './progressive';
export { alphaBars, ddimTimesteps } from './ddpm';

/** Builds a model from a (partial) config; defaults fill the rest and the result is validated. */
export function createModel(input: ModelConfigInput): GenerativeModel {
  const config = resolveConfig(input);
  switch (config.kind) {
    case 'dcgan':
      return new Dcgan(config);
    case 'wgan-gp':
      return new WganGp(config);
    case 'pggan':
      return new Progressive(config);
    case 'vae':
      return new Vae(config);
    case 'ddpm':
      return new Ddpm(config);
  }
}
