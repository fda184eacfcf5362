/**
 * The UI's handle on the compute worker. Everything heavy (tfjs, decoding, storage of image sets)
 * happens behind this typed comlink proxy.
 */
import * as Comlink from 'comlink';
import type { ComputeApi, CancelToken, Progress } from '../compute/computeApi';

export type Compute = Comlink.Remote<ComputeApi>;

let instance: Compute | null = null;

export function compute(): Compute {
  if (!instance) {
    const worker = new Worker(new URL('../../workers/compute.worker.ts', import.meta.url), { type: 'module', name: 'compute' });
    instance = Comlink.wrap<ComputeApi>(worker);
  }
  return instance;
}

/** Wraps a callback so the worker can call it back across postMessage. */
export const callback = <T extends (...args: never[]) => unknown>(fn: T) => Comlink.proxy(fn);

/** A cancel button's state, readable by the worker between chunks of work. */
export function cancelToken(): { token: CancelToken; cancel: () => void } {
  let cancelled = false;
  return {
    token: Comlink.proxy({ isCancelled: () => cancelled }),
    cancel: () => {
      cancelled = true;
    },
  };
}

export type { Progress };
