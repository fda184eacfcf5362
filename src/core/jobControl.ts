/**
 * Job control shared by every domain: how long work reports progress, how it learns that the user
 * pressed Cancel, and the error it ends with when they did. It is a leaf (it imports nothing), so
 * importers, training, evaluation, generation, augment and the worker API can all use it without an
 * arrow running back up into the compute layer.
 */

export interface Progress {
  done: number;
  total: number;
  /** Free text for the progress bar, e.g. "Generating phantoms". */
  label: string;
  /** Optional rate or other detail, e.g. "140 files/s". */
  detail?: string;
}
export type ProgressCallback = (progress: Progress) => void;

/** AbortSignal cannot cross postMessage; the UI passes a proxied token the worker polls instead. */
export interface CancelToken {
  isCancelled(): boolean | Promise<boolean>;
}

export const CANCELLED_ERROR_NAME = 'CancelledError';

export class CancelledError extends Error {
  override readonly name = CANCELLED_ERROR_NAME;
  constructor(what: string) {
    super(`${what} was cancelled`);
  }
}

/**
 * True for a cancellation, on either side of the worker boundary. comlink rebuilds a thrown error
 * as a plain Error that keeps its name, so the name is the test (never the message's wording).
 */
export function isCancelledError(error: unknown): boolean {
  return error instanceof CancelledError || (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === CANCELLED_ERROR_NAME);
}

/** Throws CancelledError when the token says so; the one place work checks a cancel request. */
export async function throwIfCancelled(cancel: CancelToken | undefined, what: string): Promise<void> {
  if (cancel && (await cancel.isCancelled())) throw new CancelledError(what);
}
