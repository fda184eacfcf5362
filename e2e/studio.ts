/**
 * Opens the studio in a fresh browser context, records every request it makes (network audit)
 * and every console error, and offers the few waits the tests share.
 */
import { appendFileSync } from 'node:fs';
import { expect, inject } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { NETWORK_LOG } from './networkLog';
import { isOwnOrigin } from './globalSetup';

export interface StudioSession {
  context: BrowserContext;
  page: Page;
  baseURL: string;
  consoleErrors: string[];
  foreignRequests: string[];
}

export async function openStudio(browser: Browser, path = '/'): Promise<StudioSession> {
  const baseURL = inject('baseURL');
  const context = await browser.newContext({ baseURL });
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];
  context.on('request', (request) => {
    const url = request.url();
    appendFileSync(NETWORK_LOG, `${JSON.stringify({ url, allowedOrigin: baseURL })}\n`);
    if (!isOwnOrigin(url, baseURL)) foreignRequests.push(url);
  });
  const page = await context.newPage();
  watchConsole(page, consoleErrors);
  await page.goto(path);
  return { context, page, baseURL, consoleErrors, foreignRequests };
}

export function watchConsole(page: Page, sink: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error') sink.push(message.text());
  });
  page.on('pageerror', (error) => sink.push(error.message));
}

/** Waits until the status bar names the running backend, and returns it. */
export async function waitForBackend(page: Page, timeout = 120_000): Promise<string> {
  const backend = page.getByTestId('backend');
  await page.waitForFunction(
    () => {
      const text = document.querySelector('[data-testid="backend"]')?.textContent ?? '';
      return /^(webgpu|webgl|wasm|cpu)$/.test(text.trim());
    },
    undefined,
    { timeout },
  );
  return (await backend.textContent())!.trim();
}

/** Counts entries in the studio's IndexedDB store, from the page. */
export function storedKeyCount(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('phantom-studio');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('kv')) return resolve(0);
          const request = db.transaction('kv').objectStore('kv').count();
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => reject(request.error);
        };
      }),
  );
}

/** Waits until the dataset grid shows painted thumbnails. */
export async function waitForGrid(page: Page, timeout = 120_000): Promise<number> {
  await page.getByTestId('image-grid').locator('canvas').first().waitFor({ timeout });
  return page.getByTestId('image-grid').locator('canvas').count();
}

/** A phantom set as the Data stage's form makes it (size 32 px unless said). */
export interface PhantomSetForm {
  modality: 'head-ct' | 'chest-xray';
  count: number;
  size?: 32 | 64 | 128;
  /** Left as the form has it when absent. */
  seed?: number;
}

/**
 * Generates a phantom set from the Data stage's form and waits until the studio says it was
 * created; returns its label in the other stages' dataset lists.
 */
export async function generatePhantomSet(page: Page, { modality, count, size = 32, seed }: PhantomSetForm): Promise<string> {
  await page.locator('select[name="modality"]').selectOption(modality);
  await page.locator('select[name="size"]').selectOption(String(size));
  await page.locator('input[name="count"]').fill(String(count));
  if (seed !== undefined) await page.locator('input[name="seed"]').fill(String(seed));
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByText(new RegExp(`Created .*\\(${count} images\\)`)).waitFor({ timeout: 60_000 });
  return `${modality} phantoms ${size}px ×${count} (${count} × ${size}px)`;
}

/**
 * Trains a tiny run (2 steps, batch 4, width 4, latent 8: the plumbing, not the model's quality)
 * on the dataset with that label, from the Train stage; resolves when the run shows finished.
 * `checkForm` runs once the model is chosen, before the form is filled in and sent.
 */
export async function trainTinyRun(page: Page, datasetLabel: string, model: 'dcgan' | 'vae', checkForm?: () => Promise<void>): Promise<void> {
  await page.getByRole('link', { name: 'Train' }).click();
  await page.locator('select[name="run-dataset"]').selectOption({ label: datasetLabel });
  await page.locator('select[name="run-model"]').selectOption(model);
  await checkForm?.();
  for (const [name, value] of [['model-batchSize', 4], ['model-latentDim', 8], ['model-width', 4], ['run-totalSteps', 2], ['run-readbackEvery', 1], ['run-sampleEvery', 2], ['run-checkpointEvery', 2], ['run-samplesPerClass', 1]] as const) {
    const input = page.locator(`input[name="${name}"]`);
    await input.fill(String(value));
    await input.dispatchEvent('change');
  }
  await page.getByRole('button', { name: 'Create and train' }).click();
  await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 180_000, interval: 1000 }).toBe('finished');
}

/**
 * A 64-image head-CT phantom set at 32 px and a tiny DCGAN trained on it for 2 steps, from the
 * Data stage; resolves when the Train stage shows the run finished.
 */
export async function trainTinyDcgan(page: Page, checkForm?: () => Promise<void>): Promise<void> {
  await trainTinyRun(page, await generatePhantomSet(page, { modality: 'head-ct', count: 64 }), 'dcgan', checkForm);
}
