/**
 * The PyTorch project export as the worker exposes it (`compute().pytorchExport`), for the model
 * library: a ZIP with phantom_models.py, train.py, the run file (weights, Adam state, run card),
 * runcard.json, a README with the two commands and, when the user includes it, the run's dataset as
 * data.npz (MedMNIST layout). The command-line twin is `npm run export-pytorch`.
 *
 *   project(runId, { includeData })  → { fileName, bytes, dataIncluded, dataNote }
 *       dataNote says why the data is missing when it was asked for (the dataset was deleted).
 */
import phantomModels from '../../python/phantom_models.py?raw';
import trainPy from '../../python/train.py?raw';
import { errorMessage } from '../core/errorMessage';
import { exportStoredDataset } from '../datasets/exportStoredDataset';
import { exportRunFile } from '../runfiles/exportRunFile';
import type { KeyValueStore } from '../storage/keyValueStore';
import { loadRun } from '../training/runStore';
import { projectRunFromCard, pytorchProjectZip, safeFileStem } from './pytorchProject';

export interface PytorchProjectOptions {
  /** Add the run's dataset as data.npz (its pixels leave the browser in the ZIP). */
  includeData: boolean;
}

export interface PytorchProjectFile {
  fileName: string;
  bytes: Uint8Array;
  dataIncluded: boolean;
  /** Why the data is not in the ZIP although it was asked for; null otherwise. */
  dataNote: string | null;
}

export interface PytorchExportApi {
  project(runId: string, options: PytorchProjectOptions): Promise<PytorchProjectFile>;
}

export async function exportPytorchProject(store: KeyValueStore, runId: string, options: PytorchProjectOptions): Promise<PytorchProjectFile> {
  const record = await loadRun(store, runId);
  const file = await exportRunFile(store, runId, { includeOptimizer: true });
  let data: Uint8Array | null = null;
  let dataNote: string | null = null;
  if (options.includeData) {
    try {
      data = await exportStoredDataset(store, record.settings.datasetId, 'npz');
    } catch (error) {
      dataNote = `The run's dataset could not be included (${errorMessage(error)}); the README says how to pass one.`;
    }
  }
  const run = projectRunFromCard(file.card);
  const folder = `${safeFileStem(run.name)}-step${run.step}-pytorch`;
  const bytes = pytorchProjectZip({ run, runFile: file.bytes, runCardJson: JSON.stringify(file.card, null, 1), sources: { phantomModels, trainPy }, data }, folder);
  return { fileName: `${folder}.zip`, bytes, dataIncluded: data !== null, dataNote };
}

export function createPytorchExportApi(store: KeyValueStore): PytorchExportApi {
  return { project: (runId, options) => exportPytorchProject(store, runId, options) };
}
