/** `npm run export-pytorch`: a run file becomes a project folder (or ZIP); bad input is refused in one line. */
import 'fake-indexeddb/auto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRunFile } from '../../src/runfiles/exportRunFile';
import { phantomRunStore } from '../../src/testing/phantomRunStore';
import { useWasmBackend } from '../../src/testing/wasmBackend';
import { Trainer } from '../../src/training/trainer';
import { PROJECT_ROOT } from '../testing/runScript';

const dir = mkdtempSync(join(tmpdir(), 'phantom-export-pytorch-'));
const runPath = join(dir, 'tiny.phantomrun');

function exportPytorch(args: string[]) {
  return spawnSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [join(PROJECT_ROOT, 'scripts', 'exportPytorch.ts'), ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
}

beforeAll(async () => {
  await useWasmBackend();
  const store = await phantomRunStore('export-pytorch-cli');
  const hooks = { emit: () => undefined, replaceBackend: async () => tf.getBackend(), backendName: () => tf.getBackend() };
  const trainer = await Trainer.create(store, 'r', { name: 'tiny vae', datasetId: 'ds', model: { kind: 'vae', width: 4, latentDim: 4, batchSize: 4, seed: 1 }, totalSteps: 2, readbackEvery: 2, sampleEvery: 100, checkpointEvery: 100, keepCheckpoints: 2, samplesPerClass: 2, seed: 1 }, hooks);
  await trainer.run();
  trainer.dispose();
  writeFileSync(runPath, (await exportRunFile(store, 'r')).bytes);
  writeFileSync(join(dir, 'data.npz'), new Uint8Array([1, 2, 3]));
  writeFileSync(join(dir, 'junk.phantomrun'), 'not a zip');
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run export-pytorch', () => {
  it('writes the project folder with the data, and a ZIP', () => {
    const run = exportPytorch(['--run', runPath, '--out', 'proj', '--data', 'data.npz']);
    expect(run.status, run.stderr).toBe(0);
    expect(readdirSync(join(dir, 'proj')).sort()).toEqual(['README.md', 'data.npz', 'phantom_models.py', 'runcard.json', 'tiny-vae.phantomrun', 'train.py']);
    expect(readFileSync(join(dir, 'proj', 'tiny-vae.phantomrun'))).toEqual(readFileSync(runPath));
    expect(run.stdout).toContain('python train.py --run tiny-vae.phantomrun --data data.npz --steps 2002 --out checkpoints');

    const zip = exportPytorch(['--run', runPath, '--out', 'proj.zip']);
    expect(zip.status, zip.stderr).toBe(0);
    expect(Object.keys(unzipSync(readFileSync(join(dir, 'proj.zip')))).sort()).toEqual(
      ['README.md', 'phantom_models.py', 'runcard.json', 'tiny-vae.phantomrun', 'train.py'].map((n) => `proj/${n}`),
    );
  });

  it('refuses a non-empty folder, a missing file and a file that is not a run file', () => {
    const again = exportPytorch(['--run', runPath, '--out', 'proj']);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain('proj is not empty');
    const missing = exportPytorch(['--run', 'nope.phantomrun', '--out', 'x']);
    expect(missing.stderr).toContain('nope.phantomrun: no such file');
    const junk = exportPytorch(['--run', 'junk.phantomrun', '--out', 'y']);
    expect(junk.stderr).toMatch(/junk\.phantomrun: not a run file/);
    expect(existsSync(join(dir, 'y'))).toBe(false);
  });
});
