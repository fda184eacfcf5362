/**
 * What the studio keeps in this browser's localStorage (small UI memories: the new-run form's
 * choices, whether the first-run guide was seen). Every key starts with `phantom-studio/`, so
 * "Delete all my data" can forget them all, including keys added later, and a wiped studio looks
 * like a first visit.
 */
export const BROWSER_KEY_PREFIX = 'phantom-studio/';

type StorageLike = Pick<Storage, 'length' | 'key' | 'removeItem'>;

/** Removes every `phantom-studio/` key; returns the keys removed. Storage that throws (private mode) forgets nothing and breaks nothing. */
export function forgetStudioKeys(storage: StorageLike | undefined = globalThis.localStorage): string[] {
  const keys: string[] = [];
  try {
    if (!storage) return keys;
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (key?.startsWith(BROWSER_KEY_PREFIX)) keys.push(key);
    }
    for (const key of keys) storage.removeItem(key);
  } catch {
    return [];
  }
  return keys;
}
