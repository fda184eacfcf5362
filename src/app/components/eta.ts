/**
 * Time left, from the rate actually seen. Pure, so every case is unit-tested (eta.test.ts):
 * - a job (import, generate, evaluate…) started at `startedAt` and has done `done` of `total` items:
 *   its mean rate since it started;
 * - a training run: the recent step rate of the running session (the readbacks since it last
 *   started running, at most the last RECENT_ROWS), never the steps of an earlier session, and
 *   nothing while paused, stopped, failed or finished.
 * Null means "show nothing".
 */

/** Readbacks the training rate is taken over. */
export const RECENT_ROWS = 10;

export function jobEtaSeconds(done: number, total: number, elapsedSeconds: number): number | null {
  if (!(done > 0) || done >= total || elapsedSeconds < 0.5) return null;
  return (elapsedSeconds / done) * (total - done);
}

export interface TrainingEtaInput {
  status: string;
  step: number;
  totalSteps: number;
  /** Readbacks, oldest first: the step, when (ms since the epoch), and the trainer's ms per step. */
  rows: readonly { step: number; time: number; values: Record<string, number> }[];
  /** When the run last started running (ms since the epoch), if known: rows before it are another session's. */
  since?: number;
}

export function trainingEtaSeconds({ status, step, totalSteps, rows, since }: TrainingEtaInput): number | null {
  if (status !== 'running' || step >= totalSteps) return null;
  const session = currentSession(rows.filter((r) => since === undefined || r.time >= since)).slice(-RECENT_ROWS);
  const last = session.at(-1);
  if (!last) return null;
  const first = session[0];
  let msPerStep: number;
  if (session.length >= 2 && last.step > first.step && last.time > first.time) msPerStep = (last.time - first.time) / (last.step - first.step);
  else msPerStep = last.values.msPerStep;
  if (!(msPerStep > 0) || !Number.isFinite(msPerStep)) return null;
  return ((totalSteps - Math.max(step, last.step)) * msPerStep) / 1000;
}

/**
 * The trailing rows of one running session: going back from the newest, a gap between readbacks far
 * longer than the steps between them took (by the trainer's ms per step) is a pause or a reload.
 */
function currentSession<R extends TrainingEtaInput['rows'][number]>(rows: readonly R[]): R[] {
  let start = rows.length - 1;
  while (start > 0) {
    const r = rows[start];
    const prev = rows[start - 1];
    const expected = (r.step - prev.step) * (r.values.msPerStep ?? 0);
    if (r.step <= prev.step || r.time - prev.time > 3 * expected + 5000) break;
    start--;
  }
  return rows.slice(Math.max(0, start));
}

export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 90) return `about ${Math.max(1, Math.ceil(seconds))} s left`;
  if (seconds < 90 * 60) return `about ${Math.round(seconds / 60)} min left`;
  return `about ${(seconds / 3600).toFixed(1)} h left`;
}
