/**
 * The Train stage's run-file actions (src/runfiles, README "Run files"): export the selected run as
 * a .phantomrun download, import one back: as a new run, or continuing the run it came from in place
 * (a PyTorch checkpoint of a run still here). The model library builds on the same
 * `compute().runFiles` API.
 */
import { compute } from '../computeClient';
import { download } from '../download';
import { notify } from '../studioState.svelte';
import { RUN_FILE_EXTENSION } from '../../runfiles/runFileFormat';
import type { ImportMode } from '../../runfiles/continueRun';
import type { ImportPreview } from '../../runfiles/runFilesApi';
import { describeSegment } from '../../training/trainingSegments';
import { runAction, runs } from './runsState.svelte';

export const RUN_FILE_ACCEPT = `${RUN_FILE_EXTENSION},.zip`;

/** Downloads the run's latest checkpoint with its optimiser state, so it can also continue training elsewhere. */
export async function exportRunFileOf(runId: string): Promise<void> {
  // A Blob assembled in the worker from the streamed archive: it crosses to this page by reference.
  const file = await compute().runFiles.exportRunFile(runId, { includeOptimizer: true });
  download(file.fileName, file.blob, 'application/zip');
  notify(`Exported ${file.fileName} (${(file.size / 1e6).toFixed(1)} MB): weights, optimiser state and run card, step ${file.card.checkpoint.step}.`);
}

/** What importing `file` would do (continue which run, or why a new one); null when the file is refused (the notice says why). */
export async function previewRunFile(file: File): Promise<ImportPreview | null> {
  let preview: ImportPreview | null = null;
  await runAction(async () => {
    // The File itself goes to the worker (by reference) and is read there, not here and again in a copy.
    preview = await compute().runFiles.previewImport(file, file.name);
  });
  return preview;
}

/** The steps a continuing file adds, in words: "steps 4–7: PyTorch 1.13.1 on cpu, torchrun 2 processes". */
export function describeAdded(preview: ImportPreview): string {
  return preview.target.kind === 'continue' ? preview.target.added.map(describeSegment).join('; ') : '';
}

/** Imports a run file (a new run, or continuing its original) and selects it; a refused file leaves the store unchanged and says why. */
export async function importRunFileFrom(file: File, mode: ImportMode, whyNew: string | null = null): Promise<void> {
  const fileName = file.name;
  await runAction(async () => {
    const imported = await compute().runFiles.importRunFile(file, fileName, mode);
    runs.selectedId = imported.runId;
    const notes = [
      imported.hasOptimizer ? '' : 'no optimiser state (continuing restarts Adam)',
      imported.datasetId ? '' : 'its dataset is not stored here (it can generate and be evaluated, not continue training)',
      !imported.continued && whyNew ? whyNew.replace(/\.$/, '') : '',
    ].filter(Boolean);
    const what = imported.continued ? `Continued "${imported.name}" in place to step ${imported.step} from ${fileName}` : `Imported "${imported.name}" at step ${imported.step} from ${fileName} as a new run`;
    notify(`${what}${notes.length ? `; ${notes.join('; ')}` : ''}.`);
  });
}
