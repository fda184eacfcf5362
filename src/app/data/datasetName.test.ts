import { describe, expect, it } from 'vitest';
import { defaultDatasetName } from './datasetName';

describe('defaultDatasetName', () => {
  it('is neutral: the image size only, never a folder or file name (which can be a patient’s name)', () => {
    expect(defaultDatasetName(64)).toBe('Imported scans (64 px)');
    expect(defaultDatasetName(32)).toBe('Imported scans (32 px)');
    // It takes nothing but the size, so no folder or file name can reach it.
    expect(defaultDatasetName.length).toBe(1);
  });
});
