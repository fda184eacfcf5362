/**
 * The built-in pretrained models: small models this project trained on its own phantom generator's
 * images (npm run build-pretrained) and ships as run files under public/pretrained/, listed in
 * index.json and precached by the service worker, so a class can generate at once and offline.
 *
 * Installing one imports its run file into the store under a fixed id (installing again is a no-op)
 * and marks the run built-in: it generates, evaluates and exports like any run, but the runs domain
 * refuses to delete, rename or continue it (RunRecord.builtIn).
 */
import type { ModelKind } from '../../models/types';
import type { KeyValueStore } from '../storage/keyValueStore';
import { sha256 } from '../training/checkpointCodec';
import { loadRun } from '../training/runStore';
import type { BuiltInInfo, RunRecord } from '../training/runTypes';
import { importRunFile } from './importRunFile';
import { RunFileError } from './runFileFormat';

export const BUILT_IN_FORMAT = 'phantom-studio/built-in-models';
export const BUILT_IN_VERSION = 1;

/** One entry of public/pretrained/index.json. */
export interface BuiltInModel {
  id: string;
  /** The run file's name beside index.json. */
  file: string;
  title: string;
  kind: ModelKind;
  resolution: number;
  steps: number;
  /** What it was trained on, in words. */
  trainedOn: string;
  trainingSeconds: number;
  backend: string;
  /** The command that trained it (npm run build-pretrained runs it). */
  command: string;
  bytes: number;
  sha256: string;
  /**
   * The trainer's mode-collapse rating of its last sample grid (mean pairwise SSIM of the fixed-noise
   * grid against as many real images; training/collapse.ts), so the list says when a model repeats itself.
   */
  diversity?: { fakeSsim: number; realSsim: number; collapsed: boolean };
}

export interface BuiltInManifest {
  format: typeof BUILT_IN_FORMAT;
  version: typeof BUILT_IN_VERSION;
  models: BuiltInModel[];
}

/** The run id a built-in model is stored under: fixed, so it is installed once. */
export const builtInRunId = (id: string) => `run-builtin-${id}`;

/** Checks index.json's shape; `where` names it in the error. */
export function parseBuiltInManifest(json: unknown, where: string): BuiltInManifest {
  const fail = (reason: string): never => {
    throw new Error(`${where}: ${reason}`);
  };
  const m = json as Partial<BuiltInManifest> | null;
  if (!m || m.format !== BUILT_IN_FORMAT) fail(`not a list of built-in models (format ${JSON.stringify(m?.format)})`);
  if (m!.version !== BUILT_IN_VERSION) fail(`version ${JSON.stringify(m!.version)} is not one this studio reads (${BUILT_IN_VERSION})`);
  if (!Array.isArray(m!.models)) fail('lists no models');
  for (const [i, e] of m!.models!.entries()) {
    const ok =
      typeof e?.id === 'string' && /^[a-z0-9-]+$/.test(e.id) && typeof e.file === 'string' && /^[A-Za-z0-9.-]+\.phantomrun$/.test(e.file) &&
      typeof e.title === 'string' && Number.isInteger(e.steps) && Number.isInteger(e.bytes) && typeof e.sha256 === 'string' && /^[0-9a-f]{64}$/.test(e.sha256);
    if (!ok) fail(`model ${i + 1} is malformed`);
  }
  return m as BuiltInManifest;
}

export function builtInInfo(entry: BuiltInModel): BuiltInInfo {
  return { id: entry.id, title: entry.title, trainedOn: entry.trainedOn, steps: entry.steps, trainingSeconds: entry.trainingSeconds, command: entry.command };
}

/**
 * Stores a built-in model from its run file's bytes, or returns the stored one when it is already
 * installed at the same step. The bytes must hash to the index's SHA-256.
 */
export async function installBuiltInModel(store: KeyValueStore, bytes: Uint8Array, entry: BuiltInModel): Promise<RunRecord> {
  const id = builtInRunId(entry.id);
  try {
    const stored = await loadRun(store, id);
    if (stored.step === entry.steps && stored.builtIn?.id === entry.id) return stored;
  } catch {
    // Not installed yet.
  }
  const hash = await sha256(bytes);
  if (hash !== entry.sha256) throw new RunFileError(entry.file, null, `damaged: it hashes to ${hash.slice(0, 12)}…, the list of built-in models says ${entry.sha256.slice(0, 12)}…`);
  await importRunFile(store, bytes, entry.file, 'new', { runId: id, builtIn: builtInInfo(entry) });
  return loadRun(store, id);
}
