/** The hash names the stage and, after it, one item inside it (a run card's link to its augment report). */
import { describe, expect, it } from 'vitest';
import { itemFromHash, stageFromHash } from './stages';

describe('stage hashes', () => {
  it('read the stage before the first slash and the item after it', () => {
    expect(stageFromHash('#/augment')).toBe('augment');
    expect(stageFromHash('#/augment/aug-1a2b')).toBe('augment');
    expect(itemFromHash('#/augment/aug-1a2b')).toBe('aug-1a2b');
    expect(itemFromHash('#/augment/aug%2Fodd')).toBe('aug/odd');
    expect(itemFromHash('#/augment')).toBeNull();
    expect(itemFromHash('#/augment/')).toBeNull();
    expect(stageFromHash('#/nowhere/x')).toBe('data');
    expect(stageFromHash('')).toBe('data');
  });
});
