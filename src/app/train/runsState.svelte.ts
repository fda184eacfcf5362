/**
 * Training runs as the UI sees them: the list, live updates from worker events, and the sample
 * grids fetched on demand for the timeline.
 */
import type { RunEvent, RunRecord, SampleGrid } from '../../training/runTypes';
import { callback, compute } from '../computeClient';
import { notify, withErrorNotice } from '../studioState.svelte';

export const runs = $state({
  list: [] as RunRecord[],
  loaded: false,
  selectedId: null as string | null,
  /** Latest sample grid per run, pushed by the worker as training goes. */
  latestGrid: {} as Record<string, SampleGrid>,
  log: {} as Record<string, RunRecord['log']>,
});

let subscribed = false;

function upsert(record: RunRecord): void {
  const i = runs.list.findIndex((r) => r.id === record.id);
  if (i >= 0) runs.list[i] = record;
  else runs.list = [record, ...runs.list];
}

function onEvent(event: RunEvent): void {
  if (event.type === 'record') {
    upsert(event.record);
    if (event.record.status === 'failed' && event.record.message) notify(event.record.message, 'error');
  } else if (event.type === 'metrics') {
    const run = runs.list.find((r) => r.id === event.runId);
    if (run) {
      run.history.push(...event.rows);
      run.step = event.step;
    }
  } else if (event.type === 'samples') {
    runs.latestGrid[event.runId] = event.grid;
    const run = runs.list.find((r) => r.id === event.runId);
    if (run && !run.samples.some((s) => s.step === event.grid.step)) run.samples.push({ step: event.grid.step, key: '', diversity: event.diversity });
  } else if (event.type === 'log') {
    const run = runs.list.find((r) => r.id === event.runId);
    if (run && !run.log.some((l) => l.time === event.entry.time && l.text === event.entry.text)) run.log.push(event.entry);
  }
}

/** How often a tab re-reads runs that another tab trains (their events reach only that tab). */
const ELSEWHERE_REFRESH_MS = 3000;
let refreshTimer: ReturnType<typeof setTimeout> | null = null;

export async function loadRuns(): Promise<void> {
  if (!subscribed) {
    subscribed = true;
    await compute().runs.subscribe(
      callback((event: RunEvent) => {
        onEvent(event);
      }),
    );
  }
  runs.list = await compute().runs.list();
  runs.loaded = true;
  if (!runs.list.some((r) => r.id === runs.selectedId)) runs.selectedId = runs.list[0]?.id ?? null;
  // Live state of a run trained elsewhere comes from its stored record; once that tab lets go, the
  // next read shows the run interrupted or paused, resumable here.
  if (refreshTimer === null && runs.list.some((r) => r.trainingElsewhere)) {
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      void loadRuns().catch(() => undefined);
    }, ELSEWHERE_REFRESH_MS);
  }
}

export async function runAction(action: () => Promise<unknown>): Promise<void> {
  await withErrorNotice(action);
  await loadRuns();
}

export const selectedRun = () => runs.list.find((r) => r.id === runs.selectedId) ?? null;
