import { describe, expect, it } from 'vitest';
import { forgetStudioKeys } from './browserMemory';
import { guideSeen, markGuideSeen } from './help/help.svelte';
import { FORM_MEMORY_KEY, loadFormMemory, saveFormMemory } from './train/formMemory';

/** A Storage over a Map, with the key(i)/length walk the real one has. */
function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() { return map.size; },
    key: (i: number) => [...map.keys()][i] ?? null,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, String(v)),
    removeItem: (k: string) => void map.delete(k),
    clear: () => map.clear(),
  };
}

describe('forgetting the studio\'s browser memories ("Delete all my data")', () => {
  it('forgets that the guide was seen and the new-run form, and leaves other sites\' keys alone', () => {
    const storage = memoryStorage();
    markGuideSeen(storage);
    const remembered = loadFormMemory(storage);
    saveFormMemory(storage, { ...remembered, datasetId: 'ds-1' });
    storage.setItem('someone-else', 'keep');
    expect(guideSeen(storage)).toBe(true);
    expect(forgetStudioKeys(storage).sort()).toEqual([FORM_MEMORY_KEY, 'phantom-studio/guide-seen'].sort());
    expect(guideSeen(storage)).toBe(false);
    expect(loadFormMemory(storage).datasetId).toBeNull();
    expect(storage.getItem('someone-else')).toBe('keep');
  });

  it('survives a browser whose storage throws', () => {
    const broken = { get length(): number { throw new Error('denied'); }, key: () => null, removeItem: () => undefined };
    expect(forgetStudioKeys(broken)).toEqual([]);
    expect(forgetStudioKeys(undefined)).toEqual([]);
  });
});
