/**
 * Serves the production build on 127.0.0.1 (a secure context, which WebGPU and service workers
 * need) for the whole e2e run, and afterwards checks the network audit: every request any test
 * made must have gone to the app's own origin.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { preview, type PreviewServer } from 'vite';
import type { TestProject } from 'vitest/node';
import { BROWSER_HELP, findBrowser } from './browser';
import { NETWORK_LOG } from './networkLog';

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string;
  }
}

let server: PreviewServer | null = null;

export async function setup(project: TestProject): Promise<void> {
  if (!findBrowser()) throw new Error(BROWSER_HELP);
  if (!existsSync(resolve('dist/index.html'))) throw new Error('No production build in dist/: run `npm run build` first (npm test does it for you).');
  mkdirSync(resolve('test-results'), { recursive: true });
  rmSync(NETWORK_LOG, { force: true });
  server = await preview({ preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false }, logLevel: 'warn' });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('Preview server did not report a port');
  project.provide('baseURL', `http://127.0.0.1:${address.port}`);
}

export async function teardown(): Promise<void> {
  await server?.close();
  if (!existsSync(NETWORK_LOG)) return;
  const foreign = readFileSync(NETWORK_LOG, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { url: string; allowedOrigin: string })
    .filter((r) => !isOwnOrigin(r.url, r.allowedOrigin));
  if (foreign.length) {
    throw new Error(`Network audit failed: ${foreign.length} request(s) left the app's origin:\n${foreign.map((r) => r.url).join('\n')}`);
  }
}

export function isOwnOrigin(url: string, origin: string): boolean {
  if (url.startsWith('data:') || url.startsWith('blob:')) return true;
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}
