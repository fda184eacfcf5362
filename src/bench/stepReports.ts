/**
 * Batches a training job's timed steps into progress events, at most one per PROGRESS_EVERY_MS.
 *
 * One message per step (the page's growing log, the driver's binding and console) cost a 2-core
 * machine ~8 ms of a ~50 ms DDPM-32 step: median 56 ms with a message per step, 48 ms without, in
 * blocks of 20 steps alternating within one run. That is work PyTorch's reference loop never does,
 * and the studio's Trainer, which reads back every 10 steps, does not do either.
 */
export const PROGRESS_EVERY_MS = 500;

/** Steps timed since the last event, and the log line that names them. */
export interface StepBatch {
  text: string;
  stepMs: number[];
}

export class StepReports {
  private pending: number[] = [];
  private done = 0;

  constructor(
    private readonly total: number,
    private reportedAt: number,
  ) {}

  /** Records a step that took `ms`; returns a batch when PROGRESS_EVERY_MS has passed since the last one (`now` in ms). */
  add(ms: number, now: number): StepBatch | null {
    this.pending.push(ms);
    this.done++;
    if (now - this.reportedAt < PROGRESS_EVERY_MS) return null;
    this.reportedAt = now;
    return this.flush();
  }

  /** The steps not yet reported (null when there are none). */
  flush(): StepBatch | null {
    if (this.pending.length === 0) return null;
    const stepMs = this.pending;
    this.pending = [];
    const first = this.done - stepMs.length + 1;
    const steps = stepMs.length > 1 ? `steps ${first}–${this.done}` : `step ${this.done}`;
    return { text: `${steps}/${this.total}: ${stepMs.map((ms) => ms.toFixed(0)).join(' ')} ms`, stepMs };
  }
}
