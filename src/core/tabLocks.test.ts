import { describe, expect, it } from 'vitest';
import { tryHoldLock, withLock } from './tabLocks';

// In Node there are no Web Locks: the in-process table stands in for them (see tabLocks.ts).
describe('withLock: work under one name runs one at a time', () => {
  it('a second caller waits until the first one has finished, in call order', async () => {
    const log: string[] = [];
    const slow = (tag: string, ms: number) => async () => {
      log.push(`${tag} start`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${tag} end`);
      return tag;
    };
    const results = await Promise.all([withLock('maintenance', slow('a', 30)), withLock('maintenance', slow('b', 1)), withLock('other', slow('c', 1))]);
    expect(results).toEqual(['a', 'b', 'c']);
    // b never overlaps a; c (another name) does not wait for either.
    expect(log.indexOf('b start')).toBeGreaterThan(log.indexOf('a end'));
    expect(log.indexOf('c end')).toBeLessThan(log.indexOf('a end'));
  });

  it('a failure is returned to its caller and does not block the next one', async () => {
    const failed = withLock('fails', async () => {
      throw new Error('migration broke');
    });
    const next = withLock('fails', async () => 'ran');
    await expect(failed).rejects.toThrow('migration broke');
    await expect(next).resolves.toBe('ran');
  });

  it('tryHoldLock refuses a held name at once and grants it after release', async () => {
    const release = await tryHoldLock('slot');
    expect(release).not.toBeNull();
    expect(await tryHoldLock('slot')).toBeNull();
    release!();
    const again = await tryHoldLock('slot');
    expect(again).not.toBeNull();
    again!();
  });
});
