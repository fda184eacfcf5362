/** The training domain as the worker exposes it: one run trains at a time; events stream to subscribers. */
import type { RunManager } from './runManager';
import type { RunEvent, RunRecord, RunSettings, SampleGrid } from './runTypes';

export interface RunsApi {
  /** Every later run event (progress, metrics, samples, status) reaches the listener. */
  subscribe(listener: (event: RunEvent) => void): Promise<void>;
  list(): Promise<RunRecord[]>;
  get(runId: string): Promise<RunRecord>;
  /** Creates a run (step-0 checkpoint and samples) and starts training it in the background. */
  create(settings: RunSettings): Promise<RunRecord>;
  /** Continues a paused, stopped or interrupted run from its newest verified checkpoint. */
  resume(runId: string): Promise<void>;
  /** Renames a run (stored at once; a run training in this tab keeps the new name). */
  rename(runId: string, name: string): Promise<RunRecord>;
  /** Continues a finished, stopped or paused run from its newest checkpoint until it reaches `totalSteps`. */
  continueTo(runId: string, totalSteps: number): Promise<void>;
  pause(runId: string): Promise<RunRecord>;
  stop(runId: string): Promise<RunRecord>;
  remove(runId: string): Promise<void>;
  readSampleGrid(runId: string, step: number): Promise<SampleGrid | null>;
}

/** `ready` resolves once a compute backend is running: training waits for it, reading does not. */
export function createRunsApi(runs: RunManager, ready: () => Promise<unknown>): RunsApi {
  return {
    subscribe: async (listener) => runs.subscribe(listener),
    list: () => runs.list(),
    get: (runId) => runs.get(runId),
    create: async (settings) => (await ready(), runs.create(settings)),
    resume: async (runId) => (await ready(), runs.resume(runId)),
    rename: (runId, name) => runs.rename(runId, name),
    continueTo: async (runId, totalSteps) => (await ready(), runs.continueTo(runId, totalSteps)),
    pause: (runId) => runs.pause(runId),
    stop: (runId) => runs.stop(runId),
    remove: (runId) => runs.remove(runId),
    readSampleGrid: (runId, step) => runs.readSamples(runId, step),
  };
}
