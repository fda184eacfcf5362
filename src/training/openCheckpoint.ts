/**
 * A run's checkpoint as a live model: what the sampler, the evaluation jobs and the trainer's
 * resume, rollback and backend recovery all need. Only checkpoints whose checksum verifies are
 * opened (runStore.loadLatestGoodCheckpoint), newest first.
 */
import { createModel, samplesFromEma } from '../../models';
import type { GenerativeModel, ModelConfig } from '../../models/types';
import type { KeyValueStore } from '../storage/keyValueStore';
import { loadLatestGoodCheckpoint, loadRun } from './runStore';
import type { CheckpointRef, RunRecord } from './runTypes';

/** 'best' ranks by the run's score metric; 'latest' is the newest readable one. */
export type CheckpointChoice = 'best' | 'latest';

export interface OpenedRunModel {
  record: RunRecord;
  /** Weights and optimiser state of the checkpoint; the caller disposes it. */
  model: GenerativeModel;
  config: ModelConfig;
  ref: CheckpointRef;
  step: number;
  /** Sample with generate(…, { ema: true }): the model keeps an EMA of its generator's weights. */
  ema: boolean;
  /** 'best' was asked for, but the run has no readable best checkpoint (yet), so the latest was opened. */
  fellBackToLatest: boolean;
}

export interface OpenRunOptions {
  /** Only checkpoints at or before this step. */
  atOrBefore?: number;
  /** Told about each checkpoint skipped as missing, torn or unreadable. */
  onSkip?: (ref: CheckpointRef, reason: string) => void;
  /** Changes the stored config before the model is built (the trainer halves the learning rate after a divergence). */
  adjustConfig?: (stored: ModelConfig) => ModelConfig;
}

/** Opens a run's best or latest checkpoint; throws, naming the run and every skipped checkpoint, when none is readable. */
export async function openRunModel(store: KeyValueStore, run: string | RunRecord, which: CheckpointChoice, options: OpenRunOptions = {}): Promise<OpenedRunModel> {
  const record = typeof run === 'string' ? await loadRun(store, run) : run;
  const atOrBefore = options.atOrBefore ?? Infinity;
  const skipped: string[] = [];
  const onSkip = (ref: CheckpointRef, reason: string) => {
    skipped.push(`step ${ref.step}: ${reason}`);
    options.onSkip?.(ref, reason);
  };
  const best = which === 'best' && record.best && record.best.step <= atOrBefore ? record.best : null;
  let found = best ? await loadLatestGoodCheckpoint(store, { ...record, checkpoints: [best], best: null }, onSkip, atOrBefore) : null;
  const fellBackToLatest = which === 'best' && !found;
  // A best checkpoint already found unreadable is not tried (or reported) a second time.
  const rest = best ? { ...record, checkpoints: record.checkpoints.filter((c) => c.key !== best.key), best: null } : record;
  found ??= await loadLatestGoodCheckpoint(store, rest, onSkip, atOrBefore);
  if (!found) {
    const when = Number.isFinite(atOrBefore) ? ` at or before step ${atOrBefore}` : '';
    throw new Error(`Run "${record.settings.name}" has no readable checkpoint${when}${skipped.length ? ` (skipped ${skipped.join('; ')})` : ''}`);
  }
  const config = options.adjustConfig ? options.adjustConfig(found.state.config) : found.state.config;
  const model = createModel(config);
  try {
    model.importState({ ...found.state, config });
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { record, model, config, ref: found.ref, step: found.ref.step, ema: samplesFromEma(config), fellBackToLatest };
}
