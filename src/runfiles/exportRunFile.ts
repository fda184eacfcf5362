/**
 * A stored run as a run file (runFileFormat.ts): its latest (or best) verified checkpoint split into
 * weights.safetensors and, on request, optimizer.safetensors, the run card, and a manifest with the
 * SHA-256 of each part. Reads the store only; no tfjs.
 *
 * Streamed: a DCGAN-128 with its optimiser state is about 300 MB, so the archive is never built in
 * one buffer. The safetensors parts are pieces (a header and a view of each tensor's data,
 * models/io/safetensors.ts), hashed in a first pass (the manifest, first in the archive, names
 * their SHA-256) and pushed through fflate's streaming Zip in a second; the archive leaves as
 * chunks to a sink: a file (the command line), a Blob assembled from chunks (the studio's
 * download), or one buffer where a caller wants bytes (tests, small runs).
 */
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { safetensorsPieces } from '../../models/io/safetensors';
import { splitState } from '../../models/io/stateParts';
import type { KeyValueStore } from '../storage/keyValueStore';
import { loadLatestGoodCheckpoint, loadRun } from '../training/runStore';
import { buildRunCard } from './runCard';
import { Sha256Stream } from './sha256Stream';
import { PART, RUN_FILE_EXTENSION, RUN_FILE_FORMAT, RUN_FILE_VERSION, type ExportRunFileOptions, type RunCard, type RunFileBytes, type RunFileManifest } from './runFileFormat';

/** A file name from the run's name: letters, digits, dots and dashes only. */
export function runFileName(name: string, step: number): string {
  const slug = name.normalize('NFKD').replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'run';
  return `${slug}-step${step}${RUN_FILE_EXTENSION}`;
}

/** Receives the archive's bytes in order; the chunks may be views of the checkpoint's data (read-only), valid as long as the sink keeps them. */
export type RunFileSink = (chunk: Uint8Array) => void | Promise<void>;

export interface StreamedRunFile {
  fileName: string;
  card: RunCard;
  /** Bytes written to the sink. */
  size: number;
}

/** Each part's bytes as pieces: the safetensors parts as views of the state, JSON as one piece. */
type Parts = Record<string, Uint8Array[]>;

function hashPieces(pieces: readonly Uint8Array[]): { sha256: string; bytes: number } {
  const hash = new Sha256Stream();
  let bytes = 0;
  for (const piece of pieces) {
    hash.update(piece);
    bytes += piece.byteLength;
  }
  return { sha256: hash.digest(), bytes };
}

/** A run file ready to stream: its name and card are known, its parts hashed; `write` streams the archive. */
export interface PreparedRunFile {
  fileName: string;
  card: RunCard;
  /** Streams the archive to `sink`; resolves to the bytes written. */
  write(sink: RunFileSink): Promise<number>;
}

/** Writes the run file of `runId` to `sink`, chunk by chunk. */
export async function streamRunFile(store: KeyValueStore, runId: string, sink: RunFileSink, options: ExportRunFileOptions = {}): Promise<StreamedRunFile> {
  const prepared = await prepareRunFile(store, runId, options);
  const size = await prepared.write(sink);
  return { fileName: prepared.fileName, card: prepared.card, size };
}

/** Loads and checks the checkpoint, builds the card and hashes the parts; nothing is written yet. */
export async function prepareRunFile(store: KeyValueStore, runId: string, options: ExportRunFileOptions = {}): Promise<PreparedRunFile> {
  const includeOptimizer = options.includeOptimizer ?? true;
  const which = options.checkpoint ?? 'latest';
  const record = await loadRun(store, runId);
  const skipped: string[] = [];
  const candidates = which === 'best' && record.best ? { ...record, checkpoints: [record.best], best: null } : record;
  // The state's tensors are views of the checkpoint's bytes as read (no second 300 MB copy): the export only reads them.
  const found = await loadLatestGoodCheckpoint(store, candidates, (ref, reason) => skipped.push(`step ${ref.step}: ${reason}`), Infinity, { alias: true });
  if (!found) throw new Error(`Run "${record.settings.name}" has no readable ${which} checkpoint to export${skipped.length ? ` (skipped ${skipped.join('; ')})` : ''}`);
  const { state, ref } = found;
  const split = splitState(state);
  const metadata = { format: 'phantom-studio/weights', kind: state.kind, step: String(state.step), config: JSON.stringify(state.config) };
  const parts: Parts = { [PART.weights]: safetensorsPieces(split.weights, metadata) };
  if (includeOptimizer) {
    parts[PART.optimizer] = safetensorsPieces(split.optimizer, { format: 'phantom-studio/optimizer', kind: state.kind, step: String(state.step), steps: JSON.stringify(split.optimizerSteps) });
  }
  const card = await buildRunCard(store, record, state, ref, which, includeOptimizer);
  parts[PART.card] = [new TextEncoder().encode(JSON.stringify(card, null, 1))];
  const manifest: RunFileManifest = { format: RUN_FILE_FORMAT, version: RUN_FILE_VERSION, createdAt: card.run.exportedAt, parts: {} };
  for (const [name, pieces] of Object.entries(parts)) manifest.parts[name] = hashPieces(pieces);
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest, null, 1));

  return { fileName: runFileName(record.settings.name, state.step), card, write: (sink) => writeArchive([[PART.manifest, [manifestBytes]], ...Object.entries(parts)], sink) };
}

/**
 * The entries as a ZIP streamed to `sink`. fflate's Zip calls back synchronously as data is pushed;
 * chunks are queued and handed to the (possibly async) sink in order after each piece, so only one
 * piece's chunks ever wait. Names ending in .json are deflated, everything else stored (float data
 * barely compresses; stored entries pass the pieces through without copying them).
 */
export async function writeArchive(entries: readonly (readonly [string, readonly Uint8Array[]])[], sink: RunFileSink): Promise<number> {
  let failure: Error | null = null;
  let queue: Uint8Array[] = [];
  let size = 0;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else if (chunk) queue.push(chunk);
  });
  const drain = async () => {
    if (failure) throw failure;
    const chunks = queue;
    queue = [];
    for (const chunk of chunks) {
      await sink(chunk);
      size += chunk.byteLength;
    }
  };
  for (const [name, pieces] of entries) {
    const entry = name.endsWith('.json') ? new ZipDeflate(name, { level: 6 }) : new ZipPassThrough(name);
    zip.add(entry);
    if (pieces.length === 0) entry.push(new Uint8Array(0), true);
    for (let i = 0; i < pieces.length; i++) {
      entry.push(pieces[i], i === pieces.length - 1);
      await drain();
    }
  }
  zip.end();
  await drain();
  return size;
}

/** The run file as one buffer (the command line's tests and small runs; the studio's download uses exportRunFileBlob). */
export async function exportRunFile(store: KeyValueStore, runId: string, options: ExportRunFileOptions = {}): Promise<RunFileBytes> {
  const chunks: Uint8Array[] = [];
  // Chunks may be views of the checkpoint's data, which nothing writes to: they are copied once, into the result.
  const file = await streamRunFile(store, runId, (chunk) => void chunks.push(chunk), options);
  const bytes = new Uint8Array(file.size);
  let at = 0;
  for (const chunk of chunks.splice(0)) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return { fileName: file.fileName, bytes, card: file.card };
}

/**
 * Collects streamed chunks into a Blob without one giant buffer: chunks are gathered into Blobs of
 * about 16 MB (a Blob copies its parts into the browser's blob storage, which may page to disk),
 * and the final Blob is made of those Blobs (no copy).
 */
export class BlobAssembler {
  private blobs: Blob[] = [];
  private parts: Uint8Array[] = [];
  private held = 0;
  constructor(private readonly flushBytes = 16 * 1024 * 1024) {}

  readonly sink: RunFileSink = (chunk) => {
    this.parts.push(chunk);
    this.held += chunk.byteLength;
    if (this.held >= this.flushBytes) this.flush();
  };

  private flush(): void {
    if (this.parts.length === 0) return;
    this.blobs.push(new Blob(this.parts as BlobPart[]));
    this.parts = [];
    this.held = 0;
  }

  blob(type = 'application/zip'): Blob {
    this.flush();
    return new Blob(this.blobs, { type });
  }
}

export interface RunFileBlob {
  fileName: string;
  blob: Blob;
  size: number;
  card: RunCard;
}

/** The run file as a Blob assembled from the streamed chunks (the studio's download). */
export async function exportRunFileBlob(store: KeyValueStore, runId: string, options: ExportRunFileOptions = {}): Promise<RunFileBlob> {
  const assembler = new BlobAssembler();
  const file = await streamRunFile(store, runId, assembler.sink, options);
  return { fileName: file.fileName, blob: assembler.blob(), size: file.size, card: file.card };
}
