/**
 * Which tab trains a run. Training writes the run's record, checkpoints and grids, so two tabs
 * training one run would overwrite each other's checkpoints. The tab that trains a run holds a lock
 * named after it (core/tabLocks.ts) for as long as its loop runs; the browser drops the lock when
 * that tab closes or crashes, and only then may another tab resume ("take over") the run.
 */
import { heldLockNames, tryHoldLock, type ReleaseLock } from '../core/tabLocks';

const RUN_LOCK_PREFIX = 'phantom-studio/run/';

export class RunOwnedElsewhereError extends Error {
  override readonly name = 'RunOwnedElsewhereError';
  constructor(runName: string, doing: string) {
    super(
      `Run "${runName}" is training in another tab of the studio, so it cannot be ${doing} here. ` +
        'Pause or stop it in that tab, or close that tab; then it can be resumed here.',
    );
  }
}

/** Takes a run for this tab; throws RunOwnedElsewhereError when another tab trains it. */
export async function claimRun(runId: string, runName: string): Promise<ReleaseLock> {
  const release = await tryHoldLock(`${RUN_LOCK_PREFIX}${runId}`);
  if (!release) throw new RunOwnedElsewhereError(runName, 'resumed');
  return release;
}

/** The ids of the runs some tab (this one included) trains right now. */
export async function runsBeingTrained(): Promise<Set<string>> {
  const names = await heldLockNames(RUN_LOCK_PREFIX);
  return new Set([...names].map((n) => n.slice(RUN_LOCK_PREFIX.length)));
}
