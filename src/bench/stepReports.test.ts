import { describe, expect, it } from 'vitest';
import { PROGRESS_EVERY_MS, StepReports } from './stepReports';

describe('StepReports', () => {
  it('reports a few times a second, not every step, and loses no step', () => {
    const reports = new StepReports(30, 0);
    const batches = [];
    let now = 0;
    for (let i = 0; i < 30; i++) {
      now += 50;
      const batch = reports.add(40 + i, now);
      if (batch) batches.push(batch);
    }
    const last = reports.flush();
    if (last) batches.push(last);
    // 30 steps of 50 ms = 1.5 s: a batch every PROGRESS_EVERY_MS, not 30 events.
    expect(batches.length).toBe(Math.ceil((30 * 50) / PROGRESS_EVERY_MS));
    expect(batches.flatMap((b) => b.stepMs)).toEqual(Array.from({ length: 30 }, (_, i) => 40 + i));
    expect(batches[0].text).toBe('steps 1–10/30: 40 41 42 43 44 45 46 47 48 49 ms');
  });

  it('reports each step of a slow model on its own', () => {
    const reports = new StepReports(3, 0);
    expect(reports.add(900, 900)).toEqual({ text: 'step 1/3: 900 ms', stepMs: [900] });
    expect(reports.add(950, 1850)?.text).toBe('step 2/3: 950 ms');
    expect(reports.flush()).toBeNull();
  });
});
