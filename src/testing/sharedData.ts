/**
 * Access to ../shared (real data and golden references) for tests only. The product never
 * imports this module. When ../shared is absent (a user's fresh clone) tests that need it
 * skip with a message instead of failing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DIR = process.env.PHANTOM_SHARED_DIR ?? resolve(projectRoot, '..', 'shared');

export const hasShared = existsSync(join(SHARED_DIR, 'README.md'));

/** Absolute path inside ../shared. */
export function sharedPath(...parts: string[]): string {
  return join(SHARED_DIR, ...parts);
}

export function readSharedJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(sharedPath(...parts), 'utf8')) as T;
}

export const SHARED_SKIP_MESSAGE = `../shared not found at ${SHARED_DIR}: skipping tests that need real data or golden values`;
if (!hasShared) console.warn(SHARED_SKIP_MESSAGE);
