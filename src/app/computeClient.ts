/**
 * The UI's handle on the compute worker. Everything heavy (tfjs, decoding, storage of image sets)
 * happens behind this typed comlink proxy.
 */
import * as Comlink from 'comlink';
import type { ComputeApi } from '../compute/computeApi';
import type { CancelToken, Progress } from '../core/jobControl';

/**
 * The worker's API as the UI sees it: each domain API remote in its own right. comlink forwards a
 * nested call such as `compute().runs.list()` as one message by its property path, but its own types
 * treat a plain object property as a value to fetch, so the domains are mapped here.
 */
export type Compute = { [Domain in keyof ComputeApi]: Comlink.Remote<ComputeApi[Domain]> };

let instance: Compute | null = null;

export function compute(): Compute {
  if (!instance) {
    const worker = new Worker(new URL('../../workers/compute.worker.ts', import.meta.url), { type: 'module', name: 'compute' });
    instance = Comlink.wrap<ComputeApi>(worker) as unknown as Compute;
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
