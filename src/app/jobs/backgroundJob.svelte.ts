/**
 * One long job of the UI (a generation, an import, an evaluation, an export): its progress for
 * the progress bar, its Cancel, and how it ends. Every stage runs its long work through `run`, so
 * each one shows progress, can be cancelled, and reports a failure or a cancellation the same way.
 */
import { callback, cancelToken } from '../computeClient';
import { notify, notifyError, refreshStorage } from '../studioState.svelte';
import { isCancelledError, type CancelToken, type Progress, type ProgressCallback } from '../../core/jobControl';

export interface JobText {
  /** What the job does, as the start of a sentence: "Evaluation", "Import", "Export". */
  what: string;
  /** The first progress label and total, shown until the worker reports. */
  total: number;
  label?: string;
  /** Said when the user cancels; by default "<what> cancelled; nothing was stored." */
  cancelled?: string;
}

export class BackgroundJob {
  progress = $state<Progress | null>(null);
  startedAt = $state(0);
  #cancel: (() => void) | null = null;

  get running(): boolean {
    return this.progress !== null;
  }

  /** Asks the worker to stop at its next check; the job then ends as cancelled. */
  cancel = (): void => {
    this.#cancel?.();
  };

  /**
   * Runs `work` with a progress callback and a cancel token the worker can use. Resolves with its
   * result, or with null after telling the user that it was cancelled or why it failed.
   */
  async run<T>(text: JobText, work: (onProgress: ProgressCallback, cancel: CancelToken) => Promise<T>): Promise<T | null> {
    if (this.running) return null;
    const { token, cancel } = cancelToken();
    this.#cancel = cancel;
    this.startedAt = performance.now();
    this.progress = { done: 0, total: text.total, label: text.label ?? 'Starting' };
    try {
      return await work(
        callback((p: Progress) => {
          this.progress = p;
        }),
        token,
      );
    } catch (error) {
      if (isCancelledError(error)) notify(text.cancelled ?? `${text.what} cancelled; nothing was stored.`, 'info');
      else notifyError(`${text.what} failed`, error);
      return null;
    } finally {
      this.progress = null;
      this.#cancel = null;
      await refreshStorage();
    }
  }

  /** Lets the page show progress of its own (e.g. while it hands files over) before the worker reports. */
  report(progress: Progress): void {
    this.progress = progress;
  }
}
