/**
 * Feature workers as Node worker_threads running workers/features.node.ts: the command-line
 * bench uses them to time the pool on every core, and the pool's tests to check that real
 * message passing gives the single-threaded features. TypeScript is loaded through tsx in the
 * thread, as `npx tsx` does for the main script.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FeatureWorker } from './featurePool';
import { taskTransfer, type FeatureReply } from './featureTask';

/**
 * A bootstrap that registers tsx's loader in the thread, then imports the TypeScript entry.
 * (`execArgv: ['--import', 'tsx']` did not reach worker threads on Node 20.) require.resolve
 * finds tsx's CommonJS build of the API, whose register() cannot hook ESM imports; its ESM twin
 * sits beside it as .mjs.
 */
function bootstrap(): string {
  const tsx = createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
  const entry = new URL('../../workers/features.node.ts', import.meta.url).href;
  return `import(${JSON.stringify(pathToFileURL(tsx).href)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
}

export function nodeFeatureWorker(): FeatureWorker {
  const worker = new Worker(bootstrap(), { eval: true });
  let pending: { resolve: (reply: FeatureReply) => void; reject: (error: Error) => void } | null = null;
  worker.on('message', (reply: FeatureReply) => pending?.resolve(reply));
  worker.on('error', (error) => pending?.reject(new Error(`feature worker failed: ${error.message}`)));
  worker.on('exit', (code) => pending?.reject(new Error(`feature worker exited with code ${code}`)));
  return {
    run: (task) =>
      new Promise<FeatureReply>((resolve, reject) => {
        pending = { resolve, reject };
        worker.postMessage(task, taskTransfer(task));
      }),
    terminate: () => {
      pending = null;
      void worker.terminate();
    },
  };
}
