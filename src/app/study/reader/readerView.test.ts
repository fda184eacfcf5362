import { describe, expect, it } from 'vitest';
import { DEFAULT_VIEW, fitScale, panBy, resetWindowLevel, scaleOf, toRgba, windowLevelBy, windowLut, zoomBy } from './readerView';
import { actionOfKey, keyHelp } from './readerKeys';

describe('reader view', () => {
  it('fits at the largest whole-number scale, a fraction only for images larger than the screen', () => {
    expect(fitScale(64, 64, 1000, 700)).toBe(10);
    expect(fitScale(128, 100, 1000, 700)).toBe(7);
    expect(fitScale(2000, 1000, 1000, 700)).toBe(0.5);
  });

  it('zooms in whole multiples, towards the point under the cursor, and back to centred at fit', () => {
    let v = zoomBy(DEFAULT_VIEW, 1, 100, 50);
    expect(scaleOf(v, 5)).toBe(10);
    // The image point under the cursor (100, 50) stays there: it was at offset 100 from the image centre, now 200.
    expect([v.panX, v.panY]).toEqual([-100, -50]);
    v = zoomBy(v, -1, 100, 50);
    expect([v.zoom, v.panX, v.panY]).toEqual([0, 0, 0]);
    expect(zoomBy(DEFAULT_VIEW, -1)).toBe(DEFAULT_VIEW);
  });

  it('pans, keeping part of the image on screen', () => {
    const v = panBy(DEFAULT_VIEW, 5000, -30, 64, 64, 10, 1000, 700);
    expect(v.panX).toBe((640 + 1000) / 2 - 32);
    expect(v.panY).toBe(-30);
  });

  it('window/level: the default is the identity; a narrow window stretches contrast around the level', () => {
    const id = windowLut(DEFAULT_VIEW.window, DEFAULT_VIEW.level);
    expect([...id]).toEqual(Array.from({ length: 256 }, (_, g) => g));
    const narrow = windowLut(64, 100); // 68 … 132 spread over 0 … 255
    expect(narrow[60]).toBe(0);
    expect(narrow[68]).toBe(2);
    expect(narrow[100]).toBe(130);
    expect(narrow[140]).toBe(255);
    const v = windowLevelBy(DEFAULT_VIEW, -1000, 500);
    expect([v.window, v.level]).toEqual([8, 255]);
    expect(resetWindowLevel(v)).toMatchObject({ window: 256, level: 128 });
    expect([...toRgba(Uint8Array.of(7), id)]).toEqual([7, 7, 7, 255]);
  });
});

describe('reader keys', () => {
  it('maps the keys the help lists', () => {
    expect(actionOfKey('r')).toEqual({ kind: 'real' });
    expect(actionOfKey('S')).toEqual({ kind: 'synthetic' });
    expect(actionOfKey('4')).toEqual({ kind: 'confidence', level: 4 });
    expect(actionOfKey('6')).toBeNull();
    expect(actionOfKey(' ')).toEqual({ kind: 'pause' });
    expect(actionOfKey('ArrowLeft')).toEqual({ kind: 'previous' });
    expect(actionOfKey('Escape')).toEqual({ kind: 'exit' });
    expect(keyHelp({ twoChoice: false, confidence: true }).map((r) => r.keys)).not.toContain('R / S');
  });
});
