/**
 * A run file (runFileFormat.ts) back into the store as a new run, or continuing the run it came from
 * in place (continueRun.ts). Everything is checked before
 * anything is written — the archive, the manifest's format version, each part's presence and
 * SHA-256, the run card, the model kind and config, and every tensor's name and shape against a
 * freshly built model of that config — so a refused file leaves the store exactly as it was. Each
 * refusal is a RunFileError naming the file and the part.
 *
 * The new run holds one checkpoint (the file's) and its curves. Without optimizer.safetensors the
 * checkpoint gets fresh Adam state (zero moments): it generates and evaluates the same, and
 * continuing trains on with a restarted optimiser (the run's log says so). A local dataset whose
 * pixels match the card's fingerprint becomes the run's dataset, so it can continue training.
 */
import { readZipEntries } from './zipEntries';
import { createModel, DEFAULT_CONFIGS } from '../../models';
import { decodeSafetensors, type NamedTensor } from '../../models/io/safetensors';
import { isOptimizerTensor } from '../../models/io/stateParts';
import type { GenerativeModel, ModelConfig, ModelKind, ModelState, StateTensor } from '../../models/types';
import { errorMessage } from '../core/errorMessage';
import type { KeyValueStore } from '../storage/keyValueStore';
import { listDatasets } from '../storage/datasetStore';
import { newId, storageKeys } from '../storage/schema';
import { encodeState, sha256 } from '../training/checkpointCodec';
import { saveRun } from '../training/runStore';
import type { BuiltInInfo, CheckpointRef, LogEntry, RunRecord } from '../training/runTypes';
import { saveExportAudit } from '../generation/exportAuditStore';
import { datasetFingerprint } from './runCard';
import { cardSegments, continueRunInPlace, importTarget, type ImportMode } from './continueRun';
import { PART, RUN_CARD_FORMAT, RUN_FILE_FORMAT, RUN_FILE_VERSION, RunFileError, type ImportedRun, type RunCard, type RunFileManifest } from './runFileFormat';

const KNOWN_KINDS = Object.keys(DEFAULT_CONFIGS) as ModelKind[];

function parseJson<T>(bytes: Uint8Array, fileName: string, part: string): T {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as T;
  } catch (error) {
    throw new RunFileError(fileName, part, `not readable JSON (${errorMessage(error)})`);
  }
}

export interface CheckedFile {
  card: RunCard;
  state: ModelState;
  hasOptimizer: boolean;
}

/** Every check, no writes. */
export async function checkRunFile(bytes: Uint8Array, fileName: string): Promise<CheckedFile> {
  const refuse = (part: string | null, reason: string): never => {
    throw new RunFileError(fileName, part, reason);
  };
  let entries: Record<string, Uint8Array>;
  try {
    // Stored parts come back as views of `bytes`, so the archive is not held twice while checked.
    entries = readZipEntries(bytes);
  } catch (error) {
    return refuse(null, `not a readable run file: the ZIP archive is corrupt or truncated (${errorMessage(error)})`);
  }
  const manifestBytes = entries[PART.manifest] ?? refuse(PART.manifest, 'missing: this is not a Phantom Studio run file');
  const manifest = parseJson<Partial<RunFileManifest>>(manifestBytes, fileName, PART.manifest);
  if (manifest.format !== RUN_FILE_FORMAT) refuse(PART.manifest, `format is ${JSON.stringify(manifest.format)}, not "${RUN_FILE_FORMAT}"`);
  if (manifest.version !== RUN_FILE_VERSION) {
    refuse(PART.manifest, `format version ${JSON.stringify(manifest.version)} is not one this studio reads (it reads version ${RUN_FILE_VERSION}); a newer studio may have written it`);
  }
  const parts = manifest.parts ?? refuse(PART.manifest, 'lists no parts');
  for (const required of [PART.card, PART.weights]) if (!parts[required]) refuse(required, 'missing from the manifest');
  for (const name of Object.keys(entries)) if (name !== PART.manifest && !parts[name]) refuse(name, 'is in the archive but not in the manifest (an extra part)');
  for (const [name, expected] of Object.entries(parts)) {
    const part = entries[name] ?? refuse(name, 'listed in the manifest but missing from the archive');
    const actual = await sha256(part);
    if (actual !== expected.sha256) refuse(name, `SHA-256 mismatch: the manifest says ${expected.sha256.slice(0, 12)}…, the part hashes to ${actual.slice(0, 12)}… (damaged or altered)`);
  }

  const card = parseJson<RunCard>(entries[PART.card]!, fileName, PART.card);
  if (card.format !== RUN_CARD_FORMAT || card.version !== 1) refuse(PART.card, `not a version-1 run card (format ${JSON.stringify(card.format)}, version ${JSON.stringify(card.version)})`);
  const kind = card.model?.kind;
  if (!KNOWN_KINDS.includes(kind)) refuse(PART.card, `unknown model kind ${JSON.stringify(kind)} (this studio knows ${KNOWN_KINDS.join(', ')})`);
  if (card.model.config?.kind !== kind) refuse(PART.card, `the model config is for ${JSON.stringify(card.model.config?.kind)}, the card says ${kind}`);
  if (!Number.isInteger(card.checkpoint?.step) || card.checkpoint.step < 0) refuse(PART.card, `invalid checkpoint step ${JSON.stringify(card.checkpoint?.step)}`);

  const weights = decodePart(entries, PART.weights, fileName);
  const optimizer = parts[PART.optimizer] ? decodePart(entries, PART.optimizer, fileName) : null;
  if (weights.metadata.kind !== undefined && weights.metadata.kind !== kind) refuse(PART.weights, `holds a ${weights.metadata.kind}, the run card says ${kind}`);
  if (weights.metadata.step !== undefined && Number(weights.metadata.step) !== card.checkpoint.step) refuse(PART.weights, `is from step ${weights.metadata.step}, the run card says ${card.checkpoint.step}`);

  // The fresh model of the card's config says which tensors, of which shapes, must be there.
  let model: GenerativeModel;
  try {
    model = createModel(card.model.config);
  } catch (error) {
    return refuse(PART.card, `the model config is not valid: ${errorMessage(error)}`);
  }
  try {
    const fresh = await model.exportState();
    const config: ModelConfig = model.config;
    const freshWeights = fresh.tensors.filter((t) => !isOptimizerTensor(t.name));
    const freshOptimizer = fresh.tensors.filter((t) => isOptimizerTensor(t.name));
    const tensors = [...matchTensors(weights.tensors, freshWeights, PART.weights, fileName, kind)];
    let extra = fresh.extra;
    if (optimizer) {
      tensors.push(...matchTensors(optimizer.tensors, freshOptimizer, PART.optimizer, fileName, kind));
      extra = parseSteps(optimizer.metadata.steps, fresh.extra, fileName);
    } else {
      tensors.push(...freshOptimizer);
    }
    const state: ModelState = { format: 'phantom-studio/model-state', version: 1, kind, config, step: card.checkpoint.step, tensors, extra };
    try {
      model.importState(state);
    } catch (error) {
      refuse(PART.weights, `the model does not accept these weights: ${errorMessage(error)}`);
    }
    return { card, state, hasOptimizer: optimizer !== null };
  } finally {
    model.dispose();
  }
}

function decodePart(entries: Record<string, Uint8Array>, part: string, fileName: string): { tensors: NamedTensor[]; metadata: Record<string, string> } {
  try {
    return decodeSafetensors(entries[part]!, `${fileName} › ${part}`);
  } catch (error) {
    throw new RunFileError(fileName, part, errorMessage(error).replace(`${fileName} › ${part}: `, ''));
  }
}

/** The file's tensors in the fresh model's order; refuses a missing, extra or misshapen one. */
function matchTensors(found: NamedTensor[], expected: StateTensor[], part: string, fileName: string, kind: string): StateTensor[] {
  const byName = new Map(found.map((t) => [t.name, t]));
  const known = new Set(expected.map((t) => t.name));
  const extra = found.filter((t) => !known.has(t.name)).map((t) => t.name);
  if (extra.length) throw new RunFileError(fileName, part, `has ${extra.length} tensor${extra.length > 1 ? 's' : ''} a ${kind} of this config does not have: ${extra.slice(0, 3).map((n) => `"${n}"`).join(', ')}${extra.length > 3 ? ', …' : ''}`);
  return expected.map((e) => {
    const t = byName.get(e.name);
    if (!t) throw new RunFileError(fileName, part, `lacks tensor "${e.name}" of shape [${e.shape.join(', ')}]`);
    if (t.shape.join(',') !== e.shape.join(',')) throw new RunFileError(fileName, part, `tensor "${e.name}" has shape [${t.shape.join(', ')}], the model needs [${e.shape.join(', ')}]`);
    return { name: e.name, shape: e.shape, dtype: 'float32', data: t.data };
  });
}

function parseSteps(text: string | undefined, expected: Record<string, number>, fileName: string): Record<string, number> {
  let steps: unknown;
  try {
    steps = JSON.parse(text ?? '');
  } catch {
    throw new RunFileError(fileName, PART.optimizer, 'its metadata lacks the optimiser step counts ("steps")');
  }
  const out: Record<string, number> = {};
  for (const key of Object.keys(expected)) {
    const value = (steps as Record<string, unknown>)?.[key];
    if (!Number.isInteger(value) || (value as number) < 0) throw new RunFileError(fileName, PART.optimizer, `the step count of "${key}" is missing or invalid`);
    out[key] = value as number;
  }
  return out;
}

/** The local dataset with the same pixels as the card's fingerprint, if any. */
async function findDataset(store: KeyValueStore, card: RunCard): Promise<string | null> {
  const print = card.dataset;
  if (!print) return null;
  for (const meta of await listDatasets(store)) {
    if (meta.count !== print.count || meta.width !== print.width || meta.height !== print.height || meta.channels !== print.channels) continue;
    try {
      if ((await datasetFingerprint(store, meta)).pixelsSha256 === print.pixelsSha256) return meta.id;
    } catch {
      // A damaged dataset simply does not match.
    }
  }
  return null;
}

/** How a built-in model is imported (builtInModels.ts): under a fixed id, marked built-in. */
export interface ImportOptions {
  runId?: string;
  builtIn?: BuiltInInfo;
}

/**
 * mode 'auto' (default): continues the run the file came from when its lineage matches
 * (continueRun.ts), else a new run; 'new': always a new run; 'continue': only continuing (refused
 * with the reason otherwise). A built-in model (options.builtIn) is always a new run.
 */
export async function importRunFile(store: KeyValueStore, bytes: Uint8Array, fileName: string, mode: ImportMode = 'auto', options: ImportOptions = {}): Promise<ImportedRun> {
  return importCheckedRunFile(store, await checkRunFile(bytes, fileName), fileName, mode, options);
}

/** importRunFile of a file checkRunFile has checked. */
export async function importCheckedRunFile(store: KeyValueStore, checked: CheckedFile, fileName: string, mode: ImportMode = 'auto', options: ImportOptions = {}): Promise<ImportedRun> {
  const { card, state, hasOptimizer } = checked;
  if (!options.builtIn && (mode === 'continue' || (mode === 'auto' && (await importTarget(store, card)).kind === 'continue'))) {
    return continueRunInPlace(store, card, state, hasOptimizer, fileName);
  }
  // A built-in model is read-only: it never becomes a run that continues training on a local dataset.
  const datasetId = options.builtIn ? null : await findDataset(store, card);
  const id = options.runId ?? newId('run');
  const encoded = encodeState(state);
  const ref: CheckpointRef = {
    step: state.step,
    key: storageKeys.checkpoint(id, state.step),
    sha256: await sha256(encoded),
    bytes: encoded.byteLength,
    score: Number.isFinite(card.checkpoint.score) ? card.checkpoint.score : 0,
    ...(card.checkpoint.quality?.metric === 'kid' ? { quality: { metric: 'kid', value: card.checkpoint.quality.value, n: card.checkpoint.quality.n, ms: 0 } } : {}),
  };
  const now = Date.now();
  const note = (text: string, level: LogEntry['level'] = 'info'): LogEntry => ({ time: now, step: state.step, level, text });
  const log: LogEntry[] = [
    note(`Imported from ${fileName} (run "${card.run.name}", step ${state.step}, exported ${card.run.exportedAt} by Phantom Studio ${card.studio?.version ?? '?'})`),
    ...(hasOptimizer ? [] : [note('The run file holds no optimiser state: continuing trains with a restarted Adam optimiser (zero moments)', 'warning')]),
    ...(options.builtIn ? [note(`A built-in model: ${options.builtIn.steps} steps on ${options.builtIn.trainedOn}, shipped with the studio (read-only)`)] : []),
    ...(datasetId || options.builtIn ? [] : [note(`The dataset it trained on ("${card.dataset?.name ?? 'unknown'}") is not stored here, so it can generate and be evaluated but not continue training`, 'warning')]),
  ];
  const totalSteps = card.model.settings.totalSteps;
  const record: RunRecord = {
    id,
    settings: { ...card.model.settings, datasetId: datasetId ?? `missing-${card.dataset?.id ?? 'dataset'}` },
    config: state.config,
    scoreMetric: card.model.scoreMetric,
    status: state.step >= totalSteps ? 'finished' : 'stopped',
    step: state.step,
    createdAt: Date.parse(card.run.createdAt) || now,
    updatedAt: now,
    history: (card.training.history ?? []).filter((row) => row.step <= state.step),
    segments: cardSegments(card),
    samples: [],
    checkpoints: [ref],
    best: card.checkpoint.which === 'best' ? ref : null,
    log,
    rollbacks: 0,
    classNames: card.training.classNames,
    resolution: card.training.resolution,
    channels: card.training.channels,
    backend: card.training.backend,
    imported: { fileName, importedAt: now, originalRunId: card.run.id, card },
    ...(options.builtIn ? { builtIn: options.builtIn } : {}),
  };
  // Bytes first, the record that names them last (runStore's rule); a failure removes what landed.
  const written: string[] = [];
  try {
    await store.setMany([[ref.key, encoded]]);
    written.push(ref.key);
    if (card.audit) {
      await saveExportAudit(store, id, card.audit);
      written.push(storageKeys.exportAudit(id, card.audit.time));
    }
    await saveRun(store, record);
  } catch (error) {
    await store.delMany(written).catch(() => undefined);
    throw error;
  }
  return { runId: id, continued: false, name: card.run.name, step: state.step, hasOptimizer, datasetId };
}
