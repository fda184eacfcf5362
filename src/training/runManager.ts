/**
 * Owns the training runs inside the compute worker: at most one trains at a time (one GPU), the
 * loop runs in the background of the worker, and every event is forwarded to the UI's listener.
 * A run this worker trains is claimed for this tab (runOwnership.ts); other tabs see it read-only.
 */
import type { KeyValueStore } from '../storage/keyValueStore';
import { deleteRun, listRuns, loadRun, readSamples, saveRun } from './runStore';
import { Trainer, validateSettings, type TrainerHooks } from './trainer';
import type { RunEvent, RunRecord, RunSettings, SampleGrid } from './runTypes';
import { newId, storageKeys } from '../storage/schema';
import { claimRun, claimTrainingSlot, RunOwnedElsewhereError, runsBeingTrained } from './runOwnership';
import type { ReleaseLock } from '../core/tabLocks';
import { checkRunName } from './runName';

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

  async list(): Promise<RunRecord[]> {
    const [records, trained] = await Promise.all([listRuns(this.store), runsBeingTrained()]);
    return records.map((r) => this.withLiveStatus(r, trained));
  }

  async get(runId: string): Promise<RunRecord> {
    const [record, trained] = await Promise.all([loadRun(this.store, runId), runsBeingTrained()]);
    return this.withLiveStatus(record, trained);
  }

  async create(settings: RunSettings): Promise<RunRecord> {
    validateSettings(settings);
    await this.ensureIdle();
    const slot = await this.claimSlot(`start "${settings.name}"`);
    const id = newId('run');
    let release: ReleaseLock = slot;
    let trainer: Trainer;
    try {
      release = both(await claimRun(id, settings.name), slot);
      trainer = await Trainer.create(this.store, id, settings, this.hooks());
    } catch (error) {
      release();
      throw error;
    }
    this.launch(trainer, release);
    return loadRun(this.store, id);
  }

  async resume(runId: string): Promise<void> {
    if (this.active?.trainer.runId === runId) return;
    // Claimed before anything changes here: a run another tab trains leaves this tab's run alone.
    const resumed = await loadRun(this.store, runId);
    refuseBuiltIn(resumed, 'trained further');
    const name = resumed.settings.name;
    let release = await claimRun(runId, name);
    let trainer: Trainer;
    try {
      await this.ensureIdle();
      // This tab's own run is paused by now, so only another tab can hold the training slot.
      release = both(release, await this.claimSlot(`resume "${name}"`));
      trainer = await Trainer.resume(this.store, runId, this.hooks());
    } catch (error) {
      release();
      throw error;
    }
    this.launch(trainer, release);
  }

  /**
   * Renames a run. The name lives in its settings; a run this tab trains is renamed in the trainer's
   * live record too, so the next checkpoint save keeps the new name.
   */
  async rename(runId: string, name: string): Promise<RunRecord> {
    const clean = checkRunName(name);
    const live = this.active?.trainer.runId === runId ? this.active.trainer.liveRecord : null;
    const record = live ?? (await loadRun(this.store, runId));
    refuseBuiltIn(record, 'renamed');
    if (!live) await this.refuseIfTrainedElsewhere(record, 'renamed');
    record.settings = { ...record.settings, name: clean };
    if (!live) record.updatedAt = Date.now();
    // The stored copy is renamed too (a live run's record is rewritten only at checkpoints).
    const stored = live ? await loadRun(this.store, runId) : record;
    stored.settings = { ...stored.settings, name: clean };
    await saveRun(this.store, stored);
    this.listeners.forEach((l) => l({ type: 'record', record: live ?? stored }));
    return live ?? stored;
  }

  /**
   * Continues a finished (or stopped, paused, interrupted) run to a new, higher step target: the
   * target is stored, then the run resumes from its newest verified checkpoint and trains on, its
   * curves and sample grids appended to the ones it has.
   */
  async continueTo(runId: string, totalSteps: number): Promise<void> {
    if (this.active?.trainer.runId === runId) throw new Error('This run is training now: pause or stop it before changing its number of steps.');
    const record = await loadRun(this.store, runId);
    refuseBuiltIn(record, 'trained further');
    await this.refuseIfTrainedElsewhere(record, 'continued');
    if (record.status === 'failed') throw new Error(`Run "${record.settings.name}" failed (${record.message ?? 'see its log'}); a failed run cannot be continued.`);
    const from = record.checkpoints.at(-1)?.step ?? 0;
    if (!Number.isInteger(totalSteps) || totalSteps <= from) {
      throw new Error(`The new number of steps must be a whole number above ${from}, the step of the run's newest checkpoint (got ${totalSteps}).`);
    }
    record.settings = { ...record.settings, totalSteps };
    // Finished runs resume like stopped ones; the record says it is no longer finished.
    if (record.status === 'finished') record.status = 'stopped';
    record.log.push({ time: Date.now(), step: record.step, level: 'info', text: `Continued to ${totalSteps} steps` });
    await saveRun(this.store, record);
    await this.resume(runId);
  }

  /**
   * Runs `work`, which rewrites a run's record (a run-file import continuing it in place), while no
   * trainer touches that run: refused while this tab trains it, and while another tab does (the
   * run's lock is held meanwhile, so neither can start). The UI hears the record as it is after.
   */
  async whileIdle<T>(runId: string, doing: string, work: () => Promise<T>): Promise<T> {
    const name = (await loadRun(this.store, runId)).settings.name;
    if (this.active?.trainer.runId === runId) throw new Error(`Run "${name}" is training now: pause or stop it before it can be ${doing}.`);
    let release: ReleaseLock;
    try {
      release = await claimRun(runId, name);
    } catch (error) {
      throw error instanceof RunOwnedElsewhereError ? new RunOwnedElsewhereError(name, doing) : error;
    }
    try {
      return await work();
    } finally {
      release();
      const record = await loadRun(this.store, runId).catch(() => null);
      if (record) this.listeners.forEach((l) => l({ type: 'record', record }));
    }
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
      await this.refuseIfTrainedElsewhere(record, 'stopped');
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
    else {
      const record = await loadRun(this.store, runId);
      refuseBuiltIn(record, 'deleted');
      await this.refuseIfTrainedElsewhere(record, 'deleted');
    }
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

  /** Trains in the background; the run stays claimed for this tab until its loop has ended. */
  private launch(trainer: Trainer, release: ReleaseLock): void {
    const done = trainer.run().finally(() => {
      trainer.dispose();
      release();
      if (this.active?.trainer === trainer) this.active = null;
    });
    this.active = { trainer, done };
  }

  private claimSlot(doing: string): Promise<ReleaseLock> {
    return claimTrainingSlot(doing, async (id) => (await loadRun(this.store, id)).settings.name);
  }

  private async ensureIdle(): Promise<void> {
    if (!this.active) return;
    // One GPU, one run: the running one is paused (with a checkpoint) before another starts.
    this.active.trainer.pause();
    await this.active.done;
  }

  /**
   * A run stored as 'running' that this worker does not train is either trained by another tab
   * (shown read-only here) or was cut off (crash, reload) and can be resumed.
   */
  private withLiveStatus(record: RunRecord, trained: Set<string>): RunRecord {
    // The run this tab trains: the trainer's live record, not the one saved at the last checkpoint.
    if (this.active?.trainer.runId === record.id) return this.active.trainer.liveRecord;
    if (record.status !== 'running') return record;
    return trained.has(record.id) ? { ...record, trainingElsewhere: true } : { ...record, status: 'interrupted' };
  }

  /** Throws when another tab trains any run (before everything is deleted, say). */
  async refuseIfAnyTrainedElsewhere(doing: string): Promise<void> {
    const elsewhere = [...(await runsBeingTrained())].filter((id) => id !== this.active?.trainer.runId);
    if (elsewhere.length === 0) return;
    const name = await loadRun(this.store, elsewhere[0]).then((r) => r.settings.name, () => elsewhere[0]);
    throw new Error(
      `Run "${name}" is training in another tab of the studio, so the studio's data cannot be ${doing} now: that tab would keep writing into it. ` +
        'Stop the run there or close that tab, then try again. Nothing was deleted.',
    );
  }

  private async refuseIfTrainedElsewhere(record: RunRecord, doing: string): Promise<void> {
    if ((await runsBeingTrained()).has(record.id)) throw new RunOwnedElsewhereError(record.settings.name, doing);
  }

  private hooks(): TrainerHooks {
    return {
      emit: (event) => this.listeners.forEach((l) => l(event)),
      replaceBackend: (reason) => this.backend.replace(reason),
      backendName: () => this.backend.name(),
    };
  }
}

/** One release for two locks. */
function both(a: ReleaseLock, b: ReleaseLock): ReleaseLock {
  return () => {
    a();
    b();
  };
}

/**
 * A built-in pretrained model (src/runfiles/builtInModels.ts) is read-only: it generates, evaluates
 * and exports, and "Delete all my data" removes it (it is installed again from the app's files), but
 * it is never deleted, renamed or trained by a single click.
 */
function refuseBuiltIn(record: RunRecord, action: string): void {
  if (!record.builtIn) return;
  throw new Error(
    `“${record.settings.name}” is a built-in model (trained on the phantoms, shipped with the studio): it cannot be ${action}. Generate from it, evaluate or export it; import the exported file to get a copy of your own.`,
  );
}
