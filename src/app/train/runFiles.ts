/**
 * The Train stage's run-file actions (src/runfiles, README "Run files"): export the selected run as
 * a .phantomrun download, import one back as a new run. The model library builds on the same
 * `compute().runFiles` API.
 */
import { compute } from '../computeClient';
import { download } from '../download';
import { notify } from '../studioState.svelte';
import { RUN_FILE_EXTENSION } from '../../runfiles/runFileFormat';
import { runAction, runs } from './runsState.svelte';

export const RUN_FILE_ACCEPT = `${RUN_FILE_EXTENSION},.zip`;

/** Downloads the run's latest checkpoint with its optimiser state, so it can also continue training elsewhere. */
export async function exportRunFileOf(runId: string): Promise<void> {
  // A Blob assembled in the worker from the streamed archive: it crosses to this page by reference.
  const file = await compute().runFiles.exportRunFile(runId, { includeOptimizer: true });
  download(file.fileName, file.blob, 'application/zip');
  notify(`Exported ${file.fileName} (${(file.size / 1e6).toFixed(1)} MB): weights, optimiser state and run card, step ${file.card.checkpoint.step}.`);
}

/** Imports a run file as a new run and selects it; a refused file leaves the store unchanged and says why. */
export async function importRunFileFrom(file: File): Promise<void> {
  await runAction(async () => {
    // The File itself goes to the worker (by reference) and is read there once, not here and again in a copy.
    const imported = await compute().runFiles.importRunFile(file, file.name);
    runs.selectedId = imported.runId;
    const notes = [
      imported.hasOptimizer ? '' : 'no optimiser state (continuing restarts Adam)',
      imported.datasetId ? '' : 'its dataset is not stored here (it can generate and be evaluated, not continue training)',
    ].filter(Boolean);
    notify(`Imported "${imported.name}" at step ${imported.step} from ${file.name}${notes.length ? `; ${notes.join('; ')}` : ''}.`);
  });
}
