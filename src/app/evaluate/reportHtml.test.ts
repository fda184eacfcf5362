import { describe, expect, it } from 'vitest';
import { reconstructionReportHtml, reportHtml } from './reportHtml';
import { reconstructionJson } from './reconstructionRows';
import { diversityVerdict, reportJson } from './reportRows';
import type { AuditSummary, EvaluationRecord, ReconstructionRecord } from '../../evaluation/evaluationTypes';

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
    // KID × 10³ beside its real-vs-real floor (the same distribution here).
    expect(html).toContain('KID × 10³');
    expect(html).toContain('<td>12 ± 3</td><td>12 ± 3</td>');
    expect(html).toContain('<td>100</td><td>20.00</td><td>100.0</td>');
    // Within-set similarity reads the right way round: 0.5 synthetic vs 0.3 real is less diverse.
    expect(html).toContain('Similarity within the set (mean pairwise SSIM; lower = more diverse)');
    expect(html).not.toContain('(diversity)');
    expect(html).toMatch(/more alike than the real ones, so less diverse \(mean pairwise SSIM 0\.5 synthetic vs 0\.3 real; far more alike/);
    const json = JSON.parse(reportJson(record));
    expect(json.main.distribution.kid.full).toBe(0.01);
    expect(json.table.kidScale).toBe(1000);
    expect(json.table.rows.find((r: { metric: string }) => r.metric.startsWith('KID'))).toMatchObject({ synthetic: '12 ± 3', floor: '12 ± 3' });
    expect(json.diversityVerdict).toMatch(/less diverse/);
    expect(html).toContain('Real &lt;set&gt;');
    expect(html).toContain('Fake &amp; co');
    expect(html).toContain('Fewer than 500 images');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  it('reads within-set similarity the right way round: higher SSIM is less diverse', () => {
    const at = (fake: number, real: number) =>
      diversityVerdict({ main: { diversity: { real: { meanSsim: real }, fake: { meanSsim: fake } } } } as unknown as EvaluationRecord);
    expect(at(0.41, 0.4)).toMatch(/about as varied as the real ones/);
    expect(at(0.5, 0.4)).toMatch(/more alike than the real ones, so less diverse/);
    expect(at(0.5, 0.4)).not.toMatch(/mode collapse/);
    expect(at(0.8, 0.4)).toMatch(/mode collapse/);
    expect(at(0.2, 0.4)).toMatch(/less alike than the real ones, so more varied/);
    expect(diversityVerdict({ main: {} } as unknown as EvaluationRecord)).toBeNull();
  });

  it('leads the memorisation audit with the likely copies (below both thresholds), each criterion after', () => {
    const criterion = (method: 'ssim' | 'features', threshold: number, flaggedCount: number): AuditSummary => ({
      method,
      threshold,
      percentile: 1,
      fractionFlagged: flaggedCount / 200,
      flaggedCount,
      pairs: [],
      synthetic: { edges: [0, 1], counts: [1] },
      validation: { edges: [0, 1], counts: [1] },
      warnings: [],
    });
    const base = { id: 'e', createdAt: 0, request: { realDatasetId: 'd', fake: { kind: 'dataset', datasetId: 'f' }, features: 'radiomics', k: 5, maxReal: 10, seed: 1 }, realName: 'r', fakeName: 'f', resolution: 32, n: { train: 400, validation: 200, fake: 200 }, main: { featureSpace: 'radiomics', frechetName: 'FRD', dims: 3, distribution: distribution(1), warnings: [], timingsMs: {} }, baseline: null, overSteps: [], warnings: [], elapsedMs: 1, fakeKey: 'k' };
    const likelyCopies = { thresholds: { ssim: 0.155, features: 13.46 }, percentile: 1, fractionFlagged: 0.025, flaggedCount: 5, validationFractionFlagged: 0, pairs: [] };
    const html = reportHtml({ ...base, memorization: { likelyCopies, ssim: criterion('ssim', 0.155, 7), features: criterion('features', 13.46, 9) } } as EvaluationRecord);
    const section = html.slice(html.indexOf('Memorisation audit'));
    expect(section).toMatch(/likely copies: below both thresholds<\/th><td>1 − SSIM 0\.155, features 13\.46<\/td><td>5<\/td><td>2\.50 %<\/td><td>0\.00 %/);
    expect(section.indexOf('likely copies')).toBeLessThan(section.indexOf('SSIM alone'));
    expect(section).toMatch(/SSIM alone.*<td>7<\/td><td>3\.50 %/);
    expect(section).toMatch(/features alone.*<td>9<\/td><td>4\.50 %/);
    // Evaluations stored before the combined rule say so instead of inventing a count.
    const old = reportHtml({ ...base, memorization: { ssim: criterion('ssim', 0.155, 7), features: criterion('features', 13.46, 9) } } as EvaluationRecord);
    expect(old).toMatch(/not counted: this evaluation was stored before the combined rule/);
  });
});

describe('printable reconstruction report', () => {
  const record: ReconstructionRecord = {
    id: 'r',
    createdAt: 0,
    request: { runId: 'run', checkpoint: 'best', count: 200, seed: 1 },
    runName: 'VAE <small>',
    datasetName: 'head & neck',
    step: 1200,
    resolution: 32,
    channels: 1,
    source: 'validation',
    n: 200,
    metrics: {
      ssim: { mean: 0.8123, std: 0.0412, n: 200 },
      msSsim: null,
      msSsimUnavailable: 'MS-SSIM needs images of at least 161 px on the shorter side (5 scales of an 11 px window); got 32x32. Use SSIM instead.',
      psnr: { mean: Infinity, std: NaN, n: 200 },
      mse: { mean: 0.00321, std: 0.0011, n: 200 },
      mae: { mean: 0.0312, std: 0.0065, n: 200 },
    },
    exampleIndices: [1, 2],
    warnings: [],
    elapsedMs: 2000,
  };

  it('gives each paired metric as mean ± std with N, the MS-SSIM refusal in place of a value, escaped names and nothing remote', () => {
    const html = reconstructionReportHtml(record);
    expect(html).toContain('<td>SSIM</td><td>0.8123 ± 0.041</td><td>200</td>');
    expect(html).toContain('<td>MS-SSIM</td><td>MS-SSIM needs images of at least 161 px');
    expect(html).toMatch(/<td>MS-SSIM<\/td><td>[^<]*<\/td><td>—<\/td>/);
    expect(html).toContain('<td>PSNR</td><td>∞ dB (at least one image reconstructed exactly)</td>');
    expect(html).toContain('<td>MSE</td><td>0.00321 ± 0.0011</td><td>200</td>');
    expect(html).toContain('VAE &lt;small&gt; at step 1200 (best checkpoint)');
    expect(html).toContain('head &amp; neck');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  it('keeps infinite and undefined figures in the JSON export instead of turning them into null', () => {
    const parsed = JSON.parse(reconstructionJson(record));
    expect(parsed.metrics.psnr).toEqual({ mean: 'Infinity', std: 'NaN', n: 200 });
    expect(parsed.metrics.ssim.mean).toBe(0.8123);
  });
});
