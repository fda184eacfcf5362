/**
 * Memory over a long run, page side (issue 18): the charts of a training run must be drawn into the
 * same canvases readback after readback. Rebuilding each chart per readback made a new canvas each
 * time, native memory the renderer kept until a rare garbage collection (3 GB after 4,700 steps).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, waitForBackend, waitForGrid } from './studio';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function fill(page: Page, name: string, value: number) {
  const input = page.locator(`input[name="${name}"]`);
  await input.fill(String(value));
  await input.dispatchEvent('change');
}

async function currentStep(page: Page): Promise<number> {
  return Number(/step (\d+)/.exec((await page.getByTestId('run-step').textContent()) ?? '')?.[1] ?? NaN);
}

describe('a long run in the page', () => {
  it('redraws its charts into the same canvases at every readback', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    // The wasm backend: SwiftShader's software WebGPU takes seconds a step.
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('radio', { name: 'wasm' }).check();
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.getByTestId('backend').textContent(), { timeout: 60_000 }).toBe('wasm');
    await page.getByRole('button', { name: 'Close' }).click();

    await page.locator('select[name="modality"]').selectOption('head-ct');
    await page.locator('select[name="size"]').selectOption('32');
    await page.locator('input[name="count"]').fill('32');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByText(/Created .*\(32 images\)/).waitFor({ timeout: 60_000 });
    await page.getByRole('link', { name: 'Train' }).click();
    await page.locator('select[name="run-dataset"]').selectOption({ label: 'head-ct phantoms 32px ×32 (32 × 32px)' });
    await page.locator('select[name="run-model"]').selectOption('dcgan');
    await fill(page, 'model-batchSize', 4);
    await fill(page, 'model-latentDim', 16);
    await fill(page, 'model-width', 4);
    await fill(page, 'run-totalSteps', 100000);
    await fill(page, 'run-readbackEvery', 2);
    await fill(page, 'run-sampleEvery', 5);
    await fill(page, 'run-checkpointEvery', 5);
    await page.getByRole('button', { name: 'Create and train' }).click();
    await expect.poll(() => currentStep(page), { timeout: 120_000, interval: 500 }).toBeGreaterThanOrEqual(10);

    const charts = page.locator('[data-testid^="chart-"] canvas');
    const count = await charts.count();
    expect(count).toBeGreaterThan(0);
    await charts.evaluateAll((canvases) => canvases.forEach((c) => c.setAttribute('data-seen', '')));
    const from = await currentStep(page);
    // Ten readbacks later, every chart still draws into the canvas it had.
    await expect.poll(() => currentStep(page), { timeout: 120_000, interval: 500 }).toBeGreaterThanOrEqual(from + 20);
    expect(await charts.count()).toBe(count);
    expect(await page.locator('[data-testid^="chart-"] canvas:not([data-seen])').count()).toBe(0);
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 60_000 }).toBe('stopped');
    expect(consoleErrors).toEqual([]);
  });
});
