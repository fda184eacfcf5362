import { describe, expect, it } from 'vitest';
import { runClassNames } from './classNames';

describe('a run shows its dataset\'s class names as they are now', () => {
  const run = { classNames: ['0', '1'], settings: { datasetId: 'real' } } as never;
  it('follows a rename, and falls back to the stored names when the dataset is gone or its classes differ', () => {
    expect(runClassNames(run, [{ id: 'real', classNames: ['benign', 'malignant'] }])).toEqual(['benign', 'malignant']);
    expect(runClassNames(run, [])).toEqual(['0', '1']);
    expect(runClassNames(run, [{ id: 'real', classNames: ['a', 'b', 'c'] }])).toEqual(['0', '1']);
  });
});
