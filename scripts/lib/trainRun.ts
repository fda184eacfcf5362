/**
 * The training part of `npm run train`, loaded only after the command line has been checked (it
 * pulls in tfjs and its wasm backend). It runs the app's own Trainer on a FileStore in the run
 * folder, so the record, checkpoints and sample grids outlive the process: `--resume` continues
 * from the newest verified checkpoint and `--sample` draws images from it later.
 *
 * The time limit (--minutes) is a timer that asks the trainer to pause; the trainer checks for it
 * before every step, so a run overshoots its limit by at most one step plus the final checkpoint and
 * sample grid. A run that reached its time limit is recorded as finished, with the reason.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../src/compute/wasm/trainingKernels';
import { saveDataset } from '../../src/storage/datasetStore';
import { generateFromRun } from '../../src/generation/generateFromRun';
import { loadRun, readSamples, saveRun } from '../../src/training/runStore';
import { measureImportedCheckpoint } from '../../src/training/importedCheckpoint';
import { writeRunFileTo } from './runFileOut';
import { importRunFile } from '../../src/runfiles/importRunFile';
import { RunFileError } from '../../src/runfiles/runFileFormat';
import { describeSegment, trainingSegments } from '../../src/training/trainingSegments';
import { Trainer, type TrainerHooks } from '../../src/training/trainer';
import type { RunRecord, RunSettings } from '../../src/training/runTypes';
import { FileStore } from './fileStore';
import { NodeWebgpuError, installNodeWebgpu } from './nodeWebgpu';
import { runPaths, writeRealGrid, writeRunFiles, writeSampleGrid, writeSampledNpz } from './runFolder';
import { CliError } from './runCommand';
import type { TrainingSet } from './trainingSet';

/** The run's id inside its folder's store: one run per folder. */
export const RUN_ID = 'cli';

/** wasm (our training kernels), cpu, or webgpu through Dawn's Node binding (a GPU server with no browser). */
export type TrainBackend = 'wasm' | 'cpu' | 'webgpu';

export type TrainJob = {
  out: string;
  backend: TrainBackend;
  /** Wall-clock budget of this invocation's training, in minutes; undefined for none. */
  minutes?: number;
  /** Images to sample from the newest checkpoint at the end, written as an npz. */
  sample?: number;
  /** The command line, kept in run.json. */
  commandLine: string[];
} & (
  | { kind: 'new'; data: TrainingSet; dataSpec: string; settings: RunSettings; conditional: boolean }
  /** `steps`: a new total; `train`: false to only sample; `importFile`: a run file that continues the run in place first. */
  | { kind: 'resume'; steps?: number; train: boolean; importFile?: string }
);

export interface TrainSummary {
  status: RunRecord['status'];
  steps: number;
  wallSeconds: number;
  msPerStep: number | null;
  backend: string;
  out: string;
  message?: string;
  last?: Record<string, number>;
  sampled?: string;
  /** <out>/run.phantomrun: the run file (import it in the studio, or npm run generate -- --run it). */
  runFile: string;
}

export async function startBackend(backend: TrainBackend): Promise<void> {
  if (backend === 'webgpu') {
    try {
      const adapter = await installNodeWebgpu();
      console.log(`webgpu: ${adapter.description}`);
    } catch (error) {
      if (error instanceof NodeWebgpuError) throw new CliError(`--backend webgpu: ${error.message}`);
      throw error;
    }
  }
  if (backend === 'wasm') {
    registerWasmTrainingKernels();
    // Located through Node's resolver, so the command works from any directory.
    const wasm = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm');
    setWasmPaths(`${dirname(wasm)}/`);
  }
  if (!(await tf.setBackend(backend))) throw new CliError(`the tfjs ${backend} backend did not start`);
  await tf.ready();
}

async function createRun(store: FileStore, job: Extract<TrainJob, { kind: 'new' }>, hooks: TrainerHooks): Promise<Trainer> {
  const { data } = job;
  const count = data.labels.length;
  const chunk = 256;
  const perImage = data.size * data.size;
  await saveDataset(
    store,
    { id: 'data', name: job.dataSpec, source: 'import', description: job.dataSpec, width: data.size, height: data.size, channels: 1, count, classNames: data.classNames, chunkSize: chunk, createdAt: Date.now() },
    { labels: data.labels, splits: new Uint8Array(count) },
    Array.from({ length: Math.ceil(count / chunk) }, (_, i) => ({ pixels: data.images.slice(i * chunk * perImage, Math.min(count, (i + 1) * chunk) * perImage) })),
  );
  writeRealGrid(job.out, data, job.settings.samplesPerClass, job.conditional);
  return Trainer.create(store, RUN_ID, job.settings, hooks);
}

async function reopenRun(store: FileStore, job: Extract<TrainJob, { kind: 'resume' }>, hooks: TrainerHooks): Promise<Trainer> {
  const record = await loadRun(store, RUN_ID);
  console.log(`run: ${record.settings.name}, step ${record.step} of ${job.steps ?? record.settings.totalSteps}; classes: ${record.classNames.join(', ')}`);
  if (job.steps !== undefined) {
    if (job.steps < record.step) throw new CliError(`--steps ${job.steps} is below the step the run has reached (${record.step})`);
    await saveRun(store, { ...record, settings: { ...record.settings, totalSteps: job.steps } });
  }
  return Trainer.resume(store, RUN_ID, hooks);
}

export async function runTrainJob(job: TrainJob): Promise<TrainSummary> {
  const paths = runPaths(job.out);
  const hasRun = existsSync(paths.store) && readdirSync(paths.store).length > 0;
  if (job.kind === 'new' && hasRun) throw new CliError(`${job.out} already holds a run; continue it with --resume ${job.out}, or choose another --out`);
  if (job.kind === 'resume' && !hasRun) throw new CliError(`${job.out}: no run found (expected the --out folder of an earlier npm run train)`);
  await startBackend(job.backend);
  const store = new FileStore(paths.store);

  if (job.kind === 'resume' && job.importFile) await continueFromFile(store, job.importFile, job.out);
  let record = job.kind === 'resume' ? await loadRun(store, RUN_ID) : null;
  const started = Date.now();
  let stepsAtStart = record?.step ?? 0;
  if (job.kind === 'new' || job.train) {
    const log = (text: string) => console.log(text);
    const hooks: TrainerHooks = {
      emit: (event) => {
        if (event.type === 'metrics') {
          const values = Object.entries(event.rows[0].values).filter(([k]) => !['learningRate', 'absWasserstein'].includes(k)).map(([k, v]) => `${k} ${v.toPrecision(4)}`);
          log(`step ${event.step} · ${((Date.now() - started) / 1000).toFixed(0)} s · ${values.join(' · ')}`);
        } else if (event.type === 'samples') {
          writeSampleGrid(job.out, event.grid, gridFileName(event.grid.step));
        } else if (event.type === 'log') {
          log(`[${event.entry.level}] ${event.entry.text}`);
        }
      },
      // Node has no second backend to fall back to: the trainer records the run as failed with this reason.
      replaceBackend: async (reason) => {
        throw new Error(`the ${job.backend} backend failed (${reason}); the command line has no other backend to switch to`);
      },
      backendName: () => tf.getBackend(),
    };
    const trainer = job.kind === 'new' ? await createRun(store, job, hooks) : await reopenRun(store, job, hooks);
    stepsAtStart = (await loadRun(store, RUN_ID)).step;
    let timeUp = false;
    const budget = job.minutes === undefined ? null : setTimeout(() => {
      timeUp = true;
      trainer.pause();
    }, job.minutes * 60_000);
    const trainStarted = Date.now();
    try {
      record = await trainer.run();
    } finally {
      if (budget) clearTimeout(budget);
      trainer.dispose();
    }
    if (timeUp && record.status === 'paused') record = await finishOnTimeLimit(store, record, job.minutes!, (Date.now() - trainStarted) / 1000);
  }
  record ??= await loadRun(store, RUN_ID);
  const wallSeconds = (Date.now() - started) / 1000;
  const sampled = job.sample ? await sample(store, record, job.sample, job.out) : undefined;
  writeRunFiles(job.out, record, { commandLine: job.commandLine, backend: tf.getBackend(), wallSeconds });
  // The studio's run file of the newest checkpoint (with Adam's state, so the studio can continue it).
  await writeRunFileTo(paths.runFile, store, RUN_ID, { includeOptimizer: true });
  const stepsNow = record.step - stepsAtStart;
  return {
    status: record.status,
    steps: record.step,
    wallSeconds,
    msPerStep: stepsNow > 0 ? (wallSeconds * 1000) / stepsNow : null,
    backend: tf.getBackend(),
    out: job.out,
    ...(record.message ? { message: record.message } : {}),
    last: record.history.at(-1)?.values,
    ...(sampled ? { sampled } : {}),
    runFile: paths.runFile,
  };
}

/** The grid PNG of a step, as the trainer's samples are named. */
const gridFileName = (step: number) => `samples-${String(step).padStart(6, '0')}.png`;

/**
 * The folder's run continued in place from a run file that continues it (continueRun.ts), and its
 * sample grid drawn at the file's step (samples-NNNNNN.png, as the trainer writes); refusals say why.
 */
async function continueFromFile(store: FileStore, path: string, out: string): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new CliError(`--import ${path}: cannot read it (${(error as Error).message})`);
  }
  const before = await loadRun(store, RUN_ID);
  try {
    const imported = await importRunFile(store, bytes, basename(path), 'continue');
    const record = await loadRun(store, RUN_ID);
    const added = trainingSegments(record).filter((s) => s.toStep > before.step).map((s) => ({ ...s, fromStep: Math.max(s.fromStep, before.step) }));
    console.log(`import: continued the run in place from step ${before.step} to ${imported.step} (${added.map(describeSegment).join('; ')})`);
    const logged = record.log.length;
    const { grid: ref } = await measureImportedCheckpoint(store, RUN_ID, imported.step);
    const grid = ref && (await readSamples(store, ref));
    if (grid) {
      writeSampleGrid(out, grid, gridFileName(grid.step));
      console.log(`import: sample grid at step ${grid.step} in ${gridFileName(grid.step)}`);
    }
    // What the measuring found (the grid's variety, the checkpoint's KID and "best"), as the run log has it.
    for (const entry of (await loadRun(store, RUN_ID)).log.slice(logged)) console.log(`import: [${entry.level}] ${entry.text}`);
  } catch (error) {
    if (error instanceof RunFileError) throw new CliError(`--import: ${error.message}`);
    throw error;
  }
}

/** A run stopped by its time limit is finished (its budget is spent), not paused by a user. */
async function finishOnTimeLimit(store: FileStore, record: RunRecord, minutes: number, seconds: number): Promise<RunRecord> {
  const text = `Finished at step ${record.step}: the time limit of ${minutes} min was reached (trained ${seconds.toFixed(0)} s)`;
  const finished: RunRecord = {
    ...record,
    status: 'finished',
    message: text,
    updatedAt: Date.now(),
    log: [...record.log, { time: Date.now(), step: record.step, level: 'info', text }],
  };
  await saveRun(store, finished);
  console.log(`[info] ${text}`);
  return finished;
}

async function sample(store: FileStore, record: RunRecord, count: number, out: string): Promise<string> {
  const set = await generateFromRun(store, RUN_ID, { checkpoint: 'latest', count, seed: record.settings.seed });
  return writeSampledNpz(out, set, record.config.numClasses > 0 ? record.classNames : null);
}
