/** A KeyValueStore in memory, for the command-line tools, which run the app's code in Node. */
import type { KeyValueStore } from './keyValueStore';

export function openMemoryStore(): KeyValueStore {
  const map = new Map<string, unknown>();
  return {
    get: async <T>(key: string) => map.get(key) as T | undefined,
    getMany: async <T>(keys: string[]) => keys.map((k) => map.get(k) as T | undefined),
    setMany: async (entries) => {
      for (const [k, v] of entries) map.set(k, v);
    },
    delMany: async (keys) => {
      for (const k of keys) map.delete(k);
    },
    keys: async () => [...map.keys()],
    // Sorted like IndexedDB's key order (UTF-16 code units, which is what < compares).
    keysWithPrefix: async (prefix) => [...map.keys()].filter((k) => k.startsWith(prefix)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    clear: async () => map.clear(),
  };
}
