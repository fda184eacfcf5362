import { describe, expect, it } from 'vitest';
import { reportHtml } from './reportHtml';
import type { EvaluationRecord } from '../../evaluation/evaluationTypes';

const distribution = (frechet: number) => ({
  frechet: { value: frechet, rank: { real: 3, fake: 3 }, dims: 3, n: { real: 10, fake: 10 }, warnings: [] },
  kid: { full: 0.01, subsets: { mean: 0.012, std: 0.003, count: 50, size: 10 }, n: { real: 10, fake: 10 }, warnings: [] },
  prdc: { k: 5, precision: 0.8, recall: 0.7, density: 0.9, coverage: 0.75, n: { real: 10, fake: 10 }, warnings: [] },
  n: { real: 10, fake: 10 },
  warnings: [],
});

describe('printable evaluation report', () => {
  it('holds every metric with the floor, escapes names, and loads nothing remote', () => {
    const record = {
      id: 'e',
      createdAt: 0,
      request: { realDatasetId: 'd', fake: { kind: 'dataset', datasetId: 'f' }, features: 'radiomics', k: 5, maxReal: 10, seed: 1 },
      realName: 'Real <set>',
      fakeName: 'Fake & co',
      resolution: 32,
      n: { train: 10, validation: 5, fake: 10 },
      main: { featureSpace: 'radiomics', frechetName: 'FRD (Fréchet Radiomics Distance)', dims: 3, distribution: distribution(12.5), diversity: { real: { meanSsim: 0.3, std: 0, pairs: 1, n: 10, warnings: [] }, fake: { meanSsim: 0.5, std: 0, pairs: 1, n: 10, warnings: [] } }, warnings: [], timingsMs: {} },
      baseline: { featureSpace: 'radiomics', frechetName: 'FRD', dims: 3, distribution: distribution(2.25), warnings: [], timingsMs: {} },
      memorization: null,
      overSteps: [{ step: 100, frechet: 20, kid: 0.1 }],
      warnings: ['Fewer than 500 images'],
      elapsedMs: 1000,
      fakeKey: 'k',
    } as EvaluationRecord;
    const html = reportHtml(record);
    expect(html).toContain('12.5');
    expect(html).toContain('2.25');
    expect(html).toContain('0.012 ± 0.003');
    expect(html).toContain('Real &lt;set&gt;');
    expect(html).toContain('Fake &amp; co');
    expect(html).toContain('Fewer than 500 images');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});
