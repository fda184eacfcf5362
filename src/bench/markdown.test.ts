import { describe, expect, it } from 'vitest';
import { SECTION_END, SECTION_START, renderBenchSection, spliceSection } from './markdown';
import type { BenchRecord } from './record';
import type { TrainResult } from './types';

const load = { samples: 3, min1: 2, mean1: 3, max1: 4, atStart: [2, 2, 2], atEnd: [4, 3, 2] };

function record(results: TrainResult[]): BenchRecord {
  return {
    format: 'phantom-studio/bench',
    version: 1,
    startedAt: '2026-11-26T23:00:00.000Z',
    finishedAt: '2026-11-26T23:10:00.000Z',
    command: 'npx tsx bench/run.ts',
    machine: { cpuModel: 'Test CPU', logicalCores: 2, totalMemoryBytes: 8 * 2 ** 30, node: 'v20', platform: 'linux x64' },
    chromium: '156.0',
    chromiumArgs: [],
    plan: { jobs: results.map((r) => r.job), graceMs: 1 },
    page: {
      environment: { userAgent: 'x', hardwareConcurrency: 2, crossOriginIsolated: false, adapter: null, userAgentMemory: { unavailable: 'not isolated' } },
      results,
    },
    processMemory: results.map(() => ({ browser: 0, renderer: 300 * 2 ** 20, gpu: 50 * 2 ** 20, other: 0, total: 350 * 2 ** 20 })),
    browserLoad: load,
    pytorch: { rows: [{ model: 'dcgan28', status: 'ok', backend: 'pytorch-1.13', threads: 1, steps: 10, medianMs: 400, minMs: 390, maxMs: 420, meanMs: 400, imagesPerSecond: 40 }], load },
  };
}

const job = { kind: 'train', backend: 'wasm', model: 'dcgan28', steps: 10, warmup: 2, generateCount: 64, profile: true, budgetMs: 1 } as const;

describe('BENCHMARKS.md section', () => {
  it('puts measured figures, the PyTorch ratio and the load average into the table', () => {
    const ok: TrainResult = {
      kind: 'train', job, status: 'ok', batchSize: 16, stepMs: new Array<number>(10).fill(600), firstStepMs: 900,
      stats: { count: 10, medianMs: 500, minMs: 450, maxMs: 700, meanMs: 600 }, imagesPerSecond: 26.67,
      profile: { kernelCount: 981, kernelTimesAvailable: true, topKernels: [{ name: 'Conv2D', calls: 8, totalMs: 175 }], peakBytes: 2 ** 20, newBytes: 0, newTensors: 0, wallMs: 800, readbacks: { async: 1, sync: 0 } },
    };
    const md = renderBenchSection(record([ok]), 'bench/out/x.json');
    expect(md).toContain('Test CPU, 2 logical cores');
    expect(md).toContain('3.0 mean (2.0–4.0, 3 samples)');
    expect(md).toContain('| DCGAN-28 | wasm | ok | 10/10 | 900 | 500 (450–700) | 600 | 26.67 | 1.50× (vs 1 thr.), load per pair not recorded |');
    expect(md).toContain('| DCGAN-28 | wasm | 981 | 1 / 0 | 900 | 500 | Conv2D 175×8 |');
    expect(md).toContain('| DCGAN-28 | PyTorch 1.13, 1 thread | ok | 10 |');
  });

  it('compares with the fastest PyTorch row over thread counts and rates the slower one against it', () => {
    const ok: TrainResult = {
      kind: 'train', job, status: 'ok', batchSize: 16, stepMs: new Array<number>(10).fill(600), firstStepMs: 900,
      stats: { count: 10, medianMs: 500, minMs: 450, maxMs: 700, meanMs: 600 }, imagesPerSecond: 26.67,
    };
    const base = record([ok]);
    if (!('rows' in base.pytorch)) throw new Error('fixture has PyTorch rows');
    const twoThreads = { ...base.pytorch.rows[0], threads: 2, meanMs: 250, medianMs: 250 };
    const md = renderBenchSection({ ...base, pytorch: { ...base.pytorch, rows: [base.pytorch.rows[0], twoThreads] } }, 'x.json');
    expect(md).toContain('| 600 | 26.67 | 2.40× (vs 2 thr.), load per pair not recorded |');
    expect(md).toMatch(/\| DCGAN-28 \| PyTorch 1\.13, 1 thread \| ok .*\| 1\.60× \|/);
    expect(md).toMatch(/\| DCGAN-28 \| PyTorch 1\.13, 2 threads \| ok .*\| 1\.00× \|/);
  });

  it('shows a ratio only for a pair that started on a quiet machine (load ≤ half the cores), and says why otherwise', () => {
    const ok: TrainResult = {
      kind: 'train', job, status: 'ok', batchSize: 16, stepMs: new Array<number>(10).fill(600), firstStepMs: 900,
      stats: { count: 10, medianMs: 500, minMs: 450, maxMs: 700, meanMs: 600 }, imagesPerSecond: 26.67,
    };
    const base = record([ok]);
    const torchReport = base.pytorch;
    if (!('rows' in torchReport)) throw new Error('fixture has PyTorch rows');
    const withLoads = (studio: number, torch: number) =>
      renderBenchSection({ ...base, jobLoad1: [studio], pytorch: { ...torchReport, rows: [{ ...torchReport.rows[0], load1AtStart: torch }] } }, 'x.json');
    expect(withLoads(0.4, 0.9)).toContain('| 600 | 26.67 | 1.50× (vs 1 thr.) |');
    expect(withLoads(0.4, 0.9)).toContain('a ratio is shown only when both sides started at a load of at most 1.0');
    expect(withLoads(2.3, 0.5)).toContain('| 600 | 26.67 | not valid: load 2.3 / 0.5 at the start of the pair (> 1.0) |');
    expect(withLoads(0.5, 1.4)).toContain('not valid: load 0.5 / 1.4');
    expect(withLoads(0.5, 1.4)).not.toContain('1.50×');
    // An older record without per-pair loads keeps its ratio but says it was not checked.
    expect(renderBenchSection(base, 'x.json')).toContain('1.50× (vs 1 thr.), load per pair not recorded');
  });

  it('shows why a row has no figures instead of a number', () => {
    const none: TrainResult = { kind: 'train', job: { ...job, backend: 'cpu' }, status: 'terminated', note: 'worker terminated 25 s after start', stepMs: [] };
    const md = renderBenchSection(record([none]), 'x.json');
    expect(md).toContain('| DCGAN-28 | cpu | terminated: worker terminated 25 s after start | 0/10 | – | – | – | – | – |');
  });

  it('replaces only the generated section, or appends one', () => {
    const doc = `# Benchmarks\n\nintro\n\n${SECTION_START}\nold\n${SECTION_END}\n\nafter\n`;
    expect(spliceSection(doc, `${SECTION_START}\nnew\n${SECTION_END}`)).toBe(`# Benchmarks\n\nintro\n\n${SECTION_START}\nnew\n${SECTION_END}\n\nafter\n`);
    expect(spliceSection('# B\n', 'S')).toBe('# B\n\nS\n');
  });
});
