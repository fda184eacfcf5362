import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NOTICE_LIFETIME_MS, notify, studio } from './studioState.svelte';

describe('notices', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    studio.notices = [];
  });
  afterEach(() => vi.useRealTimers());

  it('dismiss themselves unless they are errors: information first, warnings later, errors stay until dismissed', () => {
    notify('Created a dataset.');
    notify('Storage may be evicted.', 'warning');
    notify('Import failed: x.png is not an image.', 'error');
    expect(studio.notices.map((n) => n.kind)).toEqual(['info', 'warning', 'error']);
    vi.advanceTimersByTime(NOTICE_LIFETIME_MS.info + 1);
    expect(studio.notices.map((n) => n.kind)).toEqual(['warning', 'error']);
    vi.advanceTimersByTime(NOTICE_LIFETIME_MS.warning);
    expect(studio.notices.map((n) => n.kind)).toEqual(['error']);
    vi.advanceTimersByTime(10 * 60_000);
    expect(studio.notices.map((n) => n.text)).toEqual(['Import failed: x.png is not an image.']);
  });
});
