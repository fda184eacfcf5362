import { describe, expect, it } from 'vitest';
import { formatEta, jobEtaSeconds, trainingEtaSeconds } from './eta';

/** Readbacks every 10 steps at `msPerStep`, from `fromStep` at time `t0`. */
function rows(fromStep: number, count: number, msPerStep: number, t0: number) {
  return Array.from({ length: count }, (_, i) => ({ step: fromStep + 10 * (i + 1), time: t0 + 10 * msPerStep * (i + 1), values: { msPerStep } }));
}

describe('training ETA', () => {
  it('uses the recent step rate: 1,983 steps to go at 9 s per step is about 5 h, not 89 s', () => {
    const history = rows(0, 3, 9000, 0); // steps 10, 20, 30
    const s = trainingEtaSeconds({ status: 'running', step: 30, totalSteps: 2013, rows: history });
    expect(s).toBeCloseTo(1983 * 9, 5);
    expect(formatEta(s)).toBe('about 5.0 h left');
  });

  it('after a resume, ignores the earlier session (fast rows, then a long pause, then slow rows)', () => {
    const before = rows(0, 5, 100, 0); // steps 10..50 at 0.1 s/step
    const after = rows(50, 3, 4000, 10_000_000); // resumed hours later at 4 s/step
    const since = 10_000_000;
    const s = trainingEtaSeconds({ status: 'running', step: 80, totalSteps: 200, rows: [...before, ...after], since });
    expect(s).toBeCloseTo(120 * 4, 5);
    // Without `since`, the long gap between the sessions marks the break.
    expect(trainingEtaSeconds({ status: 'running', step: 80, totalSteps: 200, rows: [...before, ...after] })).toBeCloseTo(120 * 4, 5);
  });

  it('with one readback in the session, uses its measured ms per step', () => {
    expect(trainingEtaSeconds({ status: 'running', step: 10, totalSteps: 110, rows: rows(0, 1, 500, 0) })).toBeCloseTo(50, 5);
  });

  it('shows nothing while paused, stopped, failed or finished, or before the first readback', () => {
    const history = rows(0, 3, 100, 0);
    for (const status of ['paused', 'stopped', 'failed', 'finished', 'interrupted']) expect(trainingEtaSeconds({ status, step: 30, totalSteps: 100, rows: history })).toBeNull();
    expect(trainingEtaSeconds({ status: 'running', step: 100, totalSteps: 100, rows: history })).toBeNull();
    expect(trainingEtaSeconds({ status: 'running', step: 0, totalSteps: 100, rows: [] })).toBeNull();
    expect(formatEta(null)).toBe('');
  });
});

describe('job ETA', () => {
  it('is the mean rate since the job started, and nothing once done', () => {
    expect(jobEtaSeconds(10, 40, 5)).toBeCloseTo(15, 5);
    expect(jobEtaSeconds(40, 40, 20)).toBeNull();
    expect(jobEtaSeconds(0, 40, 20)).toBeNull();
  });

  it('formats seconds, minutes and hours', () => {
    expect(formatEta(16)).toBe('about 16 s left');
    expect(formatEta(8 * 60)).toBe('about 8 min left');
    expect(formatEta(0.2)).toBe('about 1 s left');
  });
});
