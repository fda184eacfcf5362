/**
 * A stored run as a run file (runFileFormat.ts): its latest (or best) verified checkpoint split into
 * weights.safetensors and, on request, optimizer.safetensors, the run card, and a manifest with the
 * SHA-256 of each part. Reads the store only; no tfjs.
 */
import { zipSync } from 'fflate';
import { encodeSafetensors } from '../../models/io/safetensors';
import { splitState } from '../../models/io/stateParts';
import type { KeyValueStore } from '../storage/keyValueStore';
import { loadLatestGoodCheckpoint, loadRun } from '../training/runStore';
import { sha256 } from '../training/checkpointCodec';
import { buildRunCard } from './runCard';
import { PART, RUN_FILE_EXTENSION, RUN_FILE_FORMAT, RUN_FILE_VERSION, type ExportRunFileOptions, type RunFileBytes, type RunFileManifest } from './runFileFormat';

/** A file name from the run's name: letters, digits, dots and dashes only. */
export function runFileName(name: string, step: number): string {
  const slug = name.normalize('NFKD').replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'run';
  return `${slug}-step${step}${RUN_FILE_EXTENSION}`;
}

export async function exportRunFile(store: KeyValueStore, runId: string, options: ExportRunFileOptions = {}): Promise<RunFileBytes> {
  const includeOptimizer = options.includeOptimizer ?? true;
  const which = options.checkpoint ?? 'latest';
  const record = await loadRun(store, runId);
  const skipped: string[] = [];
  const candidates = which === 'best' && record.best ? { ...record, checkpoints: [record.best], best: null } : record;
  const found = await loadLatestGoodCheckpoint(store, candidates, (ref, reason) => skipped.push(`step ${ref.step}: ${reason}`));
  if (!found) throw new Error(`Run "${record.settings.name}" has no readable ${which} checkpoint to export${skipped.length ? ` (skipped ${skipped.join('; ')})` : ''}`);
  const { state, ref } = found;
  const parts = splitState(state);
  const metadata = { format: 'phantom-studio/weights', kind: state.kind, step: String(state.step), config: JSON.stringify(state.config) };
  const files: Record<string, Uint8Array> = {
    [PART.weights]: encodeSafetensors(parts.weights, metadata),
  };
  if (includeOptimizer) {
    files[PART.optimizer] = encodeSafetensors(parts.optimizer, { format: 'phantom-studio/optimizer', kind: state.kind, step: String(state.step), steps: JSON.stringify(parts.optimizerSteps) });
  }
  const card = await buildRunCard(store, record, state, ref, which, includeOptimizer);
  files[PART.card] = new TextEncoder().encode(JSON.stringify(card, null, 1));
  const manifest: RunFileManifest = { format: RUN_FILE_FORMAT, version: RUN_FILE_VERSION, createdAt: card.run.exportedAt, parts: {} };
  for (const [name, bytes] of Object.entries(files)) manifest.parts[name] = { sha256: await sha256(bytes), bytes: bytes.byteLength };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest, null, 1));
  // The manifest first in the archive; float data is stored (it barely compresses), JSON deflated.
  const zip = zipSync({
    [PART.manifest]: [manifestBytes, { level: 6 }],
    ...Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, [bytes, { level: name.endsWith('.json') ? 6 : 0 }]])),
  });
  return { fileName: runFileName(record.settings.name, state.step), bytes: zip, card };
}
