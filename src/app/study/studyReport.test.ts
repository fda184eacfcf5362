import { describe, expect, it } from 'vitest';
import { studyResults, type ReaderRecord } from '../../readerStudy/studyResults';
import type { KeyEntry } from '../../readerStudy/studyDesign';
import type { StudyResultsView, StudySummary } from '../../readerStudy/studyTypes';
import { pairRefusal, realRefusal, syntheticRefusal } from '../../readerStudy/studyGuards';
import { studyReportHtml } from './studyReport';
import { agreementText, readerRows } from './resultRows';

// 4 images: s0, s1 synthetic; r0, r1 real.
const ids = ['s0', 'r0', 's1', 'r1'];
const key: Record<string, KeyEntry> = Object.fromEntries(ids.map((id, i) => [id, { synthetic: id.startsWith('s'), classIndex: i % 2, sourceIndex: i }]));
const reader = (name: string, experience: string, calls: string, ratings: number[]): ReaderRecord => ({
  name,
  experience,
  answers: ids.map((id, i) => ({ id, saidSynthetic: calls[i] === 'S', confidenceReal: ratings[i], ms: 100 })),
});

const study: StudySummary = {
  id: 'study-1', title: 'Chest <b>&</b> co', createdAt: 0,
  config: { title: 'Chest <b>&</b> co', imageCount: 4, syntheticFraction: 0.5, balancePerClass: true, seed: 9, question: { twoChoice: true, confidence: true }, timeLimitSeconds: 8, trainingCount: 0 },
  width: 2, height: 2, classNames: ['normal', 'nodule'], testCount: 4, trainingCount: 0, realCount: 2, syntheticCount: 2,
  realDataset: { id: 'r', name: 'Real set' }, syntheticDataset: { id: 's', name: 'Synth set' }, runId: 'run-1', readers: [],
};

function view(): StudyResultsView {
  // Ann: all right, ratings separate perfectly. Bob: takes s1 for real and r1 for synthetic.
  const readers = [reader('Ann', 'radiologist', 'SRSR', [1, 5, 2, 4]), reader('Bob', '', 'SRRS', [2, 4, 4, 2])];
  const results = studyResults(readers, key, ids, study.classNames);
  const px = (v: number) => Uint8Array.from([v, v, v, v]);
  return {
    study,
    results,
    syntheticTakenForReal: results.syntheticTakenForReal.map((g) => ({ ...g, className: 'normal', pixels: px(200) })),
    realTakenForSynthetic: results.realTakenForSynthetic.map((g) => ({ ...g, className: 'nodule', pixels: px(50) })),
  };
}

describe('reader study results as rows and as a printable report', () => {
  it('rows give each reader and the pool their figures, hand-worked', () => {
    const rows = readerRows(view());
    expect(rows.map((r) => [r.label, r.n, r.accuracy, r.sensitivity, r.specificity, r.auc])).toEqual([
      ['Ann (radiologist)', 4, '100.0 %', '100.0 %', '100.0 %', '1.000'],
      // Bob: synthetic scores 6 − rating = 4, 2; real 2, 4 → pairs (4>2), (4=4 half), (2=2 half), (2<4) → 2/4.
      ['Bob', 4, '50.0 %', '50.0 %', '50.0 %', '0.500'],
      // Pooled: synthetic scores {5, 4, 4, 2} against real {1, 2, 2, 4}: 13 of 16 pairs.
      ['all readers (pooled)', 8, '75.0 %', '75.0 %', '75.0 %', '0.813'],
    ]);
    // Two-sided exact binomial, 4 of 4: 2 × 1/16.
    expect(Math.abs(Number(rows[0].p) - 0.125)).toBeLessThan(0.006);
    // Ann SRSR, Bob SRRS: po 0.5, pe 0.5 → κ 0.
    expect(agreementText(view())).toBe("Cohen's κ (two readers) = 0.00: slight agreement, on the 4 images every reader called.");
  });

  it('the report is self-contained: verdict first, escaped names, galleries as PNG data URLs, no script, nothing remote', () => {
    const html = studyReportHtml(view());
    expect(html.indexOf('class="verdict"')).toBeLessThan(html.indexOf('<h2>Detection'));
    expect(html).toContain(view().results.pooledVerdict);
    expect(html).toContain('Chest &lt;b&gt;&amp;&lt;/b&gt; co');
    expect(html).not.toContain('<b>&</b>');
    expect(html).toContain('8 s per image');
    expect(html.match(/src="data:image\/png;base64,/g)).toHaveLength(2);
    expect(html).toContain('s1 · normal<br>1 of 2 readers');
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(html).toContain('<h2>By reader experience</h2>');
  });

  it('guards: only real grey sets as real, only synthetic-marked as synthetic, one size, naming which', () => {
    const realSet = { name: 'CT', width: 32, height: 32, channels: 1 as const, provenance: undefined };
    const synthSet = { name: 'Gen', width: 64, height: 64, channels: 1 as const, provenance: { synthetic: true } as never };
    expect(realRefusal(realSet)).toBeNull();
    expect(realRefusal(synthSet)).toBe('“Gen” is a synthetic set; choose a real dataset for the real images.');
    expect(syntheticRefusal(realSet)).toMatch(/^“CT” carries no synthetic provenance/);
    expect(realRefusal({ ...realSet, channels: 3 })).toMatch(/^“CT” has colour images/);
    expect(pairRefusal(realSet, synthSet)).toMatch(/^“CT” holds 32×32 images and “Gen” 64×64; a blinded study needs one size/);
    expect(pairRefusal(realSet, { ...synthSet, width: 32, height: 32 })).toBeNull();
  });
});
