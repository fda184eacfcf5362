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

async function currentStep(page: Page): Promise<number> {
  const text = (await page.getByTestId('run-step').textContent()) ?? '';
  return Number(/step (\d+)/.exec(text)?.[1] ?? NaN);
}

async function fill(page: Page, name: string, value: number) {
  const input = page.locator(`input[name="${name}"]`);
  await input.fill(String(value));
  await input.dispatchEvent('change');
}

describe('training in the browser', () => {
  it('trains a tiny conditional WGAN-GP on WebGPU, pauses, survives a reload and resumes where it left off', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);

    // A small 32 px set keeps SwiftShader's software WebGPU within a test's time.
    await page.locator('select[name="modality"]').selectOption('head-ct');
    await page.locator('select[name="size"]').selectOption('32');
    await page.locator('input[name="count"]').fill('64');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByText(/Created .*\(64 images\)/).waitFor({ timeout: 60_000 });

    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('radio', { name: 'webgpu' }).check();
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.getByTestId('backend').textContent(), { timeout: 60_000 }).toBe('webgpu');
    await page.getByRole('button', { name: 'Close' }).click();

    await page.getByRole('link', { name: 'Train' }).click();
    await page.locator('select[name="run-dataset"]').selectOption({ label: 'head-ct phantoms 32px ×64 (64 × 32px)' });
    await page.locator('select[name="run-model"]').selectOption('wgan-gp');
    expect(await page.locator('input[name="conditional"]').isChecked()).toBe(true);
    await fill(page, 'model-batchSize', 4);
    await fill(page, 'model-latentDim', 16);
    await fill(page, 'model-width', 4);
    await fill(page, 'model-nCritic', 1);
    await fill(page, 'run-totalSteps', 400);
    await fill(page, 'run-readbackEvery', 2);
    await fill(page, 'run-sampleEvery', 2);
    await fill(page, 'run-checkpointEvery', 2);
    await fill(page, 'run-samplesPerClass', 2);
    await page.getByRole('button', { name: 'Create and train' }).click();

    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 120_000 }).toBe('running');
    await expect.poll(() => currentStep(page), { timeout: 180_000, interval: 1000 }).toBeGreaterThanOrEqual(4);
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 120_000 }).toBe('paused');
    const pausedAt = await currentStep(page);
    expect(pausedAt).toBeGreaterThanOrEqual(4);
    expect(Number(await page.getByTestId('sample-grid').getAttribute('data-step'))).toBe(pausedAt);

    await page.reload();
    await waitForBackend(page);
    expect(await page.getByTestId('backend').textContent()).toBe('webgpu');
    await page.getByRole('link', { name: 'Train' }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent()).toBe('paused');
    expect(await currentStep(page)).toBe(pausedAt);
    // Curves and grids came back with the run.
    await page.getByTestId('sample-grid').waitFor();
    expect(await page.getByTestId('chart-Losses').locator('canvas').count()).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => currentStep(page), { timeout: 180_000, interval: 1000 }).toBeGreaterThanOrEqual(pausedAt + 2);
    await expect.poll(async () => Number(await page.getByTestId('sample-grid').getAttribute('data-step')), { timeout: 60_000 }).toBeGreaterThan(pausedAt);
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 120_000 }).toBe('stopped');

    // Generate: the stopped run opens for sampling; a latent slider redraws; export runs the audit first.
    await page.getByRole('link', { name: 'Generate' }).click();
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByTestId('sampler-info').waitFor({ timeout: 60_000 });
    await page.getByTestId('slider-image').waitFor({ timeout: 60_000 });
    // A barely trained generator may ignore z, so the test checks the redraw itself, not the picture.
    const renders = Number(await page.getByTestId('slider-image').getAttribute('data-renders'));
    await page.getByRole('slider', { name: 'Latent dimension 0' }).fill('2.5');
    await expect.poll(async () => Number(await page.getByTestId('slider-image').getAttribute('data-renders')), { timeout: 30_000 }).toBeGreaterThan(renders);
    expect(await page.getByText('2.50').count()).toBeGreaterThan(0);
    await page.locator('input[type="number"]').filter({ has: page.locator('xpath=..') }).first();
    await page.locator('input[name="export-count"]').fill('40');
    await page.getByRole('button', { name: 'Audit and save' }).click();
    await expect.poll(() => page.getByTestId('export-audit').textContent(), { timeout: 120_000 }).toMatch(/40 generated, \d+ likely cop(y|ies) \([\d.]+ %, below both thresholds; flagged by SSIM \d+, by features \d+\), \d+ left out, \d+ saved/);
    // The audit goes into the run card.
    await page.getByRole('link', { name: 'Train' }).click();
    await expect.poll(() => page.getByTestId('run-audits').textContent(), { timeout: 30_000 }).toMatch(/40 generated/);
    expect(consoleErrors).toEqual([]);
  });
});
