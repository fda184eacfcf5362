/**
 * Runs, checkpoints and sample grids in the key-value store. The run record is the pointer: a
 * checkpoint's bytes are written first and the record that names it second, so a torn write
 * (tab killed mid-save) leaves the previous checkpoint named and intact. Pruned checkpoints are
 * deleted only after the record that drops them has landed. The run record is versioned
 * (storage/schema.ts); checkpoints and sample grids are covered by its version.
 */
import { getDatasetMeta } from '../storage/datasetStore';
import { deleteKeysWithPrefix, isQuotaError, StorageFullError, type KeyValueStore } from '../storage/keyValueStore';
import { recordCollection } from '../storage/recordCollection';
import { storageKeys, storagePrefixes } from '../storage/schema';
import type { CheckpointQuality, CheckpointRef, RunRecord, SampleGrid, SampleRef } from './runTypes';
import { chooseBest } from './quality';
import { decodeState, encodeState, sha256 } from './checkpointCodec';
import type { ModelState } from '../../models/types';
import { errorMessage } from '../core/errorMessage';

const runs = recordCollection<RunRecord>('run', (run) => run.createdAt);

export async function saveRun(store: KeyValueStore, record: RunRecord): Promise<void> {
  await runs.put(store, storageKeys.run(record.id), record);
}

/**
 * A run's class names as they are now: its dataset's (renamed classes follow) when the dataset still
 * exists with as many classes, else the names stored with the run when it started.
 */
export async function currentClassNames(store: KeyValueStore, record: Pick<RunRecord, 'classNames' | 'settings'>): Promise<string[]> {
  const meta = await getDatasetMeta(store, record.settings.datasetId).catch(() => null);
  return meta && meta.classNames.length === record.classNames.length ? [...meta.classNames] : record.classNames;
}

export async function loadRun(store: KeyValueStore, id: string): Promise<RunRecord> {
  const record = await runs.get(store, storageKeys.run(id));
  if (!record) throw new Error(`Run ${id} does not exist (it may have been deleted)`);
  return record;
}

/** Newest first. */
export async function listRuns(store: KeyValueStore): Promise<RunRecord[]> {
  return runs.list(store, storagePrefixes.runs);
}

/** The record goes first, then everything the run owns (checkpoints, sample grids, export audits). */
export async function deleteRun(store: KeyValueStore, id: string): Promise<void> {
  await store.delMany([storageKeys.run(id)]);
  await deleteKeysWithPrefix(store, storagePrefixes.runParts(id));
}

/**
 * Writes a checkpoint and swaps the record's pointer to it, keeping the newest `keep` plus the best.
 * Returns the record as stored.
 */
export async function writeCheckpoint(store: KeyValueStore, record: RunRecord, state: ModelState, score: number, keep: number, quality?: CheckpointQuality): Promise<RunRecord> {
  const bytes = encodeState(state);
  const ref: CheckpointRef = { step: state.step, key: storageKeys.checkpoint(record.id, state.step), sha256: await sha256(bytes), bytes: bytes.byteLength, score, ...(quality ? { quality } : {}) };
  try {
    await store.setMany([[ref.key, bytes]]);
  } catch (error) {
    if (isQuotaError(error)) throw new StorageFullError(`a checkpoint of run "${record.settings.name}"`, error);
    throw error;
  }
  const all = [...record.checkpoints.filter((c) => c.key !== ref.key), ref].sort((a, b) => a.step - b.step);
  // "Best": the lowest quality measure (KID against held-out images), else the lowest smoothed loss.
  const best = chooseBest([record.best, ref]) ?? record.best;
  const kept = all.slice(-Math.max(1, keep));
  const next: RunRecord = { ...record, checkpoints: kept, best: best ?? null, updatedAt: Date.now() };
  await saveRun(store, next);
  await deleteUnnamedCheckpoints(store, { checkpoints: all, best: record.best }, next);
  return next;
}

/**
 * Deletes the checkpoint bytes `before` named and `after` (already saved) no longer does: the
 * record that names bytes is written first and the bytes go last, so a crash leaves only orphans.
 */
export async function deleteUnnamedCheckpoints(store: KeyValueStore, before: Pick<RunRecord, 'checkpoints' | 'best'>, after: Pick<RunRecord, 'checkpoints' | 'best'>): Promise<void> {
  const live = new Set([...after.checkpoints.map((c) => c.key), after.best?.key]);
  const dropped = [...new Set([...before.checkpoints.map((c) => c.key), ...(before.best ? [before.best.key] : [])])].filter((key) => !live.has(key));
  if (dropped.length) await store.delMany(dropped);
}

/**
 * The newest checkpoint whose bytes match their checksum, with its state. Corrupt or missing ones
 * are skipped (and reported through `onSkip`), falling back to older ones.
 */
export async function loadLatestGoodCheckpoint(
  store: KeyValueStore,
  record: RunRecord,
  onSkip: (ref: CheckpointRef, reason: string) => void,
  atOrBefore = Infinity,
  /** alias: the state's tensors are views of the freshly read bytes (read-only use, checkpointCodec.ts). */
  decode: { alias?: boolean } = {},
): Promise<{ ref: CheckpointRef; state: ModelState } | null> {
  const candidates = [...record.checkpoints, ...(record.best ? [record.best] : [])]
    .filter((c, i, all) => c.step <= atOrBefore && all.findIndex((d) => d.key === c.key) === i)
    .sort((a, b) => b.step - a.step);
  for (const ref of candidates) {
    const bytes = await store.get<Uint8Array>(ref.key);
    if (!bytes) {
      onSkip(ref, 'missing');
      continue;
    }
    if ((await sha256(bytes)) !== ref.sha256) {
      onSkip(ref, 'checksum mismatch (torn or corrupted write)');
      continue;
    }
    try {
      return { ref, state: decodeState(bytes, `checkpoint at step ${ref.step}`, decode) };
    } catch (error) {
      onSkip(ref, errorMessage(error));
    }
  }
  return null;
}

export async function writeSamples(store: KeyValueStore, runId: string, grid: SampleGrid): Promise<SampleRef> {
  const ref = { step: grid.step, key: storageKeys.sampleGrid(runId, grid.step) };
  await store.setMany([[ref.key, grid]]);
  return ref;
}

export async function readSamples(store: KeyValueStore, ref: SampleRef): Promise<SampleGrid | null> {
  return (await store.get<SampleGrid>(ref.key)) ?? null;
}
