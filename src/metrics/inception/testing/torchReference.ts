/**
 * Test utility: runs testing/torch_reference.py with a PyTorch-equipped Python when this machine
 * has one (`/usr/bin/python3` by default, or PHANTOM_TORCH_PYTHON), so tests can compare against
 * real torch.save files and real PyTorch outputs. Tests skip when it is absent (as on most CI).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const python = process.env.PHANTOM_TORCH_PYTHON ?? '/usr/bin/python3';
const script = join(dirname(fileURLToPath(import.meta.url)), 'torch_reference.py');

export const hasTorch = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore', timeout: 60_000 }).status === 0;
export const TORCH_SKIP_MESSAGE = `${python} cannot import torch: skipping the cross-checks against real PyTorch`;

export interface TorchReference {
  dir: string;
  bytes(name: string): Uint8Array;
  floats(name: string): Float32Array;
  json<T>(name: string): T;
  dispose(): void;
}

/** Writes the reference files for `what` ("formats" or "network") into a fresh temp folder. */
export function runTorchReference(what: 'formats' | 'network'): TorchReference {
  const dir = mkdtempSync(join(tmpdir(), 'inception-torch-'));
  execFileSync(python, [script, dir, what], { stdio: 'pipe', timeout: 120_000 });
  const bytes = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
  return {
    dir,
    bytes,
    floats: (name) => {
      const b = bytes(name);
      return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    },
    json: (name) => JSON.parse(readFileSync(join(dir, name), 'utf8')),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
