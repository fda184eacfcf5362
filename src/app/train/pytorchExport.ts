/**
 * "Export for PyTorch" in the Train stage and the model library (src/export, README "Past one browser"): the selected run as
 * a PyTorch project ZIP (phantom_models.py, train.py, the run file, README), with the run's dataset
 * only when the user ticks it (its pixels then leave the browser in the ZIP).
 */
import { compute } from '../computeClient';
import { download } from '../download';
import { notify } from '../studioState.svelte';

export async function exportPytorchProjectOf(runId: string, includeData: boolean): Promise<void> {
  const file = await compute().pytorchExport.project(runId, { includeData });
  download(file.fileName, file.bytes as BlobPart, 'application/zip');
  const data = file.dataIncluded ? 'with the training data as data.npz' : file.dataNote ?? 'without the data (the README says how to pass it)';
  notify(`Exported ${file.fileName}: phantom_models.py, train.py and the run file, ${data}. Its README has the python and torchrun commands.`);
}
