/**
 * The new-run form remembers its choices across reloads (in localStorage, this browser only). What
 * is read back is checked field by field against the typed `RunChoices` of models/runConfig.ts and
 * the run fields' bounds: a stored value of the wrong type, out of bounds or of an unknown model
 * kind falls back to the default, so an old or damaged entry never reaches the form.
 */
import { defaultRunChoices, type RunChoices } from '../../../models/runConfig';
import type { ModelKind } from '../../../models/types';
import { MODEL_KINDS, RUN_FIELDS, type RunNumbers } from './settingsSchema';

export const FORM_MEMORY_KEY = 'phantom-studio/new-run-form';

export const DEFAULT_RUN_NUMBERS: RunNumbers = { totalSteps: 2000, readbackEvery: 10, sampleEvery: 50, checkpointEvery: 200, keepCheckpoints: 3, samplesPerClass: 8, seed: 1 };
export const DEFAULT_KIND: ModelKind = 'wgan-gp';

export interface FormMemory {
  datasetId: string | null;
  choices: RunChoices;
  run: RunNumbers;
}

type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function saveFormMemory(storage: StorageLike | undefined, memory: FormMemory): void {
  try {
    storage?.setItem(FORM_MEMORY_KEY, JSON.stringify(memory));
  } catch {
    // Storage full or blocked (private mode): the form simply forgets.
  }
}

export function loadFormMemory(storage: StorageLike | undefined): FormMemory {
  let stored: unknown = null;
  try {
    stored = JSON.parse(storage?.getItem(FORM_MEMORY_KEY) ?? 'null');
  } catch {
    stored = null;
  }
  const s = (typeof stored === 'object' && stored !== null ? stored : {}) as Partial<Record<keyof FormMemory, unknown>>;
  const c = (typeof s.choices === 'object' && s.choices !== null ? s.choices : {}) as Record<string, unknown>;
  const kind = MODEL_KINDS.some((k) => k.kind === c.kind) ? (c.kind as ModelKind) : DEFAULT_KIND;
  const choices = defaultRunChoices(kind);
  for (const key of Object.keys(choices) as (keyof RunChoices)[]) {
    if (key === 'kind') continue;
    const value = c[key];
    if (typeof value === typeof choices[key] && (typeof value !== 'number' || Number.isFinite(value))) (choices as unknown as Record<string, unknown>)[key] = value;
  }
  const r = (typeof s.run === 'object' && s.run !== null ? s.run : {}) as Record<string, unknown>;
  const run = { ...DEFAULT_RUN_NUMBERS };
  for (const f of RUN_FIELDS) {
    const value = r[f.key];
    if (typeof value === 'number' && Number.isInteger(value) && value >= f.min && value <= f.max) run[f.key] = value;
  }
  return { datasetId: typeof s.datasetId === 'string' ? s.datasetId : null, choices, run };
}

export function forgetFormMemory(storage: StorageLike | undefined): void {
  try {
    storage?.removeItem(FORM_MEMORY_KEY);
  } catch {
    // nothing stored
  }
}
