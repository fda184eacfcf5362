/**
 * Memory over a long run in the real app (issue 18): the production build in headless Chromium
 * trains a DCGAN on 32 px head-CT phantoms (batch 4, width 4, the reproduction) with a
 * sample grid and a checkpoint every 5 steps, on the wasm backend, and samples the memory of
 * Chromium's processes as the steps pass: the renderer (the page, the compute worker, its wasm
 * heap), the GPU process and the page's JS heap. Before each sample both the page and its workers
 * run a full garbage collection (Chromium starts with --expose-gc), so what is left is what the app
 * keeps, not what the collector has not got round to.
 *
 *   npx vite build && npx tsx bench/longRun.ts [--steps 1000] [--every 5] [--sample-every 100] [--json out.json]
 *
 * Prints one row per sample and the growth per 1,000 steps over the second half of the run (a
 * least-squares slope; the first half holds warm-up, caches and the chart filling up). Exits 1 when
 * the renderer grows by more than --allow-mb (default 30) per 1,000 steps. Not a test: it takes
 * minutes and its figures depend on the machine. src/training/trainerMemory.test.ts checks the
 * worker's own figures (JS heap, wasm heap, tfjs bytes) in Node, and e2e/longRunMemory.test.ts that
 * the charts reuse their canvases.
 */
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { preview } from 'vite';
import type { CDPSession, Page } from 'playwright-core';
import { CHROMIUM_ARGS, launchBrowser } from '../e2e/browser';
import { findProcessByArgument, sampleTree } from './processMemory';
import { LoadSampler } from './machine';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '1000' },
    every: { type: 'string', default: '5' },
    'sample-every': { type: 'string', default: '100' },
    'allow-mb': { type: 'string', default: '30' },
    json: { type: 'string', default: '' },
  },
});
const positive = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench/longRun.ts: --${name} needs a positive integer, got ${values[name]}`);
  return n;
};
const steps = positive('steps');
const every = positive('every');
const sampleEvery = positive('sample-every');
const allowMb = Number(values['allow-mb']);

interface Sample {
  step: number;
  seconds: number;
  rendererMB: number;
  gpuMB: number;
  pageHeapMB: number;
}

const mb = (bytes: number) => bytes / 2 ** 20;

async function fill(page: Page, name: string, value: number | string) {
  const input = page.locator(`input[name="${name}"]`);
  await input.fill(String(value));
  await input.dispatchEvent('change');
}

async function currentStep(page: Page): Promise<number> {
  return Number(/step (\d+)/.exec((await page.getByTestId('run-step').textContent()) ?? '')?.[1] ?? NaN);
}

/** Full collections in the page and every worker, then the page's used JS heap. */
async function collectAndMeasure(page: Page, cdp: CDPSession): Promise<number> {
  for (const worker of page.workers()) await worker.evaluate(() => (globalThis as unknown as { gc?: () => void }).gc?.()).catch(() => undefined);
  await page.evaluate(() => (globalThis as unknown as { gc?: () => void }).gc?.());
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

const server = await preview({ root: ROOT, preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false }, logLevel: 'warn' });
const address = server.httpServer.address();
if (!address || typeof address === 'string') throw new Error('bench/longRun.ts: the preview server did not report a port');
const marker = `--phantom-longrun=${randomUUID()}`;
const browser = await launchBrowser([...CHROMIUM_ARGS, '--js-flags=--expose-gc', marker]);
const pid = findProcessByArgument(marker);
if (pid === undefined) throw new Error('bench/longRun.ts: could not find the Chromium process to measure');
const load = new LoadSampler();
const samples: Sample[] = [];
try {
  const context = await browser.newContext({ baseURL: `http://127.0.0.1:${address.port}`, serviceWorkers: 'block' });
  const page = await context.newPage();
  page.on('pageerror', (error) => process.stderr.write(`page error: ${error.message}\n`));
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto('/');
  await page.waitForFunction(() => /^(webgpu|webgl|wasm|cpu)$/.test(document.querySelector('[data-testid="backend"]')?.textContent?.trim() ?? ''), undefined, { timeout: 120_000 });
  // The CPU path, as the issue measured it (SwiftShader's WebGPU takes seconds a step).
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByRole('radio', { name: 'wasm' }).check();
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="backend"]')?.textContent?.trim() === 'wasm', undefined, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Close' }).click();

  await page.locator('select[name="modality"]').selectOption('head-ct');
  await page.locator('select[name="size"]').selectOption('32');
  await page.locator('input[name="count"]').fill('64');
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByText(/Created .*\(64 images\)/).waitFor({ timeout: 120_000 });
  await page.getByRole('link', { name: 'Train' }).click();
  const dataset = await page.locator('select[name="run-dataset"] option', { hasText: 'head-ct phantoms 32px ×64' }).first().getAttribute('value');
  await page.locator('select[name="run-dataset"]').selectOption(dataset ?? '');
  await page.locator('select[name="run-model"]').selectOption('dcgan');
  await fill(page, 'model-batchSize', 4);
  await fill(page, 'model-latentDim', 16);
  await fill(page, 'model-width', 4);
  await fill(page, 'run-totalSteps', steps + 10 * every);
  await fill(page, 'run-readbackEvery', every);
  await fill(page, 'run-sampleEvery', every);
  await fill(page, 'run-checkpointEvery', every);
  await page.getByRole('button', { name: 'Create and train' }).click();

  const started = Date.now();
  console.log(`DCGAN 32 px, batch 4, width 4, wasm; grid + checkpoint every ${every} steps; sample every ${sampleEvery} steps (after full GCs)`);
  console.log('| step | min | renderer MB | GPU process MB | page JS heap MB |');
  console.log('| --- | --- | --- | --- | --- |');
  for (let target = every; target <= steps; target = Math.ceil((target + 1) / sampleEvery) * sampleEvery) {
    await page.waitForFunction(
      (t) => Number(/step (\d+)/.exec(document.querySelector('[data-testid="run-step"]')?.textContent ?? '')?.[1] ?? 0) >= t,
      target,
      { timeout: 600_000, polling: 500 },
    );
    const pageHeap = await collectAndMeasure(page, cdp);
    const tree = sampleTree(pid);
    const sample: Sample = { step: await currentStep(page), seconds: (Date.now() - started) / 1000, rendererMB: mb(tree.renderer), gpuMB: mb(tree.gpu), pageHeapMB: mb(pageHeap) };
    samples.push(sample);
    console.log(`| ${sample.step} | ${(sample.seconds / 60).toFixed(1)} | ${sample.rendererMB.toFixed(0)} | ${sample.gpuMB.toFixed(0)} | ${sample.pageHeapMB.toFixed(1)} |`);
  }
  await page.getByRole('button', { name: 'Stop' }).click();
} finally {
  await browser.close();
  await new Promise<void>((done) => server.httpServer.close(() => done()));
}

const secondHalf = samples.filter((s) => s.step >= steps / 2);
const per1000 = (pick: (s: Sample) => number) => slope(secondHalf.map((s) => [s.step, pick(s)])) * 1000;
const growth = { rendererMBPer1000Steps: per1000((s) => s.rendererMB), gpuMBPer1000Steps: per1000((s) => s.gpuMB), pageHeapMBPer1000Steps: per1000((s) => s.pageHeapMB) };
const loadAverage = load.summarise();
load.stop();
console.log(
  `growth per 1,000 steps over steps ≥ ${steps / 2}: renderer ${growth.rendererMBPer1000Steps.toFixed(1)} MB, GPU process ${growth.gpuMBPer1000Steps.toFixed(1)} MB, ` +
    `page JS heap ${growth.pageHeapMBPer1000Steps.toFixed(2)} MB; load average ${loadAverage.mean1.toFixed(1)} (${loadAverage.min1.toFixed(1)}–${loadAverage.max1.toFixed(1)})`,
);
if (values.json) writeFileSync(values.json, JSON.stringify({ steps, every, sampleEvery, samples, growth, loadAverage }, null, 2));
if (growth.rendererMBPer1000Steps > allowMb) {
  console.error(`the renderer grew by more than ${allowMb} MB per 1,000 steps`);
  process.exitCode = 1;
}
