/**
 * Which tab trains. Training writes the run's record, checkpoints and grids, so two tabs training
 * one run would overwrite each other's checkpoints; and two tabs training two runs would share one
 * processor (or GPU) and each crawl. So the studio trains one run at a time on a machine, as one tab
 * does within itself (runManager.ts pauses its running run before another starts):
 * - the tab that trains a run holds a lock named after the run (others show it read-only);
 * - it also holds the one training lock, so another tab cannot start or resume any run meanwhile.
 * The browser drops both when that tab closes or crashes; only then may another tab take over.
 */
import { heldLockNames, tryHoldLock, type ReleaseLock } from '../core/tabLocks';

const RUN_LOCK_PREFIX = 'phantom-studio/run/';
const TRAINING_LOCK = 'phantom-studio/training';

export class RunOwnedElsewhereError extends Error {
  override readonly name = 'RunOwnedElsewhereError';
  constructor(runName: string, doing: string) {
    super(
      `Run "${runName}" is training in another tab of the studio, so it cannot be ${doing} here. ` +
        'Pause or stop it in that tab, or close that tab; then it can be resumed here.',
    );
  }
}

/** Another tab trains some run, so this tab may not start or resume one. */
export class TrainingElsewhereError extends Error {
  override readonly name = 'TrainingElsewhereError';
  constructor(otherRunName: string | null, doing: string) {
    super(
      `${otherRunName ? `Run "${otherRunName}"` : 'Another run'} is training in another tab of the studio. ` +
        `The studio trains one run at a time on this computer (two would share its processor and each go at half speed or less), so "${doing}" has to wait. ` +
        'Pause or stop that run in its tab, or close that tab, then try again.',
    );
  }
}

/** Takes a run for this tab; throws RunOwnedElsewhereError when another tab trains it. */
export async function claimRun(runId: string, runName: string): Promise<ReleaseLock> {
  const release = await tryHoldLock(`${RUN_LOCK_PREFIX}${runId}`);
  if (!release) throw new RunOwnedElsewhereError(runName, 'resumed');
  return release;
}

/**
 * Takes the machine's one training slot for this tab. Call it once this tab's own run is paused:
 * when another tab holds the slot, throws TrainingElsewhereError naming that tab's run.
 * `nameOf` finds a run's name from its id (the lock holds ids only).
 */
export async function claimTrainingSlot(doing: string, nameOf: (runId: string) => Promise<string | null>): Promise<ReleaseLock> {
  const release = await tryHoldLock(TRAINING_LOCK);
  if (release) return release;
  const [otherId] = await runsBeingTrained();
  throw new TrainingElsewhereError(otherId ? await nameOf(otherId).catch(() => null) : null, doing);
}

/** The ids of the runs some tab (this one included) trains right now. */
export async function runsBeingTrained(): Promise<Set<string>> {
  const names = await heldLockNames(RUN_LOCK_PREFIX);
  return new Set([...names].map((n) => n.slice(RUN_LOCK_PREFIX.length)));
}
