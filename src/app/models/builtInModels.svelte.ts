/**
 * The built-in pretrained models as the UI sees them: the list shipped in public/pretrained/index.json
 * (precached by the service worker, so it reads offline) and which of them are installed. Installing
 * fetches the run file (from the precache when offline) and hands it to the worker, which checks it and
 * stores it as a read-only run (src/runfiles/builtInModels.ts).
 */
import { parseBuiltInManifest, builtInRunId, type BuiltInModel } from '../../runfiles/builtInModels';
import { errorMessage } from '../../core/errorMessage';
import { compute } from '../computeClient';
import { loadRuns, runs } from '../train/runsState.svelte';

const BASE = `${import.meta.env.BASE_URL}pretrained/`;

export const builtIns = $state({
  list: [] as BuiltInModel[],
  loaded: false,
  /** Why the list could not be read (a build without it, a failed fetch), or null. */
  error: null as string | null,
  /** The model being installed now. */
  installing: null as string | null,
});

let loading: Promise<void> | null = null;

export function loadBuiltInModels(): Promise<void> {
  loading ??= (async () => {
    try {
      const response = await fetch(`${BASE}index.json`);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      builtIns.list = parseBuiltInManifest(await response.json(), 'pretrained/index.json').models;
      builtIns.error = null;
    } catch (error) {
      builtIns.error = `The built-in models could not be listed (pretrained/index.json: ${errorMessage(error)})`;
      loading = null;
    } finally {
      builtIns.loaded = true;
    }
  })();
  return loading;
}

export const isInstalled = (entry: BuiltInModel) => runs.list.some((r) => r.id === builtInRunId(entry.id) && r.step === entry.steps);

/** Installs a built-in model (once) and returns its run id; the run list is reloaded. */
export async function installBuiltIn(entry: BuiltInModel): Promise<string> {
  if (isInstalled(entry)) return builtInRunId(entry.id);
  builtIns.installing = entry.id;
  try {
    const response = await fetch(`${BASE}${entry.file}`);
    if (!response.ok) throw new Error(`${entry.file}: HTTP ${response.status} (the built-in model could not be read)`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    // A plain copy: the list's entries are reactive proxies, which postMessage cannot clone.
    const record = await compute().runFiles.installBuiltIn(bytes, $state.snapshot(entry));
    await loadRuns();
    return record.id;
  } finally {
    builtIns.installing = null;
  }
}

/** "3000 steps · 42 s on wasm · 0.4 MB" */
export function describeBuiltIn(entry: BuiltInModel): string {
  const minutes = entry.trainingSeconds >= 120 ? `${Math.round(entry.trainingSeconds / 60)} min` : `${entry.trainingSeconds} s`;
  const collapse = entry.diversity?.collapsed
    ? ` · its samples repeat one shape (mode collapse: grid similarity ${entry.diversity.fakeSsim.toFixed(2)} against ${entry.diversity.realSsim.toFixed(2)} for real images); it shows the failure, not good variety`
    : '';
  return `${entry.steps} steps · trained ${minutes} on ${entry.backend} · ${(entry.bytes / 1e6).toFixed(1)} MB${collapse}`;
}
