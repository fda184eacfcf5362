/** User settings and small cached facts (such as the backend probe), one versioned record under `settings`. */
import type { KeyValueStore } from '../storage/keyValueStore';
import { recordCollection, UnreadableRecordError } from '../storage/recordCollection';
import { storageKeys } from '../storage/schema';
import type { BackendChoice, BackendProbeResult } from './backendTypes';

export interface Settings {
  /** 'auto' lets the studio choose; anything else is the user's override. */
  backend: BackendChoice;
  /** Cached outcome of the timed backend probe, keyed by the adapter it ran on. */
  probe: BackendProbeResult | null;
}

export const DEFAULT_SETTINGS: Settings = { backend: 'auto', probe: null };
const settings = recordCollection<Partial<Settings>>('settings');

/**
 * The saved settings over the defaults. A record this version cannot read (from a newer studio,
 * say) reads as the defaults, so the studio still starts; it stays stored until the user changes
 * a setting here, which writes a record this version understands.
 */
export async function loadSettings(store: KeyValueStore): Promise<Settings> {
  const saved = await settings.get(store, storageKeys.settings()).catch((error: unknown) => {
    if (error instanceof UnreadableRecordError) return undefined;
    throw error;
  });
  return { ...DEFAULT_SETTINGS, ...(saved ?? {}) };
}

export async function updateSettings(store: KeyValueStore, patch: Partial<Settings>): Promise<Settings> {
  const next = { ...(await loadSettings(store)), ...patch };
  await settings.put(store, storageKeys.settings(), next);
  return next;
}
