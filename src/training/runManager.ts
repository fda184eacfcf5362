/**
 * Owns the training runs inside the compute worker: at most one trains at a time (one GPU), the
 * loop runs in the background of the worker, and every event is forwarded to the UI's listener.
 */
import type { KeyValueStore } from '../storage/keyValueStore';
import { deleteRun, listRuns, loadRun, readSamples, saveRun } from './runStore';
import { Trainer, validateSettings, type TrainerHooks } from './trainer';
import type { RunEvent, RunRecord, RunSettings, SampleGrid } from './runTypes';
import { newId, storageKeys } from '../storage/schema';

export interface RunBackend {
  name(): string;
  /** Replaces a failed backend; resolves with the new backend's name. */
  replace(reason: string): Promise<string>;
}

export class RunManager {
  private active: { trainer: Trainer; done: Promise<RunRecord> } | null = null;
  private listeners = new Set<(event: RunEvent) => void>();

  constructor(
    private readonly store: KeyValueStore,
    private readonly backend: RunBackend,
  ) {}

  subscribe(listener: (event: RunEvent) => void): void {
    this.listeners.add(listener);
  }

  /** Runs stored as 'running' but not training in this worker were cut off (crash, reload). */
  async list(): Promise<RunRecord[]> {
    return (await listRuns(this.store)).map((r) => this.withLiveStatus(r));
  }

  async get(runId: string): Promise<RunRecord> {
    return this.withLiveStatus(await loadRun(this.store, runId));
  }

  async create(settings: RunSettings): Promise<RunRecord> {
    validateSettings(settings);
    await this.ensureIdle();
    const id = newId('run');
    const trainer = await Trainer.create(this.store, id, settings, this.hooks());
    this.launch(trainer);
    return loadRun(this.store, id);
  }

  async resume(runId: string): Promise<void> {
    if (this.active?.trainer.runId === runId) return;
    await this.ensureIdle();
    const trainer = await Trainer.resume(this.store, runId, this.hooks());
    this.launch(trainer);
  }

  /** Pauses (checkpoint written) and resolves once the loop has stopped. */
  async pause(runId: string): Promise<RunRecord> {
    if (this.active?.trainer.runId !== runId) return this.get(runId);
    this.active.trainer.pause();
    return this.active.done;
  }

  async stop(runId: string): Promise<RunRecord> {
    if (this.active?.trainer.runId !== runId) {
      const record = await loadRun(this.store, runId);
      if (record.status === 'running' || record.status === 'paused' || record.status === 'interrupted') {
        record.status = 'stopped';
        await saveRun(this.store, record);
      }
      return record;
    }
    this.active.trainer.stop();
    return this.active.done;
  }

  async remove(runId: string): Promise<void> {
    if (this.active?.trainer.runId === runId) await this.stop(runId);
    await deleteRun(this.store, runId);
  }

  readSamples(runId: string, step: number): Promise<SampleGrid | null> {
    return readSamples(this.store, { step, key: storageKeys.sampleGrid(runId, step) });
  }

  /** Stops whatever is training (before everything is deleted, say). */
  async stopActive(): Promise<void> {
    if (!this.active) return;
    this.active.trainer.stop();
    await this.active.done;
  }

  private launch(trainer: Trainer): void {
    const done = trainer.run().finally(() => {
      trainer.dispose();
      if (this.active?.trainer === trainer) this.active = null;
    });
    this.active = { trainer, done };
  }

  private async ensureIdle(): Promise<void> {
    if (!this.active) return;
    // One GPU, one run: the running one is paused (with a checkpoint) before another starts.
    this.active.trainer.pause();
    await this.active.done;
  }

  private withLiveStatus(record: RunRecord): RunRecord {
    if (record.status === 'running' && this.active?.trainer.runId !== record.id) return { ...record, status: 'interrupted' };
    return record;
  }

  private hooks(): TrainerHooks {
    return {
      emit: (event) => this.listeners.forEach((l) => l(event)),
      replaceBackend: (reason) => this.backend.replace(reason),
      backendName: () => this.backend.name(),
    };
  }
}
