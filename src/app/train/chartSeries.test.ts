import { describe, expect, it } from 'vitest';
import type { MetricRow } from '../../training/runTypes';
import { lastValue } from '../models/compareRuns';
import { showsDots } from './chartSeries';

const row = (step: number, values: Record<string, number>): MetricRow => ({ step, time: step, values });

describe('metric chart series', () => {
  it('shows the newest value of a sparse series, not the newest row\'s (which lacks it)', () => {
    // KID at checkpoints 600 and 1200 only; losses every 10 steps after it.
    const rows = [row(600, { loss: 0.1, kid: 0.8 }), row(1200, { loss: 0.05, kid: 0.4 }), row(1210, { loss: 0.04 })];
    expect(lastValue({ history: rows }, 'kid')).toBe(0.4);
    expect(lastValue({ history: rows }, 'loss')).toBe(0.04);
    expect(lastValue({ history: rows }, 'gp')).toBeNull();
    expect(lastValue({ history: [row(1, { loss: NaN }), row(2, { loss: Infinity })] }, 'loss')).toBeNull();
  });

  it('draws dots on a sparse series (one KID draws no line) and lines on dense ones', () => {
    expect(showsDots([null, 0.8, null, null])).toBe(true); // a lone KID
    expect(showsDots([null, 0.8, null, 0.4, null, null, 0.3, null])).toBe(true); // KID per checkpoint
    expect(showsDots([1, 0.9])).toBe(true); // the first readbacks
    expect(showsDots([1, 0.9, 0.8, 0.7])).toBe(false); // losses, every row
    expect(showsDots([1, null, 0.8, 0.7])).toBe(false);
    expect(showsDots([NaN, Infinity, 1])).toBe(true);
  });
});
