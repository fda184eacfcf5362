/**
 * The training loop of one run, inside the compute worker. It never blocks on the device: each
 * step's metrics stay on the device until a batched asynchronous readback every N steps. It
 * survives what goes wrong in a browser:
 *   - pause and reload: checkpoints every N steps and on pause; a run resumes from its newest
 *     checkpoint whose checksum verifies, with its curves and sample grids;
 *   - non-finite losses or weights: roll back to the last good checkpoint, halve the learning rate,
 *     log it, continue; stop with a clear message when it keeps happening;
 *   - a lost device or a missing kernel: the backend manager falls back, the model is rebuilt
 *     from the last checkpoint on the new backend;
 *   - out of memory: stop cleanly and suggest a smaller batch or resolution.
 */
import * as tf from '@tensorflow/tfjs';
import { configForDataset, createModel } from '../../models';
import type { GenerativeModel, ModelConfig } from '../../models/types';
import { isQuotaError, StorageFullError, type KeyValueStore } from '../storage/keyValueStore';
import { TrainingData } from './trainingData';
import { openRunModel, type OpenedRunModel } from './openCheckpoint';
import { loadRun, saveRun, writeCheckpoint, writeSamples } from './runStore';
import type { CheckpointQuality, LogEntry, MetricRow, RunEvent, RunRecord, RunSettings } from './runTypes';
import { errorMessage } from '../core/errorMessage';
import type { FeatureMatrix } from '../metrics/types';
import { describeCollapse } from './collapse';
import { QUALITY_METRIC, type TileSet } from './quality';
import { describeTooFewHeldOut, heldOutFeatures, measureCheckpointQuality } from './checkpointQuality';
import { diversityOf, drawSampleGrid, realTilesFor } from './sampleGrid';

export interface TrainerHooks {
  emit(event: RunEvent): void;
  /** The backend failed under us; resolves with the name of the backend now active. */
  replaceBackend(reason: string): Promise<string>;
  backendName(): string;
}

/** Divergences tolerated in one run before training stops for good. */
export const MAX_ROLLBACKS = 3;
const MAX_LOG = 500;
const MAX_HISTORY = 4000;

/** Metrics whose NaN means the run diverged (other metrics may be NaN when not measured). */
const DIVERGENCE_METRICS = /^(loss|lossD|lossG|gp|wasserstein|recon|kl|mse)$/;
const OUT_OF_MEMORY = /out of memory|\bOOM\b|allocation failed|Memory\.grow|exceeds the max|texture size|could not allocate/i;
const BACKEND_FAILURE = /device (was |is )?lost|context (was )?lost|Kernel '[^']+' not registered|GPUDevice|WebGL.*(lost|error)|backend .* (failed|not found)/i;

/** The metric that ranks checkpoints as "best" (lower is better), per model kind. */
export function scoreMetricFor(config: ModelConfig): string {
  switch (config.kind) {
    case 'vae':
    case 'ddpm':
      return 'loss';
    case 'dcgan':
      return 'lossG';
    default:
      return 'absWasserstein';
  }
}

/** Yields to the worker's event loop so pause/stop messages are handled between steps. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export class Trainer {
  private request: 'run' | 'pause' | 'stop' = 'run';
  private pending: tf.Tensor1D[] = [];
  private lastReadback = { step: 0, time: 0 };
  private smoothedScore = NaN;
  /** Real training images laid out like the sample grid (its diversity reference), made once. */
  private realGrid: TileSet | null = null;
  /** Radiomics features of held-out real images for the checkpoint quality; null when there are none. */
  private heldOut: Promise<FeatureMatrix | null> | null = null;
  private collapseWarned = false;

  private constructor(
    private readonly store: KeyValueStore,
    private record: RunRecord,
    private model: GenerativeModel,
    private readonly data: TrainingData,
    private readonly hooks: TrainerHooks,
  ) {}

  get runId(): string {
    return this.record.id;
  }

  /** The run as it is now: its step and every readback so far (the stored record is only rewritten at checkpoints). */
  get liveRecord(): RunRecord {
    return this.record;
  }

  static async create(store: KeyValueStore, id: string, settings: RunSettings, hooks: TrainerHooks): Promise<Trainer> {
    validateSettings(settings);
    const data = await TrainingData.load(store, settings.datasetId);
    const { meta } = data;
    // A run's settings ask for conditioning with any positive numClasses; the count is the dataset's.
    const config = configForDataset(settings.model, (settings.model.numClasses ?? 0) > 0, meta);
    const model = createModel(config);
    const now = Date.now();
    const record: RunRecord = {
      id,
      settings,
      config,
      scoreMetric: scoreMetricFor(config),
      status: 'paused',
      step: 0,
      createdAt: now,
      updatedAt: now,
      history: [],
      samples: [],
      checkpoints: [],
      best: null,
      log: [],
      rollbacks: 0,
      classNames: meta.classNames,
      resolution: meta.width,
      channels: meta.channels,
      backend: hooks.backendName(),
    };
    const trainer = new Trainer(store, record, model, data, hooks);
    trainer.log('info', `Created ${config.kind} at ${config.resolution} px on ${meta.name} (${data.count} training images), backend ${hooks.backendName()}`);
    // A step-0 checkpoint means there is always a good state to roll back to.
    await trainer.checkpoint();
    await trainer.sample();
    return trainer;
  }

  /** Reopens a stored run at its newest verified checkpoint; curves and grids after it are dropped. */
  static async resume(store: KeyValueStore, id: string, hooks: TrainerHooks): Promise<Trainer> {
    const stored = await loadRun(store, id);
    const data = await TrainingData.load(store, stored.settings.datasetId);
    const skipped: string[] = [];
    const { model, config, step } = await openRunModel(store, stored, 'latest', { onSkip: (ref, reason) => skipped.push(`step ${ref.step}: ${reason}`) });
    const record = truncateAfter({ ...stored, config, backend: hooks.backendName() }, step);
    const trainer = new Trainer(store, record, model, data, hooks);
    for (const s of skipped) trainer.log('warning', `Skipped checkpoint ${s}`);
    trainer.log('info', `Resumed at step ${step} on ${hooks.backendName()}`);
    await saveRun(store, trainer.record);
    return trainer;
  }

  pause(): void {
    if (this.request === 'run') this.request = 'pause';
  }

  stop(): void {
    this.request = 'stop';
  }

  /** Trains until finished, paused, stopped or failed; returns the final record. */
  async run(): Promise<RunRecord> {
    const { settings } = this.record;
    this.request = 'run';
    // A message of an earlier pause (storage full) no longer applies once the run trains again.
    delete this.record.message;
    this.setStatus('running');
    await saveRun(this.store, this.record);
    this.lastReadback = { step: this.model.step, time: performance.now() };
    try {
      while (this.request === 'run' && this.model.step < settings.totalSteps) {
        try {
          await this.step();
        } catch (error) {
          if (!(await this.recover(error))) return this.record;
        }
      }
      await this.flush();
      const finished = this.model.step >= settings.totalSteps;
      if (this.model.step !== this.record.checkpoints.at(-1)?.step) await this.checkpoint();
      // The grid shown for a paused or stopped run is the model it stopped with, like its checkpoint.
      if (this.record.samples.at(-1)?.step !== this.model.step) await this.sample();
      this.setStatus(finished ? 'finished' : this.stopRequested() ? 'stopped' : 'paused');
      this.log('info', `${this.record.status[0].toUpperCase()}${this.record.status.slice(1)} at step ${this.model.step}`);
    } catch (error) {
      if (error instanceof StorageFullError || isQuotaError(error)) this.pauseForStorage(error);
      else this.fail(errorMessage(error));
    }
    await saveRun(this.store, this.record).catch(() => undefined);
    this.emitRecord();
    return this.record;
  }

  private stopRequested(): boolean {
    return this.request === 'stop';
  }

  dispose(): void {
    this.pending.forEach((t) => t.dispose());
    this.pending = [];
    this.model.dispose();
  }

  private async step(): Promise<void> {
    const { settings, config } = this.record;
    const { images, labels } = this.data.batch(this.model.step, config.batchSize, settings.seed, config.numClasses > 0);
    try {
      this.pending.push(this.model.trainStep(images, labels).metrics);
    } finally {
      images.dispose();
      labels?.dispose();
    }
    const step = this.model.step;
    const due = (every: number) => every > 0 && step % every === 0;
    if (due(settings.readbackEvery) || due(settings.sampleEvery) || due(settings.checkpointEvery)) {
      const finite = await this.flush();
      if (!finite) return this.rollback('non-finite loss');
    }
    if (due(settings.sampleEvery)) await this.sample();
    if (due(settings.checkpointEvery)) await this.checkpoint();
    await yieldToEventLoop();
  }

  /** Reads back pending metrics in one download. Returns false when any value is not finite. */
  private async flush(): Promise<boolean> {
    if (this.pending.length === 0) return true;
    const stacked = tf.stack(this.pending) as tf.Tensor2D;
    this.pending.forEach((t) => t.dispose());
    const steps = this.pending.length;
    this.pending = [];
    const values = await stacked.data();
    stacked.dispose();
    const names = this.model.metricNames;
    // A model may report NaN for a metric it did not measure on a step (WGAN-GP's G gradient norm on
    // critic-only steps): those are averaged out. A non-finite loss, or any infinity, is divergence.
    for (let i = 0; i < values.length; i++) {
      const name = names[i % names.length];
      if (values[i] === Infinity || values[i] === -Infinity || (Number.isNaN(values[i]) && DIVERGENCE_METRICS.test(name))) return false;
    }
    const row: MetricRow = { step: this.model.step, time: Date.now(), values: {} };
    names.forEach((name, j) => {
      let sum = 0;
      let measured = 0;
      for (let i = 0; i < steps; i++) {
        const v = values[i * names.length + j];
        if (Number.isFinite(v)) {
          sum += v;
          measured++;
        }
      }
      if (measured > 0) row.values[name] = sum / measured;
    });
    if ('wasserstein' in row.values) row.values.absWasserstein = Math.abs(row.values.wasserstein);
    const now = performance.now();
    const elapsed = (now - this.lastReadback.time) / 1000;
    const imagesDone = (this.model.step - this.lastReadback.step) * this.record.config.batchSize;
    row.values.imagesPerSecond = elapsed > 0 ? imagesDone / elapsed : 0;
    row.values.msPerStep = steps > 0 ? (elapsed * 1000) / Math.max(1, this.model.step - this.lastReadback.step) : 0;
    row.values.learningRate = this.record.config.adam.learningRate;
    this.lastReadback = { step: this.model.step, time: now };
    const score = row.values[this.record.scoreMetric];
    if (Number.isFinite(score)) this.smoothedScore = Number.isFinite(this.smoothedScore) ? 0.8 * this.smoothedScore + 0.2 * score : score;
    this.record.history.push(row);
    if (this.record.history.length > MAX_HISTORY) this.record.history = thin(this.record.history);
    this.record.step = this.model.step;
    this.hooks.emit({ type: 'metrics', runId: this.record.id, rows: [row], step: this.model.step });
    return true;
  }

  private async checkpoint(): Promise<void> {
    const state = await this.model.exportState();
    for (const t of state.tensors) {
      if (!t.data.every(Number.isFinite)) return this.rollback(`non-finite weights in ${t.name}`);
    }
    this.record.step = state.step;
    // An untrained model is never the best, and measuring it would hold up creating the run.
    const quality = state.step > 0 ? await this.measureQuality() : undefined;
    if (quality) {
      const row = this.record.history.findLast((r) => r.step === state.step);
      if (row) row.values[QUALITY_METRIC] = quality.value;
    }
    this.record = await writeCheckpoint(this.store, this.record, state, this.smoothedScore, this.record.settings.keepCheckpoints, quality);
    this.emitRecord();
  }

  /**
   * KID of QUALITY_SAMPLES images generated from fixed noise against as many held-out real images
   * (training/quality.ts): what ranks the "best" checkpoint. Undefined when it cannot be measured.
   */
  private async measureQuality(): Promise<CheckpointQuality | undefined> {
    try {
      const real = await this.heldOutFeatures();
      if (!real) return undefined;
      const quality = await measureCheckpointQuality(this.model, this.record, real);
      if (quality && this.record.checkpoints.every((c) => !c.quality)) this.log('info', `Checkpoint quality: KID of ${quality.n} samples against ${quality.n} held-out images took ${quality.ms} ms`);
      return quality;
    } catch (error) {
      if (OUT_OF_MEMORY.test(errorMessage(error)) || BACKEND_FAILURE.test(errorMessage(error))) throw error;
      this.log('warning', `Checkpoint quality not measured: ${errorMessage(error)}`);
      return undefined;
    }
  }

  /** Held-out real images (validation split, else test) for the quality measure, read once. */
  private heldOutFeatures(): Promise<FeatureMatrix | null> {
    this.heldOut ??= heldOutFeatures(this.store, this.data.meta, this.record.settings.seed).then(
      (held) => {
        if (held.features) return held.features;
        // Say how many there were: a small import has some held-out images, just too few for a KID.
        this.log('warning', describeTooFewHeldOut(held));
        return null;
      },
      (error: unknown) => {
        this.log('warning', `Held-out images unreadable, checkpoint quality not measured: ${errorMessage(error)}`);
        return null;
      },
    );
    return this.heldOut;
  }

  private async sample(): Promise<void> {
    const grid = await drawSampleGrid(this.model, this.record);
    this.realGrid ??= realTilesFor(this.data, this.record);
    const diversity = diversityOf(grid, this.realGrid);
    const ref = { ...(await writeSamples(this.store, this.record.id, grid)), diversity };
    this.record.samples = [...this.record.samples.filter((s) => s.step !== ref.step), ref];
    if (diversity.collapsed && !this.collapseWarned) this.log('warning', describeCollapse(diversity));
    this.collapseWarned = diversity.collapsed;
    this.hooks.emit({ type: 'samples', runId: this.record.id, grid, diversity });
  }

  /** Back to the last good checkpoint with half the learning rate, or stop when it keeps diverging. */
  private async rollback(reason: string): Promise<void> {
    this.pending.forEach((t) => t.dispose());
    this.pending = [];
    this.record.rollbacks++;
    if (this.record.rollbacks > MAX_ROLLBACKS) {
      this.request = 'stop';
      this.fail(
        `Training diverged ${this.record.rollbacks} times (${reason}) even after lowering the learning rate to ${this.record.config.adam.learningRate.toExponential(1)}. ` +
          'Try a lower learning rate, a smaller model or a different loss, then start a new run.',
      );
      throw new StopTraining();
    }
    const learningRate = this.record.config.adam.learningRate / 2;
    let opened: OpenedRunModel;
    try {
      opened = await this.reopenLatest((stored) => ({ ...stored, adam: { ...stored.adam, learningRate } }));
    } catch (error) {
      throw new Error(`Cannot roll back: ${errorMessage(error)}`);
    }
    this.record = truncateAfter({ ...this.record, config: opened.config }, opened.step);
    this.smoothedScore = NaN;
    this.log('warning', `${reason} at step ${this.record.step + 1}+: rolled back to step ${opened.step} and lowered the learning rate to ${learningRate.toExponential(1)}`);
    await saveRun(this.store, this.record);
    this.emitRecord();
  }

  /**
   * Replaces the model with the newest readable checkpoint's. The old model is disposed first: two
   * copies of a large model (and its Adam slots) may not fit on the device together.
   */
  private async reopenLatest(adjustConfig?: (stored: ModelConfig) => ModelConfig): Promise<OpenedRunModel> {
    this.model.dispose();
    const opened = await openRunModel(this.store, this.record, 'latest', { adjustConfig });
    this.model = opened.model;
    this.lastReadback = { step: this.model.step, time: performance.now() };
    return opened;
  }

  /** Decides what an error in a step means. Returns false when the run must end. */
  private async recover(error: unknown): Promise<boolean> {
    if (error instanceof StopTraining) {
      await saveRun(this.store, this.record).catch(() => undefined);
      this.emitRecord();
      return false;
    }
    const message = errorMessage(error);
    if (error instanceof StorageFullError || isQuotaError(error)) {
      this.pauseForStorage(error);
    } else if (OUT_OF_MEMORY.test(message)) {
      this.fail(`Out of memory at step ${this.model.step} (${message}). Try a smaller batch size or resolution, or a narrower model.`);
    } else if (BACKEND_FAILURE.test(message)) {
      this.pending = [];
      const backend = await this.hooks.replaceBackend(message);
      try {
        const opened = await this.reopenLatest();
        this.record = truncateAfter({ ...this.record, backend }, opened.step);
        this.log('warning', `Backend failed (${message}); resumed from step ${opened.step} on ${backend}`);
        this.emitRecord();
        return true;
      } catch (error) {
        this.fail(`The ${this.record.backend} backend failed (${message}) and no checkpoint could be read to resume from (${errorMessage(error)}).`);
      }
    } else {
      this.fail(`Training stopped at step ${this.model.step}: ${message}`);
    }
    await saveRun(this.store, this.record).catch(() => undefined);
    this.emitRecord();
    return false;
  }

  /**
   * A full disk is not the run's fault and its stored checkpoints are intact: the run pauses (not
   * fails), so Resume continues from its last checkpoint once space is freed.
   */
  private pauseForStorage(error: unknown): void {
    const full = error instanceof StorageFullError ? error : new StorageFullError(`the samples of run "${this.record.settings.name}"`, error);
    const last = this.record.checkpoints.at(-1)?.step ?? 0;
    this.pending.forEach((t) => t.dispose());
    this.pending = [];
    this.record.status = 'paused';
    this.record.updatedAt = Date.now();
    this.record.message = `Paused at step ${this.model.step}: ${full.message} Then press Resume: training continues from the last checkpoint (step ${last}).`;
    this.log('warning', this.record.message);
  }

  private fail(message: string): void {
    this.record.status = 'failed';
    this.record.message = message;
    this.log('error', message);
  }

  private setStatus(status: RunRecord['status']): void {
    this.record.status = status;
    this.record.updatedAt = Date.now();
    this.emitRecord();
  }

  private log(level: LogEntry['level'], text: string): void {
    const entry: LogEntry = { time: Date.now(), step: this.model.step, level, text };
    this.record.log = [...this.record.log, entry].slice(-MAX_LOG);
    this.hooks.emit({ type: 'log', runId: this.record.id, entry });
  }

  private emitRecord(): void {
    this.hooks.emit({ type: 'record', record: this.record });
  }
}

class StopTraining extends Error {}

function truncateAfter(record: RunRecord, step: number): RunRecord {
  return {
    ...record,
    step,
    history: record.history.filter((r) => r.step <= step),
    samples: record.samples.filter((s) => s.step <= step),
    checkpoints: record.checkpoints.filter((c) => c.step <= step),
  };
}

/** Halves the resolution of the older half of the history so long runs stay small to store. */
function thin(history: MetricRow[]): MetricRow[] {
  const half = Math.floor(history.length / 2);
  return [...history.slice(0, half).filter((_, i) => i % 2 === 0), ...history.slice(half)];
}

export function validateSettings(s: RunSettings): void {
  const positive = (name: keyof RunSettings) => {
    const v = s[name] as number;
    if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive whole number, got ${v}`);
  };
  (['totalSteps', 'readbackEvery', 'sampleEvery', 'checkpointEvery', 'keepCheckpoints', 'samplesPerClass'] as const).forEach(positive);
  if (!s.datasetId) throw new Error('Choose a dataset to train on');
}
