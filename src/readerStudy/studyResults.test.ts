import { describe, expect, it } from 'vitest';
import type { KeyEntry } from './studyDesign';
import { resultsCsv, studyResults, type ReaderRecord } from './studyResults';

// 10 images: ids a0..a9, even = synthetic. Readers answer two-choice only.
const ids = Array.from({ length: 10 }, (_, i) => `a${i}`);
const key: Record<string, KeyEntry> = Object.fromEntries(ids.map((id, i) => [id, { synthetic: i % 2 === 0, classIndex: i < 5 ? 0 : 1, sourceIndex: i }]));
const reader = (name: string, calls: string, experience = ''): ReaderRecord => ({
  name,
  experience,
  answers: ids.map((id, i) => ({ id, saidSynthetic: calls[i] === 'S', confidenceReal: null, ms: 500 })),
});

describe('study results', () => {
  it("two readers: Cohen's κ of their calls (hand-worked: po 0.8, pe 0.5 → 0.6)", () => {
    // A: SRSRSRSRSR (all right). B differs on images 0 and 1: RSSRSRSRSR.
    const r = studyResults([reader('A', 'SRSRSRSRSR'), reader('B', 'RSSRSRSRSR')], key, ids, ['lung', 'liver']);
    expect(r.agreement?.method).toBe('cohen');
    // po = 8/10; A says S 5/10, B says S 5/10 → pe = 0.5; κ = (0.8 − 0.5)/0.5 = 0.6.
    expect(r.agreement?.kappa).toBeCloseTo(0.6, 12);
    expect(r.readers[0].summary.accuracy).toBe(1);
    expect(r.readers[1].summary.accuracy).toBeCloseTo(0.8, 12);
    expect(r.pooled.correct).toBe(18);
    expect(r.syntheticTakenForReal).toEqual([{ id: 'a0', count: 1 }]);
    expect(r.realTakenForSynthetic).toEqual([{ id: 'a1', count: 1 }]);
    expect(r.perClass.map((c) => [c.className, c.summary.correct])).toEqual([['lung', 8], ['liver', 10]]);
  });
  it("three readers: Fleiss' κ (hand-worked from the 2-category table)", () => {
    // Rows (S count of 3): image0: A S, B R, C S → 2; others unanimous.
    const r = studyResults([reader('A', 'SRSRSRSRSR', 'radiologist'), reader('B', 'RRSRSRSRSR', 'student'), reader('C', 'SRSRSRSRSR', 'radiologist')], key, ids, []);
    expect(r.agreement?.method).toBe('fleiss');
    // P_i: image0 (2,1) → (2+0)/6 = 1/3; nine unanimous → 1. P̄ = (1/3 + 9)/10 = 0.9333…
    // p_S = (2 + 12)/30 = 14/30, p_R = 16/30; Pe = (196 + 256)/900 = 452/900.
    const pBar = (1 / 3 + 9) / 10;
    const pe = 452 / 900;
    expect(r.agreement?.kappa).toBeCloseTo((pBar - pe) / (1 - pe), 12);
    expect(r.byExperience.map((e) => [e.experience, e.summary.correct])).toEqual([['radiologist', 20], ['student', 9]]);
  });
  it('CSV: one row per reader and image with the truth beside the answer', () => {
    const csv = resultsCsv([reader('Ann, MD', 'SRSRSRSRSR')], key, ['lung', 'liver']);
    const lines = csv.trim().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[1]).toBe('"Ann, MD",,a0,lung,synthetic,synthetic,,true,500');
  });
});
