/** Runs a command-line script as a user would (tsx, a fresh process) and captures what it prints. */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ScriptResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runScript(script: 'convert' | 'metrics' | 'train' | 'generate' | 'augment', args: string[], timeoutMs = 120_000): ScriptResult {
  const result = spawnSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [join(PROJECT_ROOT, 'scripts', `${script}.ts`), ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, PHANTOM_DEBUG: '' },
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The last line of stdout parsed as JSON (train prints its summary there). */
export function lastJsonLine<T>(stdout: string): T {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as T;
}
