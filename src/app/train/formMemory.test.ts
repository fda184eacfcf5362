import { describe, expect, it } from 'vitest';
import { defaultRunChoices } from '../../../models/runConfig';
import { DEFAULT_RUN_NUMBERS, FORM_MEMORY_KEY, forgetFormMemory, loadFormMemory, saveFormMemory } from './formMemory';

function memoryStorage() {
  const map = new Map<string, string>();
  return { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), removeItem: (k: string) => void map.delete(k), map };
}

describe('the new-run form remembers its choices', () => {
  it('reads back what was saved (a reload keeps the model, its settings and the run numbers)', () => {
    const storage = memoryStorage();
    const choices = { ...defaultRunChoices('dcgan'), conditional: true, batchSize: 16, learningRate: 0.0005 };
    const run = { ...DEFAULT_RUN_NUMBERS, totalSteps: 400, samplesPerClass: 4 };
    saveFormMemory(storage, { datasetId: 'ds-1', choices, run });
    expect(loadFormMemory(storage)).toEqual({ datasetId: 'ds-1', choices, run });
  });

  it('gives the defaults with nothing stored, and after forgetting', () => {
    const storage = memoryStorage();
    expect(loadFormMemory(storage)).toEqual({ datasetId: null, choices: defaultRunChoices('wgan-gp'), run: DEFAULT_RUN_NUMBERS });
    saveFormMemory(storage, { datasetId: 'x', choices: defaultRunChoices('vae'), run: DEFAULT_RUN_NUMBERS });
    forgetFormMemory(storage);
    expect(loadFormMemory(storage).choices.kind).toBe('wgan-gp');
  });

  it('drops what does not fit the types: an unknown kind, a wrong type, an out-of-bounds number, broken JSON', () => {
    const storage = memoryStorage();
    storage.setItem(FORM_MEMORY_KEY, JSON.stringify({ datasetId: 7, choices: { kind: 'stylegan', batchSize: 'big' }, run: { totalSteps: -5, seed: 3 } }));
    expect(loadFormMemory(storage)).toEqual({ datasetId: null, choices: defaultRunChoices('wgan-gp'), run: { ...DEFAULT_RUN_NUMBERS, seed: 3 } });
    storage.setItem(FORM_MEMORY_KEY, JSON.stringify({ choices: { kind: 'vae', batchSize: 'big', ema: 1, latentDim: 64 } }));
    expect(loadFormMemory(storage).choices).toEqual({ ...defaultRunChoices('vae'), latentDim: 64 });
    storage.setItem(FORM_MEMORY_KEY, '{not json');
    expect(loadFormMemory(storage).run).toEqual(DEFAULT_RUN_NUMBERS);
  });
});
