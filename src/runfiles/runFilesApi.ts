/**
 * Portable run files as the worker exposes them (`compute().runFiles`). The format is described in
 * runFileFormat.ts and the README ("Run files").
 *
 *   exportRunFile(runId, { includeOptimizer = true, checkpoint = 'latest' })  → { fileName, bytes, card }
 *   exportAllRunFiles({ includeOptimizer })   → one ZIP holding a run file per run (before "Delete all my data")
 *   importRunFile(bytes, fileName)            → { runId, name, step, hasOptimizer, datasetId }
 *       throws RunFileError (its message names the file and the part) and stores nothing when refused.
 *   readRunCard(bytes, fileName)              → the card of a run file, checked, without importing it
 *   libraryCards()                            → every stored run's dataset fingerprint, training time, latest evaluation and audit (the model library)
 */
import { zipSync } from 'fflate';
import type { KeyValueStore } from '../storage/keyValueStore';
import { listRuns } from '../training/runStore';
import { errorMessage } from '../core/errorMessage';
import { exportRunFile } from './exportRunFile';
import { checkRunFile, importRunFile } from './importRunFile';
import { libraryCards, type LibraryCard } from './libraryCard';
import type { ExportRunFileOptions, ImportedRun, RunCard, RunFileBytes } from './runFileFormat';

export interface AllRunFiles {
  fileName: string;
  bytes: Uint8Array;
  /** Names of the run files inside. */
  files: string[];
  /** Runs that could not be exported (no readable checkpoint), with the reason. */
  skipped: string[];
}

export interface RunFilesApi {
  exportRunFile(runId: string, options?: ExportRunFileOptions): Promise<RunFileBytes>;
  exportAllRunFiles(options?: ExportRunFileOptions): Promise<AllRunFiles>;
  importRunFile(bytes: Uint8Array, fileName: string): Promise<ImportedRun>;
  readRunCard(bytes: Uint8Array, fileName: string): Promise<RunCard>;
  libraryCards(): Promise<LibraryCard[]>;
}

export async function exportAllRunFiles(store: KeyValueStore, options: ExportRunFileOptions = {}): Promise<AllRunFiles> {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  const skipped: string[] = [];
  for (const run of await listRuns(store)) {
    try {
      const file = await exportRunFile(store, run.id, options);
      let name = file.fileName;
      for (let n = 2; files[name]; n++) name = file.fileName.replace(/(\.[a-z]+)$/, `-${n}$1`);
      files[name] = [file.bytes, { level: 0 }];
    } catch (error) {
      skipped.push(`${run.settings.name}: ${errorMessage(error)}`);
    }
  }
  const date = new Date().toISOString().slice(0, 10);
  return { fileName: `phantom-studio-models-${date}.zip`, bytes: zipSync(files), files: Object.keys(files), skipped };
}

/** `ready` resolves once a compute backend runs: checking an import builds the model. */
export function createRunFilesApi(store: KeyValueStore, ready: () => Promise<unknown>): RunFilesApi {
  return {
    exportRunFile: (runId, options) => exportRunFile(store, runId, options),
    exportAllRunFiles: (options) => exportAllRunFiles(store, options),
    importRunFile: async (bytes, fileName) => (await ready(), importRunFile(store, bytes, fileName)),
    readRunCard: async (bytes, fileName) => (await ready(), (await checkRunFile(bytes, fileName)).card),
    libraryCards: () => libraryCards(store),
  };
}
