/**
 * Portable run files as the worker exposes them (`compute().runFiles`). The format is described in
 * runFileFormat.ts and the README ("Run files").
 *
 *   exportRunFile(runId, { includeOptimizer = true, checkpoint = 'latest' })  → { fileName, blob, size, card }
 *   exportAllRunFiles({ includeOptimizer })   → one ZIP (a Blob) holding a run file per run (before "Delete all my data")
 *   importRunFile(file, fileName, mode = 'auto') → { runId, continued, name, step, hasOptimizer, datasetId }
 *       file: the File/Blob itself (read once, in the worker) or its bytes.
 *       'auto' continues the run the file came from in place when its lineage matches (continueRun.ts:
 *       a PyTorch checkpoint of a run still here), else makes a new run; 'new' always a new run;
 *       'continue' only in place. Either way it measures the imported checkpoint as the trainer
 *       would: its sample grid, and its KID for "best" (training/importedCheckpoint.ts). Throws
 *       RunFileError (its message names the file and the part) and stores nothing when refused;
 *       refuses to continue a run that trains right now.
 *   previewImport(file, fileName)             → { card, target }: what importing would do (continue which run, or why a new one)
 * Exports stream (exportRunFile.ts) into a Blob assembled from chunks, which crosses to the page by
 * reference: a 300 MB run file is never one ArrayBuffer copied between threads.
 *   readRunCard(bytes, fileName)              → the card of a run file, checked, without importing it
 *   libraryCards()                            → every stored run's dataset fingerprint, training time, latest evaluation and audit (the model library)
 *   installBuiltIn(bytes, entry)              → a built-in pretrained model (public/pretrained) stored as a read-only run, once
 */
import { Zip, ZipPassThrough } from 'fflate';
import type { KeyValueStore } from '../storage/keyValueStore';
import { listRuns } from '../training/runStore';
import { measureImportedCheckpoint } from '../training/importedCheckpoint';
import { errorMessage } from '../core/errorMessage';
import { BlobAssembler, exportRunFileBlob, prepareRunFile, type PreparedRunFile, type RunFileBlob } from './exportRunFile';
import { checkRunFile, importCheckedRunFile } from './importRunFile';
import { importTarget, type ImportMode, type ImportTarget } from './continueRun';
import { libraryCards, type LibraryCard } from './libraryCard';
import type { ExportRunFileOptions, ImportedRun, RunCard } from './runFileFormat';
import { installBuiltInModel, type BuiltInModel } from './builtInModels';
import type { RunRecord } from '../training/runTypes';

export interface AllRunFiles {
  fileName: string;
  blob: Blob;
  size: number;
  /** Names of the run files inside. */
  files: string[];
  /** Runs that could not be exported (no readable checkpoint), with the reason. */
  skipped: string[];
}

export interface RunFilesApi {
  exportRunFile(runId: string, options?: ExportRunFileOptions): Promise<RunFileBlob>;
  exportAllRunFiles(options?: ExportRunFileOptions): Promise<AllRunFiles>;
  importRunFile(file: Blob | Uint8Array, fileName: string, mode?: ImportMode): Promise<ImportedRun>;
  previewImport(file: Blob | Uint8Array, fileName: string): Promise<ImportPreview>;
  readRunCard(file: Blob | Uint8Array, fileName: string): Promise<RunCard>;
  libraryCards(): Promise<LibraryCard[]>;
  installBuiltIn(bytes: Uint8Array, entry: BuiltInModel): Promise<RunRecord>;
}

export interface ImportPreview {
  card: RunCard;
  target: ImportTarget;
}

/**
 * Runs `work` while no trainer touches the run (runManager.ts whileIdle): continuing a run in place
 * rewrites its record. Tests and the command line, which train nothing meanwhile, pass none.
 */
export type RunGuard = <T>(runId: string, doing: string, work: () => Promise<T>) => Promise<T>;

export async function exportAllRunFiles(store: KeyValueStore, options: ExportRunFileOptions = {}): Promise<AllRunFiles> {
  // One run at a time streams into the outer ZIP (stored: run files are mostly float data).
  const assembler = new BlobAssembler();
  let failure: Error | null = null;
  let size = 0;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else if (chunk) {
      size += chunk.byteLength;
      assembler.sink(chunk);
    }
  });
  const names = new Set<string>();
  const skipped: string[] = [];
  for (const run of await listRuns(store)) {
    let prepared: PreparedRunFile;
    try {
      prepared = await prepareRunFile(store, run.id, options);
    } catch (error) {
      skipped.push(`${run.settings.name}: ${errorMessage(error)}`);
      continue;
    }
    let name = prepared.fileName;
    for (let n = 2; names.has(name); n++) name = prepared.fileName.replace(/(\.[a-z]+)$/, `-${n}$1`);
    names.add(name);
    const entry = new ZipPassThrough(name);
    zip.add(entry);
    await prepared.write((chunk) => entry.push(chunk));
    entry.push(new Uint8Array(0), true);
    if (failure) throw failure;
  }
  zip.end();
  if (failure) throw failure;
  const date = new Date().toISOString().slice(0, 10);
  return { fileName: `phantom-studio-models-${date}.zip`, blob: assembler.blob(), size, files: [...names], skipped };
}

/** The bytes of a run file handed over as a File/Blob (read here, once) or already as bytes. */
const bytesOf = async (file: Blob | Uint8Array) => (file instanceof Uint8Array ? file : new Uint8Array(await file.arrayBuffer()));

/** `ready` resolves once a compute backend runs: checking an import builds the model. */
export function createRunFilesApi(store: KeyValueStore, ready: () => Promise<unknown>, guard: RunGuard = (_, __, work) => work()): RunFilesApi {
  return {
    exportRunFile: (runId, options) => exportRunFileBlob(store, runId, options),
    exportAllRunFiles: (options) => exportAllRunFiles(store, options),
    importRunFile: async (file, fileName, mode = 'auto') => {
      await ready();
      const checked = await checkRunFile(await bytesOf(file), fileName);
      const target = mode === 'new' ? null : await importTarget(store, checked.card);
      // Each import measures the checkpoint it brought as the trainer would (its sample grid, its KID for
      // "best"), while no trainer may touch the run: it rewrites the run's record.
      const measure = (imported: ImportedRun) => measureImportedCheckpoint(store, imported.runId, imported.step).then(() => imported);
      if (target?.kind !== 'continue') {
        // 'new', not 'auto': the target was just found not to continue, and only the guarded path below may continue a run.
        const imported = await importCheckedRunFile(store, checked, fileName, mode === 'continue' ? mode : 'new');
        // The run has landed: if it cannot be measured now (another tab took it), it stays unmeasured, not unimported.
        return guard(imported.runId, 'measured after its import', () => measure(imported)).catch((error: unknown) => {
          console.warn(`Run "${imported.name}" was imported but not measured: ${errorMessage(error)}`);
          return imported;
        });
      }
      return guard(target.runId, 'continued from a run file', async () => measure(await importCheckedRunFile(store, checked, fileName, 'continue')));
    },
    previewImport: async (file, fileName) => {
      await ready();
      const { card } = await checkRunFile(await bytesOf(file), fileName);
      return { card, target: await importTarget(store, card) };
    },
    readRunCard: async (file, fileName) => (await ready(), (await checkRunFile(await bytesOf(file), fileName)).card),
    libraryCards: () => libraryCards(store),
    installBuiltIn: async (bytes, entry) => (await ready(), installBuiltInModel(store, bytes, entry)),
  };
}
