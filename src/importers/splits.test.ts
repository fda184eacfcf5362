import { describe, expect, it } from 'vitest';
import { assignSplits, type SplitItem } from './splits';

describe('assignSplits', () => {
  const items: SplitItem[] = Array.from({ length: 1000 }, (_, i) => ({ label: i % 4 === 0 ? 1 : 0, group: Math.floor(i / 5) }));

  it('never lets a patient group span two splits', () => {
    const splits = assignSplits(items, { seed: 7 });
    const byGroup = new Map<number, Set<string>>();
    items.forEach((item, i) => byGroup.set(item.group!, (byGroup.get(item.group!) ?? new Set()).add(splits[i])));
    for (const set of byGroup.values()) expect(set.size).toBe(1);
  });

  it('is stratified ~80/10/10 per class and deterministic for a seed', () => {
    const flat = items.map(({ label }) => ({ label }));
    const a = assignSplits(flat, { seed: 1 });
    expect(assignSplits(flat, { seed: 1 })).toEqual(a);
    expect(assignSplits(flat, { seed: 2 })).not.toEqual(a);
    for (const label of [0, 1]) {
      const idx = flat.map((f, i) => (f.label === label ? i : -1)).filter((i) => i >= 0);
      const count = (s: string) => idx.filter((i) => a[i] === s).length / idx.length;
      expect(count('train')).toBeCloseTo(0.8, 2);
      expect(count('val')).toBeCloseTo(0.1, 2);
      expect(count('test')).toBeCloseTo(0.1, 2);
    }
  });

  it('keeps splits fixed by the source', () => {
    expect(assignSplits([{ label: 0, split: 'test' }, { label: 0, split: 'val' }], { seed: 0 })).toEqual(['test', 'val']);
  });
});
