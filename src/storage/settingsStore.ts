/** User settings and small cached facts (such as the backend probe), one record under `settings`. */
import type { KeyValueStore } from './keyValueStore';
import type { BackendChoice, BackendProbeResult } from '../compute/backendTypes';

export interface Settings {
  /** 'auto' lets the studio choose; anything else is the user's override. */
  backend: BackendChoice;
  /** Cached outcome of the timed backend probe, keyed by the adapter it ran on. */
  probe: BackendProbeResult | null;
}

export const DEFAULT_SETTINGS: Settings = { backend: 'auto', probe: null };
const SETTINGS_KEY = 'settings';

export async function loadSettings(store: KeyValueStore): Promise<Settings> {
  const saved = await store.get<Partial<Settings>>(SETTINGS_KEY);
  return { ...DEFAULT_SETTINGS, ...(saved ?? {}) };
}

export async function updateSettings(store: KeyValueStore, patch: Partial<Settings>): Promise<Settings> {
  const next = { ...(await loadSettings(store)), ...patch };
  await store.setMany([[SETTINGS_KEY, next]]);
  return next;
}
