import { describe, expect, it } from 'vitest';
import { formatTick } from './formatTick';

describe('formatTick', () => {
  it('labels ordinary, tiny and huge values', () => {
    expect(formatTick(0)).toBe('0');
    expect(formatTick(1.23456)).toBe('1.23');
    expect(formatTick(-0.5)).toBe('-0.5');
    expect(formatTick(0.0004)).toBe('4e-4');
    expect(formatTick(250000)).toBe('3e+5');
  });

  it('gives no label, rather than throwing, for the null ticks uPlot passes on an empty axis', () => {
    expect(formatTick(null)).toBe('');
    expect(formatTick(Number.NaN)).toBe('');
  });
});
