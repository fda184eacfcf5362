/**
 * The Evaluate stage's work on every core. Radiomics of a large image set: the images are cut
 * into chunks that a small pool of workers takes one at a time (a worker that finishes early
 * takes the next chunk, so a core shared with other work simply does fewer chunks); each image's
 * features depend on that image alone, so the pooled matrix is the single-threaded one, value
 * for value. KID and PRDC: their pairwise scans split by rows across the same workers
 * (metrics/distribution/pairScans.ts), with FRD computed on this thread meanwhile; the merged
 * results equal the single-threaded ones exactly.
 *
 * In the browser the workers are module workers started from the compute worker (nested
 * dedicated workers); under Node, worker_threads (nodeFeatureWorkers.ts) or no workers at all.
 * Without workers, or when every worker has failed, the work runs here, with the same progress
 * and cancellation.
 */
import { CancelledError, type CancelToken } from '../core/jobControl';
import { errorMessage } from '../core/errorMessage';
import { checkedPairScanSetup, frechetDistance, type DistributionMetrics, type DistributionOptions, type FrechetResult, type KidResult, type PrdcResult } from '../metrics/distribution/index';
import { finishPairScans, kidAndPrdcScans, mergeWithin, splitRows, type PairScanSetup } from '../metrics/distribution/pairScans';
import { checkRadiomicsInput, radiomicsFeatureNames, type RadiomicsOptions, type RadiomicsResult } from '../metrics/radiomics/features';
import type { FeatureMatrix } from '../metrics/types';
import { runFeatureTask, taskTransfer, type FeatureReply, type FeatureTask } from './featureTask';

/** One worker, one task at a time. */
export interface FeatureWorker {
  /** Resolves with the worker's reply; rejects when the worker itself fails (not the task). */
  run(task: FeatureTask): Promise<FeatureReply>;
  terminate(): void;
}

export interface FeaturePoolOptions {
  /** Workers to start (0: run every chunk on this thread). Default: defaultWorkerCount(). */
  workers?: number;
  /** Images per chunk. */
  chunkSize?: number;
  /** Starts one worker; default: a browser module worker, where the runtime has Worker. */
  createWorker?: () => FeatureWorker;
}

export interface ExtractionControl {
  /** Images done so far, after every chunk. */
  onProgress?: (done: number, total: number) => void;
  /** Polled before each chunk; a cancelled extraction rejects with CancelledError once its running chunks return. */
  cancel?: CancelToken;
}

/** More workers than this buy little for a 5,000-image set and each costs its own heap. */
export const MAX_FEATURE_WORKERS = 8;
/** ~0.25 s of work per chunk at 64 px: fine-grained enough to balance two busy cores and to cancel promptly. */
export const DEFAULT_CHUNK_SIZE = 64;

/** One worker per logical core, capped; 0 where the runtime cannot start workers. */
export function defaultWorkerCount(): number {
  if (typeof Worker === 'undefined') return 0;
  const cores = typeof navigator !== 'undefined' && navigator.hardwareConcurrency > 0 ? navigator.hardwareConcurrency : 2;
  return Math.min(MAX_FEATURE_WORKERS, cores);
}

/** A module worker running workers/features.worker.ts. */
export function browserFeatureWorker(): FeatureWorker {
  const worker = new Worker(new URL('../../workers/features.worker.ts', import.meta.url), { type: 'module', name: 'features' });
  return {
    run: (task) =>
      new Promise<FeatureReply>((resolve, reject) => {
        worker.onmessage = (event: MessageEvent<FeatureReply>) => resolve(event.data);
        worker.onerror = (event: ErrorEvent) => {
          event.preventDefault();
          reject(new Error(`feature worker failed: ${event.message || 'it could not be loaded'}`));
        };
        worker.onmessageerror = () => reject(new Error('feature worker: a reply could not be read'));
        worker.postMessage(task, taskTransfer(task));
      }),
    terminate: () => worker.terminate(),
  };
}

export class FeaturePool {
  private readonly workers: FeatureWorker[];
  private readonly chunkSize: number;
  private disposed = false;

  constructor(options: FeaturePoolOptions = {}) {
    const count = options.workers ?? defaultWorkerCount();
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`featurePool.ts: workers must be a non-negative integer, got ${count}`);
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`featurePool.ts: chunkSize must be a positive integer, got ${chunkSize}`);
    const create = options.createWorker ?? browserFeatureWorker;
    this.workers = Array.from({ length: count }, () => create());
    this.chunkSize = chunkSize;
  }

  /** Workers still in use (a worker that failed is dropped). */
  get size(): number {
    return this.workers.length;
  }

  /** radiomicsFeatures(images, size, options), computed chunk by chunk across the pool. */
  async radiomics(images: Uint8Array | Float32Array | Float64Array, size: number, options: RadiomicsOptions = {}, control: ExtractionControl = {}): Promise<RadiomicsResult> {
    if (this.disposed) throw new Error('featurePool.ts: the pool was disposed');
    const count = checkRadiomicsInput(images.length, size, options);
    const names = radiomicsFeatureNames(options);
    const dims = names.length;
    const out = new Float64Array(count * dims);
    const pixels = size * size;
    const chunks: { start: number; end: number }[] = [];
    for (let start = 0; start < count; start += this.chunkSize) chunks.push({ start, end: Math.min(count, start + this.chunkSize) });

    let next = 0;
    let done = 0;
    let stopped: unknown = null;
    const requeued: number[] = [];
    const take = (): number | undefined => (stopped !== null ? undefined : requeued.length > 0 ? requeued.pop() : next < chunks.length ? next++ : undefined);
    const task = (c: number, forWorker: boolean): FeatureTask => {
      const [from, to] = [chunks[c].start * pixels, chunks[c].end * pixels];
      // A worker gets a copy, whose buffer is transferred: the caller's images stay usable.
      return { kind: 'radiomics', id: c, images: forWorker ? images.slice(from, to) : images.subarray(from, to), size, options };
    };
    const file = (c: number, reply: FeatureReply): void => {
      if (reply.kind === 'failed') throw new Error(reply.message);
      const rows = chunks[c].end - chunks[c].start;
      if (reply.kind !== 'features' || reply.id !== c || reply.rows !== rows || reply.cols !== dims) {
        throw new Error(`featurePool.ts: chunk ${c} came back as ${describeReply(reply)}, expected ${rows}x${dims} features of chunk ${c}`);
      }
      out.set(reply.data, chunks[c].start * dims);
      done += rows;
      control.onProgress?.(done, count);
    };
    const cancelled = async () => (control.cancel ? await control.cancel.isCancelled() : false);

    const drive = async (worker: FeatureWorker | null): Promise<void> => {
      for (;;) {
        if (stopped === null && (await cancelled())) stopped = new CancelledError('Feature extraction');
        const c = take();
        if (c === undefined) return;
        let reply: FeatureReply;
        try {
          if (worker) reply = await worker.run(task(c, true));
          else {
            reply = runFeatureTask(task(c, false));
            // Let the progress message and a cancel request through between chunks.
            await new Promise((resolve) => setTimeout(resolve, 0));
          }
        } catch (error) {
          // The worker itself failed (it could not load, or crashed): its chunk goes back to the
          // queue and the others, or this thread, carry on without it.
          requeued.push(c);
          this.drop(worker!);
          console.warn(errorMessage(error));
          return;
        }
        try {
          file(c, reply);
        } catch (error) {
          stopped ??= error;
        }
      }
    };

    const drivers = this.workers.map((w) => drive(w));
    await Promise.all(drivers);
    // Chunks left by failed workers (or every chunk, without workers) run here.
    if (stopped === null && done < count) await drive(null);
    if (stopped !== null) throw stopped;
    return { features: { data: out, rows: count, cols: dims }, names };
  }

  /**
   * kidAndPrdc(real, fake, options) with its pairwise scans split by rows across the workers;
   * the merged result equals the single-threaded one exactly (pairScans.ts). With fewer than two
   * workers, or when a worker fails, the scans run on this thread.
   */
  async kidAndPrdc(real: FeatureMatrix, fake: FeatureMatrix, options: DistributionOptions = {}, control: Pick<ExtractionControl, 'cancel'> = {}): Promise<{ kid: KidResult; prdc: PrdcResult }> {
    if (this.disposed) throw new Error('featurePool.ts: the pool was disposed');
    return this.pairScans(checkedPairScanSetup(real, fake, options), control, () => undefined);
  }

  /**
   * evaluateDistributions(real, fake, options) with the pairwise scans on the workers and the
   * Fréchet distance computed here while they run. Same values as evaluateDistributions.
   */
  async evaluateDistributions(real: FeatureMatrix, fake: FeatureMatrix, options: DistributionOptions = {}, control: Pick<ExtractionControl, 'cancel'> = {}): Promise<DistributionMetrics> {
    if (this.disposed) throw new Error('featurePool.ts: the pool was disposed');
    const setup = checkedPairScanSetup(real, fake, options);
    let frechet: FrechetResult | null = null;
    const { kid, prdc } = await this.pairScans(setup, control, () => (frechet = frechetDistance(real, fake)));
    const f = frechet as FrechetResult | null;
    if (!f) throw new Error('featurePool.ts: the Fréchet distance was not computed');
    return { frechet: f, kid, prdc, n: { real: real.rows, fake: fake.rows }, warnings: [...new Set([...f.warnings, ...kid.warnings, ...prdc.warnings])] };
  }

  /** Both scan phases on the workers; `meanwhile` runs on this thread once phase 1 is posted. */
  private async pairScans(setup: PairScanSetup, control: Pick<ExtractionControl, 'cancel'>, meanwhile: () => void): Promise<{ kid: KidResult; prdc: PrdcResult }> {
    const workers = [...this.workers];
    if (workers.length < 2) {
      meanwhile();
      return kidAndPrdcScans(setup);
    }
    const checkCancel = async () => {
      if (control.cancel && (await control.cancel.isCancelled())) throw new CancelledError('Distance computation');
    };
    const none = { start: 0, end: 0 };
    // Every task of a phase is awaited, failed or not, so no reply arrives after the pool moved on.
    const phase = async (tasks: FeatureTask[]): Promise<FeatureReply[]> => {
      const settled = await Promise.allSettled(tasks.map((task, i) => workers[i].run(task)));
      settled.forEach((s, i) => s.status === 'rejected' && this.drop(workers[i]));
      const failure = settled.find((s) => s.status === 'rejected');
      if (failure) throw failure.reason;
      return settled.map((s) => (s as PromiseFulfilledResult<FeatureReply>).value);
    };
    let meanwhileDone = false;
    let meanwhileError: unknown = null;
    try {
      await checkCancel();
      const realWithin = splitRows(setup.real.rows, workers.length, true);
      const fakeWithin = splitRows(setup.fake.rows, workers.length, true);
      const running = phase(workers.map((_, id) => ({ kind: 'within', id, setup, realRows: realWithin[id] ?? none, fakeRows: fakeWithin[id] ?? none })));
      meanwhileDone = true;
      try {
        meanwhile();
      } catch (error) {
        meanwhileError = error;
      }
      // The workers are waited for even when `meanwhile` failed, so none is left mid-task.
      const withinReplies = await running;
      if (meanwhileError !== null) throw meanwhileError;
      const within = mergeWithin(setup, withinReplies.map((reply, id) => expectReply(reply, 'within', id).partial));
      await checkCancel();
      const ranges = splitRows(setup.real.rows, workers.length, false);
      const input = { realRadii: within.realRadii, fakeRadii: within.fakeRadii };
      const crossReplies = await phase(ranges.map((realRows, id) => ({ kind: 'cross', id, setup, input, realRows })));
      return finishPairScans(setup, within, crossReplies.map((reply, id) => expectReply(reply, 'cross', id).partial), ranges);
    } catch (error) {
      if (error instanceof CancelledError || (meanwhileError !== null && error === meanwhileError)) throw error;
      // A worker failed: the scans are redone here rather than pieced together.
      console.warn(`featurePool.ts: pairwise scans on workers failed (${errorMessage(error)}); computing them on this thread`);
      if (!meanwhileDone) meanwhile();
      return kidAndPrdcScans(setup);
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.workers.splice(0)) w.terminate();
  }

  /** Drops a worker that failed (it is not given further work). */
  private drop(worker: FeatureWorker): void {
    const i = this.workers.indexOf(worker);
    if (i >= 0) this.workers.splice(i, 1);
    worker.terminate();
  }
}

/** evaluateDistributions on a pool started for this one comparison and closed after it. */
export async function distributionsOnWorkers(real: FeatureMatrix, fake: FeatureMatrix, options: DistributionOptions = {}, control: Pick<ExtractionControl, 'cancel'> = {}): Promise<DistributionMetrics> {
  const pool = new FeaturePool();
  try {
    return await pool.evaluateDistributions(real, fake, options, control);
  } finally {
    pool.dispose();
  }
}

function describeReply(reply: FeatureReply): string {
  return reply.kind === 'features' ? `${reply.rows}x${reply.cols} features of chunk ${reply.id}` : `a '${reply.kind}' reply to task ${reply.id}`;
}

function expectReply<K extends 'within' | 'cross'>(reply: FeatureReply, kind: K, id: number): Extract<FeatureReply, { kind: K }> {
  if (reply.kind === 'failed') throw new Error(reply.message);
  if (reply.kind !== kind || reply.id !== id) throw new Error(`featurePool.ts: expected the '${kind}' reply to task ${id}, got ${describeReply(reply)}`);
  return reply as Extract<FeatureReply, { kind: K }>;
}
