import { describe, expect, it } from 'vitest';
import { GLOSSARY } from './glossary';
import { guideSeen, markGuideSeen } from './help.svelte';

describe('glossary of every figure', () => {
  it('explains each figure the studio shows, with what good looks like', () => {
    const terms = GLOSSARY.map((e) => e.term).join(' | ');
    for (const figure of ['FRD', 'FID', 'KID', 'Precision', 'Recall', 'Density', 'Coverage', 'SSIM', 'PSNR', 'MS-SSIM', 'MSE', 'Memorisation audit', 'Likely copies', 'Mode collapse', 'Floor', 'Near-duplicates']) {
      expect(terms, figure).toContain(figure);
    }
    expect(new Set(GLOSSARY.map((e) => e.id)).size).toBe(GLOSSARY.length);
    for (const e of GLOSSARY) {
      expect(e.meaning.length, e.id).toBeGreaterThan(60);
      expect(e.good.length, e.id).toBeGreaterThan(15);
    }
  });

  it('remembers that the first-run guide was seen, and survives a browser without storage', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    expect(guideSeen(storage)).toBe(false);
    markGuideSeen(storage);
    expect(guideSeen(storage)).toBe(true);
    const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
    expect(guideSeen(broken)).toBe(false);
    expect(() => markGuideSeen(broken)).not.toThrow();
  });
});
