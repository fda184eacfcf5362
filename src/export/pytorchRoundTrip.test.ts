/**
 * The PyTorch round trip: a run trained in the studio is exported as a PyTorch project (run file +
 * the run's dataset as npz + phantom_models.py + train.py), train.py continues it for three steps
 * under `torchrun --nnodes 1 --rdzv_backend c10d --rdzv_endpoint localhost:0 --nproc_per_node 2` on the CPU (gloo, DistributedDataParallel), and the checkpoint
 * it writes is imported back through the run-file import: it continues the original run in place
 * (same run id, step 4 → 7, the run card saying steps 0–4 were trained in the studio and 4–7 by
 * PyTorch under torchrun with 2 processes), generates images from PyTorch's weights, and the studio
 * trains it on from step 7 with PyTorch's Adam state. Importing it as a new run stays possible.
 *
 * Needs /usr/bin/python3 with torch and numpy (Debian python3-torch, python3-numpy); skips with the
 * reason otherwise.
 */
import 'fake-indexeddb/auto';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfigInput } from '../../models/types';
import { exportStoredDataset } from '../datasets/exportStoredDataset';
import { generateFromRun } from '../generation/generateFromRun';
import { exportRunFile } from '../runfiles/exportRunFile';
import { checkRunFile, importRunFile } from '../runfiles/importRunFile';
import { importTarget } from '../runfiles/continueRun';
import type { RunCard } from '../runfiles/runFileFormat';
import { phantomRunStore } from '../testing/phantomRunStore';
import { useWasmBackend } from '../testing/wasmBackend';
import { listRuns, loadLatestGoodCheckpoint, loadRun, saveRun } from '../training/runStore';
import { trainingSegments } from '../training/trainingSegments';
import { Trainer, type TrainerHooks } from '../training/trainer';
import type { RunSettings } from '../training/runTypes';
import { projectRunFromCard, pytorchProjectFiles, runFileNameFor } from './pytorchProject';

const PYTHON = '/usr/bin/python3';
const PYTHON_DIR = resolve(import.meta.dirname, '../../python');
const hooks: TrainerHooks = { emit: () => undefined, replaceBackend: async () => tf.getBackend(), backendName: () => tf.getBackend() };
const MODEL: ModelConfigInput = { kind: 'dcgan', width: 8, latentDim: 16, batchSize: 4, numClasses: 2, seed: 5 };

function settings(totalSteps: number): RunSettings {
  return { name: 'tiny dcgan', datasetId: 'ds', model: MODEL, totalSteps, readbackEvery: 2, sampleEvery: 100, checkpointEvery: 100, keepCheckpoints: 2, samplesPerClass: 2, seed: 9 };
}

async function runTrainer(trainer: Trainer): Promise<void> {
  try {
    await trainer.run();
  } finally {
    trainer.dispose();
  }
}

/** The README's single-machine rendezvous: a free port, so two jobs at once never collide (python/train.py). */
const RENDEZVOUS = ['--nnodes', '1', '--rdzv_backend', 'c10d', '--rdzv_endpoint', 'localhost:0'];

/** Listens on `port` on every address (IPv4 only where IPv6 is off); null when something else holds it already. */
async function holdPort(port: number): Promise<Server | null> {
  for (const host of ['::', '0.0.0.0']) {
    const server = createServer();
    const error = await new Promise<NodeJS.ErrnoException | null>((done) => server.once('error', done).listen({ port, host }, () => done(null)));
    if (!error) return server;
    if (error.code === 'EADDRINUSE') return null;
    if (error.code !== 'EAFNOSUPPORT' && error.code !== 'EADDRNOTAVAIL') throw error;
  }
  throw new Error(`could not listen on port ${port}`);
}

function torchMissing(): string | null {
  const check = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (check.error) return `${PYTHON} could not run (${check.error.message})`;
  return check.status === 0 ? null : `${PYTHON} lacks torch or numpy (${check.stderr.trim().split('\n').at(-1)}); install python3-torch and python3-numpy`;
}

beforeAll(async () => {
  await useWasmBackend();
});

describe('PyTorch round trip', () => {
  it('torchrun --nproc_per_node 2 continues an exported run 3 steps; its checkpoint continues the original run in place (4 → 7), samples, and trains on from 7', async (context) => {
    const missing = torchMissing();
    if (missing) return context.skip(`PyTorch round trip skipped: ${missing}`);
    const store = await phantomRunStore('pytorch-round-trip');
    await runTrainer(await Trainer.create(store, 'run-a', settings(4), hooks));
    const file = await exportRunFile(store, 'run-a', { includeOptimizer: true });

    const dir = mkdtempSync(join(tmpdir(), 'phantom-pytorch-'));
    try {
      const run = projectRunFromCard(file.card);
      const files = pytorchProjectFiles({
        run,
        runFile: file.bytes,
        runCardJson: JSON.stringify(file.card),
        sources: { phantomModels: readFileSync(join(PYTHON_DIR, 'phantom_models.py'), 'utf8'), trainPy: readFileSync(join(PYTHON_DIR, 'train.py'), 'utf8') },
        data: await exportStoredDataset(store, 'ds', 'npz'),
      });
      for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
      expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain(`torchrun --nnodes 1 --rdzv_backend c10d --rdzv_endpoint localhost:0 --nproc_per_node N train.py --run ${runFileNameFor(run)} --data data.npz`);

      // torchrun is torch.distributed.run. --redirects/--tee 1: Debian's torch 1.13 under Python 3.12
      // cannot parse their default "0" (Python's Flag iteration skips the zero member); same behaviour.
      const torchrun = spawnSync(
        PYTHON,
        ['-m', 'torch.distributed.run', '--redirects', '1', '--tee', '1', ...RENDEZVOUS, '--nproc_per_node', '2', 'train.py',
          '--run', runFileNameFor(run), '--data', 'data.npz', '--steps', '7', '--out', 'checkpoints', '--device', 'cpu', '--log-every', '1'],
        { cwd: dir, encoding: 'utf8', timeout: 300_000, env: { ...process.env, OMP_NUM_THREADS: '1' } },
      );
      expect(torchrun.status, `${torchrun.stdout}\n${torchrun.stderr}`).toBe(0);
      expect(torchrun.stdout).toMatch(/cpu x 2 processes/);
      expect(torchrun.stdout).toMatch(/step 7 .*lossD/);
      const checkpoints = readdirSync(join(dir, 'checkpoints'));
      expect(checkpoints).toEqual(['tiny-dcgan-step7.phantomrun']);

      const bytes = new Uint8Array(readFileSync(join(dir, 'checkpoints', checkpoints[0])));
      const exported = new Map((await loadLatestGoodCheckpoint(store, await loadRun(store, 'run-a'), () => undefined))!.state.tensors.map((t) => [t.name, t.data]));
      const labels = Uint8Array.from([0, 1, 0, 1]);
      const before = await generateFromRun(store, 'run-a', { checkpoint: 'latest', count: 4, seed: 11, labels });
      const recordBefore = await loadRun(store, 'run-a');

      // The checkpoint names run-a, which is here at step 4 and has not trained since: continue it in place.
      const target = await importTarget(store, (await checkRunFile(bytes, checkpoints[0])).card);
      expect(target).toMatchObject({ kind: 'continue', runId: 'run-a', storedStep: 4, fileStep: 7 });
      const imported = await importRunFile(store, bytes, checkpoints[0]);
      expect(imported).toMatchObject({ runId: 'run-a', continued: true, step: 7, hasOptimizer: true, datasetId: 'ds' });
      expect((await listRuns(store)).map((r) => r.id)).toEqual(['run-a']);
      const record = await loadRun(store, 'run-a');
      expect(record.step).toBe(7);
      expect(record.createdAt).toBe(recordBefore.createdAt);
      expect(record.checkpoints.map((c) => c.step)).toEqual([...recordBefore.checkpoints.map((c) => c.step), 7]);
      expect(record.history.map((r) => r.step)).toEqual([2, 4, 5, 6, 7]);
      const segments = trainingSegments(record);
      expect(segments).toMatchObject([
        { where: 'studio', fromStep: 0, toStep: 4 },
        { where: 'pytorch', fromStep: 4, toStep: 7, processes: 2, device: 'cpu' },
      ]);
      expect(segments[1]!.engine).toMatch(/^PyTorch /);
      expect(record.log.at(-1)!.text).toMatch(/Continued in place from tiny-dcgan-step7\.phantomrun: step 4 → 7 \(steps 4–7: PyTorch .* on cpu, torchrun 2 processes\)/);
      // Its card, as exported now, says which steps were trained where.
      const card = (await exportRunFile(store, 'run-a')).card;
      expect(card.run.id).toBe('run-a');
      expect(card.training.segments).toEqual(segments);
      expect(card.training.trainingSeconds).toBeGreaterThan(0);

      // Generation: the run's weights are now PyTorch's (not the exported ones) and make real images.
      const after = await generateFromRun(store, 'run-a', { checkpoint: 'latest', count: 4, seed: 11, labels });
      expect(after.step).toBe(7);
      expect(after.pixels.length).toBe(4 * 32 * 32);
      // (A 4-step model's images are mostly saturated; they need only differ from the exported run's.)
      expect(after.pixels).not.toEqual(before.pixels);
      const trained = (await loadLatestGoodCheckpoint(store, record, () => undefined))!.state;
      expect(trained.step).toBe(7);
      const changed = trained.tensors.filter((t) => t.name.startsWith('G/') && t.data.some((v, i) => v !== exported.get(t.name)![i]));
      expect(changed.length).toBeGreaterThan(5);

      // The same file again: the run is at step 7 now, so it can only become a new run (and says why).
      const again = await importTarget(store, (await checkRunFile(bytes, checkpoints[0])).card);
      expect(again).toMatchObject({ kind: 'new', reason: expect.stringMatching(/already at step 7/) });
      const copy = await importRunFile(store, bytes, checkpoints[0], 'new');
      expect(copy).toMatchObject({ continued: false, step: 7 });
      expect(copy.runId).not.toBe('run-a');
      const copyCard = (await loadRun(store, copy.runId)).imported!.card as RunCard & { training: { pytorch: { processes: number }[] } };
      expect(copyCard.training.backend).toMatch(/^PyTorch .* \(cpu x 2\)$/);
      expect(copyCard.training.pytorch.at(-1)).toMatchObject({ processes: 2, fromStep: 4, toStep: 7 });

      // And the studio trains the original run on from step 7, from PyTorch's Adam state.
      await saveRun(store, { ...record, settings: { ...record.settings, totalSteps: 8 } });
      await runTrainer(await Trainer.resume(store, 'run-a', hooks));
      const resumed = await loadRun(store, 'run-a');
      const found = await loadLatestGoodCheckpoint(store, resumed, () => undefined);
      expect(found!.state.step).toBe(8);
      expect(resumed.log.map((l) => l.text)).toContain(`Resumed at step 7 on ${tf.getBackend()}`);
      expect(trainingSegments(resumed).map((s) => [s.where, s.fromStep, s.toStep])).toEqual([['studio', 0, 4], ['pytorch', 4, 7], ['studio', 7, 8]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);

  it('continues a run whose dataset is smaller than a batch: in one process and under torchrun with 2 (its default port taken), drawing with replacement as the studio does', async (context) => {
    const missing = torchMissing();
    if (missing) return context.skip(`PyTorch round trip skipped: ${missing}`);
    // 16 training images and a batch of 20: the studio trains on it (it draws with replacement); so must train.py.
    const store = await phantomRunStore('pytorch-small-data');
    const small: RunSettings = { ...settings(1), name: 'small data', model: { ...MODEL, batchSize: 20 } };
    await runTrainer(await Trainer.create(store, 'run-s', small, hooks));
    const file = await exportRunFile(store, 'run-s', { includeOptimizer: true });
    const dir = mkdtempSync(join(tmpdir(), 'phantom-pytorch-small-'));
    try {
      writeFileSync(join(dir, 'small.phantomrun'), file.bytes);
      writeFileSync(join(dir, 'data.npz'), await exportStoredDataset(store, 'ds', 'npz'));
      for (const name of ['phantom_models.py', 'train.py']) writeFileSync(join(dir, name), readFileSync(join(PYTHON_DIR, name)));
      const env = { ...process.env, OMP_NUM_THREADS: '1' };
      const common = ['--data', 'data.npz', '--out', 'checkpoints', '--device', 'cpu', '--log-every', '1'];
      const single = spawnSync(PYTHON, ['train.py', '--run', 'small.phantomrun', '--steps', '2', ...common], { cwd: dir, encoding: 'utf8', timeout: 300_000, env });
      expect(single.status, `${single.stdout}\n${single.stderr}`).toBe(0);
      expect(single.stdout).toMatch(/16 training images give each process fewer than one batch of 20, so each process draws its batches from all of them with replacement/);
      expect(single.stdout).toMatch(/step 2 .*lossD/);

      // Another job holds torchrun's fixed ports (29500, and 29400 of --standalone before PyTorch 2.1), as a
      // second run on the same machine would: the README's rendezvous at localhost:0 picks a free one.
      const others = await Promise.allSettled([29500, 29400].map(holdPort));
      let torchrun: SpawnSyncReturns<string>;
      try {
        torchrun = spawnSync(
          PYTHON,
          ['-m', 'torch.distributed.run', '--redirects', '1', '--tee', '1', ...RENDEZVOUS, '--nproc_per_node', '2', 'train.py', '--run', 'checkpoints/small-data-step2.phantomrun', '--steps', '4', ...common],
          { cwd: dir, encoding: 'utf8', timeout: 300_000, env },
        );
      } finally {
        for (const held of others) if (held.status === 'fulfilled') held.value?.close();
      }
      for (const held of others) if (held.status === 'rejected') throw held.reason;
      expect(torchrun.status, `${torchrun.stdout}\n${torchrun.stderr}`).toBe(0);
      expect(torchrun.stdout).toMatch(/cpu x 2 processes, batch 20 per process, 16 training images/);
      expect(torchrun.stdout).toMatch(/step 4 .*lossD/);
      expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(['small-data-step2.phantomrun', 'small-data-step4.phantomrun']);

      const bytes = new Uint8Array(readFileSync(join(dir, 'checkpoints', 'small-data-step4.phantomrun')));
      const imported = await importRunFile(store, bytes, 'small-data-step4.phantomrun');
      expect(imported).toMatchObject({ runId: 'run-s', continued: true, step: 4 });
      expect(trainingSegments(await loadRun(store, 'run-s')).map((s) => [s.where, s.fromStep, s.toStep, s.processes])).toEqual([
        ['studio', 0, 1, undefined], ['pytorch', 1, 2, 1], ['pytorch', 2, 4, 2],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
