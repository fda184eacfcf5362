/**
 * Named locks shared by every tab of the studio (the Web Locks API, which works in workers too):
 * a lock held by a tab's compute worker is visible to all the others, and the browser releases it
 * when that tab closes or crashes. The studio uses them to say "this tab is writing that": a
 * dataset save in progress, a run being trained. Where there is no navigator.locks (Node: the
 * tests and command-line tools), an in-process table stands in, which is exact for one process.
 */

/** Releases a held lock; calling it twice does nothing. */
export type ReleaseLock = () => void;

interface LockSnapshot {
  held?: { name?: string }[];
}

interface WebLocks {
  request<T>(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => Promise<T>): Promise<T>;
  query(): Promise<LockSnapshot>;
}

const webLocks = (): WebLocks | null => (globalThis.navigator as { locks?: WebLocks } | undefined)?.locks ?? null;

/** Names held in this process when there are no Web Locks. */
const heldHere = new Set<string>();
/** The tail of each name's queue of waiting work in this process, when there are no Web Locks. */
const queuesHere = new Map<string, Promise<unknown>>();

/**
 * Takes `name` if no tab holds it, and keeps it until the returned function is called (or the tab
 * goes away). Resolves with null, at once, when another holder has it.
 */
export async function tryHoldLock(name: string): Promise<ReleaseLock | null> {
  const locks = webLocks();
  if (!locks) {
    if (heldHere.has(name)) return null;
    heldHere.add(name);
    return once(() => heldHere.delete(name));
  }
  return new Promise<ReleaseLock | null>((resolve, reject) => {
    locks
      .request(name, { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(null);
          return Promise.resolve();
        }
        // The lock lasts as long as this promise stays pending.
        return new Promise<void>((release) => resolve(once(release)));
      })
      .catch(reject);
  });
}

/**
 * Runs `work` while holding `name`, waiting first for any tab that holds it: work done this way
 * by several tabs runs one after another, never interleaved (start-up maintenance: schema
 * migrations and the orphan sweep). The lock is released when `work` settles.
 */
export async function withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
  const locks = webLocks();
  if (locks) return locks.request(name, {}, () => work());
  const before = queuesHere.get(name) ?? Promise.resolve();
  const result = before.catch(() => undefined).then(work);
  const tail = result.catch(() => undefined);
  queuesHere.set(name, tail);
  void tail.then(() => {
    if (queuesHere.get(name) === tail) queuesHere.delete(name);
  });
  return result;
}

/** The names under `prefix` that some tab holds right now. */
export async function heldLockNames(prefix: string): Promise<Set<string>> {
  const locks = webLocks();
  const names = locks ? ((await locks.query()).held ?? []).map((l) => l.name ?? '') : [...heldHere];
  return new Set(names.filter((n) => n.startsWith(prefix)));
}

function once(fn: () => unknown): ReleaseLock {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
