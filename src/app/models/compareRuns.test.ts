import { describe, expect, it } from 'vitest';
import { formatDuration, lastValue, overlaidLossCharts, runLabels, trainingTimeText } from './compareRuns';
import type { MetricRow } from '../../training/runTypes';

const row = (step: number, values: Record<string, number>): MetricRow => ({ step, time: step * 10, values });
const run = (name: string, history: MetricRow[]) => ({ settings: { name } as never, history });

describe('comparing runs', () => {
  it('labels runs by name, numbering repeated names', () => {
    expect(runLabels([run('a', []), run('b', []), run('a', []), run('a', [])])).toEqual(['a', 'b', 'a (2)', 'a (3)']);
  });

  it('overlays each loss of the runs on one chart, one series per run that has it, rows merged by step', () => {
    const gan = run('gan', [row(2, { lossG: 1, lossD: 0.5 }), row(4, { lossG: 0.9, lossD: 0.6 })]);
    const gan2 = run('gan', [row(3, { lossG: 2, lossD: 0.4 }), row(4, { lossG: 1.5, lossD: NaN })]);
    const vae = run('vae', [row(2, { loss: 10, recon: 8, kl: 2 })]);
    const charts = overlaidLossCharts([gan, gan2, vae]);
    expect(charts.map((c) => c.metric)).toEqual(['lossG', 'lossD', 'loss', 'recon', 'kl']);
    const lossG = charts[0];
    expect(lossG.series).toEqual(['gan', 'gan (2)']);
    expect(lossG.rows).toEqual([
      { step: 2, time: 20, values: { gan: 1 } },
      { step: 3, time: 30, values: { 'gan (2)': 2 } },
      { step: 4, time: 40, values: { gan: 0.9, 'gan (2)': 1.5 } },
    ]);
    // A NaN readback is left out rather than drawn.
    expect(charts[1].rows.find((r) => r.step === 4)!.values).toEqual({ gan: 0.6 });
    expect(charts[2].series).toEqual(['vae']);
  });

  it('continued curves stay one line: rows after the old target follow the earlier ones', () => {
    const continued = run('c', [row(2, { loss: 3 }), row(4, { loss: 2 }), row(6, { loss: 1.5 }), row(8, { loss: 1 })]);
    const [chart] = overlaidLossCharts([continued]);
    expect(chart.rows.map((r) => r.step)).toEqual([2, 4, 6, 8]);
  });

  it('reads the last finite value and formats durations', () => {
    expect(lastValue(run('x', [row(1, { loss: 2 }), row(2, { loss: NaN })]), 'loss')).toBe(2);
    expect(lastValue(run('x', []), 'loss')).toBeNull();
    expect(formatDuration(12.4)).toBe('12 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(3900)).toBe('1 h 05 min');
  });
});

describe('a run\'s training time in words', () => {
  it('names the studio\'s engines only for the studio\'s share when PyTorch trained some steps', () => {
    expect(trainingTimeText(266, [], 'wasm')).toBe('4 min 26 s on wasm');
    const studio = { where: 'studio', engine: 'wasm' } as const;
    expect(trainingTimeText(266, [studio], 'wasm')).toBe('4 min 26 s on wasm');
    // It read "1 min 00 s on wasm" for 30 s of wasm and 30 s of torchrun.
    expect(trainingTimeText(60, [studio, { where: 'pytorch', seconds: 30, engine: 'PyTorch 1.13.1' }], 'wasm')).toBe('1 min 00 s in all: 30 s in the studio (wasm), 30 s in PyTorch');
    expect(trainingTimeText(5, [studio, { where: 'pytorch', seconds: 0.2, engine: 'PyTorch 1.13.1' }], 'wasm')).toBe('5 s in all: 5 s in the studio (wasm), 0 s in PyTorch');
    // Imported as a new run, the run's backend is the file's ("PyTorch … (cpu x 2)"): the studio's engines come from its segments.
    expect(trainingTimeText(60, [studio, { where: 'pytorch', seconds: 30, engine: 'PyTorch 1.13.1' }], 'PyTorch 1.13.1 (cpu x 2)')).toBe('1 min 00 s in all: 30 s in the studio (wasm), 30 s in PyTorch');
    expect(trainingTimeText(30, [{ where: 'pytorch', seconds: 30, engine: 'PyTorch 1.13.1' }], 'PyTorch 1.13.1 (cpu x 2)')).toBe('30 s in PyTorch');
  });
});
