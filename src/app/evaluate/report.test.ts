import { describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { reportHtml } from './reportHtml';
import { evaluationVerdict } from './verdict';
import { comparisonColumns, comparisonRows } from './compareEvaluations';
import { gatherReportExtras, modelSettingsRows } from './reportExtras';
import type { EvaluationRecord } from '../../evaluation/evaluationTypes';

const distribution = (frechet: number, precision: number, recall: number, kid = 0.01) => ({
  frechet: { value: frechet, rank: { real: 3, fake: 3 }, dims: 3, n: { real: 10, fake: 10 }, warnings: [] },
  kid: { full: kid, subsets: { mean: kid, std: kid / 4, count: 50, size: 10 }, n: { real: 10, fake: 10 }, warnings: [] },
  prdc: { k: 5, precision, recall, density: 0.9, coverage: 0.75, n: { real: 10, fake: 10 }, warnings: [] },
  n: { real: 10, fake: 10 },
  warnings: [],
});

function record(frechet: number, precision: number, recall: number, extra: Partial<EvaluationRecord> = {}): EvaluationRecord {
  return {
    id: `e${frechet}`,
    createdAt: 0,
    request: { realDatasetId: 'd', fake: { kind: 'run', runId: 'run', checkpoint: 'best', count: 200 }, features: 'radiomics', k: 5, maxReal: 1000, seed: 1 },
    realName: 'Brain MRI',
    fakeName: `run @ step ${frechet}`,
    resolution: 4,
    n: { train: 400, validation: 100, fake: 200 },
    main: { featureSpace: 'radiomics', frechetName: 'FRD (Fréchet Radiomics Distance)', dims: 3, distribution: distribution(frechet, precision, recall), diversity: { real: { meanSsim: 0.3, std: 0, pairs: 1, n: 10, warnings: [] }, fake: { meanSsim: 0.32, std: 0, pairs: 1, n: 10, warnings: [] } }, warnings: [], timingsMs: {} },
    baseline: { featureSpace: 'radiomics', frechetName: 'FRD', dims: 3, distribution: distribution(101, 0.75, 0.7), warnings: [], timingsMs: {} },
    memorization: {
      likelyCopies: { thresholds: { ssim: 0.15, features: 13 }, percentile: 1, fractionFlagged: 0.01, flaggedCount: 2, validationFractionFlagged: 0, pairs: [{ synthetic: 0, train: 7, ssimDistance: 0.001, featuresTrain: 7, featureDistance: 0.5 }, { synthetic: 1, train: 9, ssimDistance: 0.002, featuresTrain: 9, featureDistance: 0.6 }] },
      ssim: { method: 'ssim', threshold: 0.15, percentile: 1, fractionFlagged: 0.01, flaggedCount: 2, pairs: [], synthetic: { edges: [0, 1], counts: [1] }, validation: { edges: [0, 1], counts: [1] }, warnings: [] },
      features: { method: 'features', threshold: 13, percentile: 1, fractionFlagged: 0.01, flaggedCount: 2, pairs: [], synthetic: { edges: [0, 1], counts: [1] }, validation: { edges: [0, 1], counts: [1] }, warnings: [] },
    },
    overSteps: [],
    warnings: [],
    elapsedMs: 1000,
    fakeKey: 'k',
    runId: 'run',
    perClass: [
      { classIndex: 0, className: '0', n: { train: 200, validation: 50, fake: 100 }, synthetic: { frechet: 120, precision: 0.6, recall: 0.5 }, floor: { frechet: 98, precision: 0.7, recall: 0.7 } },
      { classIndex: 1, className: '1', n: { train: 3, validation: 1, fake: 100 }, synthetic: null, floor: null, unavailable: 'needs more than k = 5 images on each side (3 real, 100 synthetic)' },
    ],
    ...extra,
  } as EvaluationRecord;
}

describe('plain-language verdict', () => {
  it('reads the figures against their floors: far, part way, close, and no floor', () => {
    const far = evaluationVerdict(record(860, 0.2, 0));
    expect(far.level).toBe('far');
    expect(far.headline).toMatch(/^Far from real/);
    expect(far.reasons[0]).toMatch(/FRD 860 against a real-vs-real floor of 101/);
    expect(far.reasons.join(' ')).toMatch(/Recall 0 .*covers almost none of the real variety/);
    expect(far.headline).toMatch(/2 synthetic images are likely copies/);
    expect(evaluationVerdict(record(250, 0.6, 0.5)).level).toBe('partway');
    expect(evaluationVerdict(record(120, 0.7, 0.65)).level).toBe('close');
    expect(evaluationVerdict(record(120, 0.7, 0.65, { baseline: null })).level).toBe('no-floor');
    // Many likely copies outweigh close distances.
    const copying = record(120, 0.7, 0.65);
    copying.memorization!.likelyCopies = { ...copying.memorization!.likelyCopies!, flaggedCount: 160, fractionFlagged: 0.8 };
    const copied = evaluationVerdict(copying);
    expect(copied.level).toBe('copies');
    expect(copied.headline).toMatch(/^Copies training images: 160 of 200 synthetic images \(80\.0 %\)/);
    // Collapse is named whatever the distances say.
    const collapsed = record(120, 0.7, 0.65);
    collapsed.main.diversity!.fake.meanSsim = 0.8;
    expect(evaluationVerdict(collapsed).reasons.join(' ')).toMatch(/mode collapse/);
  });
});

describe('printable report with images', () => {
  const grey = (n: number, size: number, v: number) => new Uint8Array(n * size * size).fill(v);
  const reader = {
    readReportImages: async () => ({ size: 4, synthetic: grey(3, 4, 200), syntheticCount: 3, real: grey(2, 4, 50), realCount: 2 }),
    readPairImages: async (_id: string, pairs: { synthetic: number; train: number }[]) => ({ synthetic: grey(pairs.length, 4, 10), train: grey(pairs.length, 4, 20), size: 4 }),
  };
  const run = { step: 400, settings: { name: 'cDCGAN brain', totalSteps: 2000, seed: 3, model: { kind: 'dcgan' as const } }, config: { kind: 'dcgan', resolution: 32, numClasses: 2, learningRate: 0.0002, batchSize: 32 } };

  it('holds the verdict, both sample grids, the settings, per-class figures under the current class names, and the likely copies with their images', async () => {
    const e = record(860, 0.2, 0);
    const extras = await gatherReportExtras(reader, e, run as never, ['benign', 'malignant']);
    const html = reportHtml(e, extras);
    const part = (name: string) => {
      const at = html.indexOf(`data-part="${name}"`);
      expect(at, name).toBeGreaterThan(0);
      return html.slice(at, html.indexOf('</', html.indexOf('>', at) + 1) + 2000);
    };
    expect(part('verdict')).toMatch(/Far from real/);
    // Two grids, each a PNG embedded as a data URL that decodes to the tiled images.
    const urls = [...part('grids').matchAll(/src="data:image\/png;base64,([^"]+)"/g)].map((m) => m[1]);
    expect(urls).toHaveLength(2);
    const synthetic = decode(Uint8Array.from(atob(urls[0]), (c) => c.charCodeAt(0)));
    expect([synthetic.width, synthetic.height]).toEqual([3 * 4 + 2 * 2, 4]);
    expect(synthetic.data[0]).toBe(200);
    expect(part('settings')).toMatch(/cDCGAN brain.*400 of 2000.*learningRate<\/th><td>0\.0002/s);
    expect(part('per-class')).toMatch(/benign<\/td><td>100 \/ 200 \/ 50<\/td><td>120 \(floor 98\)/);
    expect(part('per-class')).toMatch(/malignant.*not available: needs more than k = 5/s);
    const pairs = part('flagged-pairs');
    expect(pairs.match(/data:image\/png/g)).toHaveLength(4);
    expect(pairs).toMatch(/#0 ↔ train #7/);
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(html).toMatch(/@media print/);
  });

  it('says what is missing instead of inventing it: no run, no per-class figures', () => {
    const html = reportHtml(record(860, 0.2, 0, { perClass: undefined }), {});
    expect(html).toMatch(/run behind these images is not in this browser/);
    expect(html).toMatch(/data-part="per-class">Not available: the synthetic images carry no class labels/);
  });

  it('lists the model settings from the resolved configuration', () => {
    const rows = modelSettingsRows(run as never);
    expect(rows).toContainEqual(['Model', 'dcgan']);
    expect(rows).toContainEqual(['numClasses', '2']);
  });
});

describe('comparison of evaluations', () => {
  it('gives each evaluation a column with every figure beside its floor and its verdict', () => {
    const records = [record(860, 0.2, 0), record(120, 0.7, 0.65)];
    const rows = comparisonRows(records);
    const columns = comparisonColumns(records);
    expect(rows.map((r) => r.key)).toEqual(expect.arrayContaining(['frechet', 'kid × 10³ (mean ± std over subsets)', 'precision', 'recall', 'likely-copies']));
    expect(columns.map((c) => c.verdict?.label)).toEqual(['Far from real', 'Close to real']);
    expect(columns[0].cells.frechet).toEqual({ value: '860 (FRD)', floor: '101' });
    expect(columns[1].cells.recall).toEqual({ value: '0.65', floor: '0.7' });
    expect(columns[0].cells['likely-copies'].value).toBe('2 of 200');
    for (const c of columns) for (const r of rows) expect(c.cells[r.key], `${c.id} ${r.key}`).toBeDefined();
  });
});
