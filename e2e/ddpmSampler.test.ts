/**
 * The Generate stage samples a DDPM with DPM-Solver++ in 15 passes by default: a tiny DDPM (2 steps,
 * width 8) is trained on a phantom set from the Train stage, opened in Generate, and its sampler
 * controls and grid are checked; switching to DDIM offers the run's 50 steps and redraws.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser';
import { generatePhantomSet, openStudio, waitForBackend, waitForGrid } from './studio';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('DDPM sampler in the Generate stage', () => {
  it('defaults to DPM-Solver++ with 15 passes and switches to DDIM with the run’s 50', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    const dataset = await generatePhantomSet(page, { modality: 'head-ct', count: 16 });

    await page.getByRole('link', { name: 'Train' }).click();
    await page.locator('select[name="run-dataset"]').selectOption({ label: dataset });
    await page.locator('select[name="run-model"]').selectOption('ddpm');
    for (const [name, value] of [['model-batchSize', 4], ['model-width', 8], ['run-totalSteps', 2], ['run-readbackEvery', 1], ['run-sampleEvery', 2], ['run-checkpointEvery', 2], ['run-samplesPerClass', 1]] as const) {
      const input = page.locator(`input[name="${name}"]`);
      await input.fill(String(value));
      await input.dispatchEvent('change');
    }
    await page.getByRole('button', { name: 'Create and train' }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 300_000, interval: 1000 }).toBe('finished');

    await page.getByRole('link', { name: 'Generate' }).click();
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByTestId('sampler-info').waitFor({ timeout: 120_000 });
    const sampler = page.locator('select[name="ddpm-sampler"]');
    const steps = page.locator('input[name="ddim-steps"]');
    expect(await sampler.inputValue()).toBe('dpm-solver++');
    expect(await steps.inputValue()).toBe('15');
    expect(await page.locator('select[name="ddpm-sampler"] option').first().textContent()).toMatch(/DPM-Solver\+\+/);
    await expect.poll(() => page.getByRole('button', { name: 'Redraw' }).isEnabled(), { timeout: 120_000 }).toBe(true);
    if (process.env.PHANTOM_SCREENSHOTS) await page.screenshot({ path: join(process.env.PHANTOM_SCREENSHOTS, 'generate-ddpm-sampler.png'), fullPage: true });

    await sampler.selectOption('ddim');
    await expect.poll(() => steps.inputValue()).toBe('50');
    await page.getByRole('button', { name: 'Redraw' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Redraw' }).isEnabled(), { timeout: 120_000 }).toBe(true);
    await sampler.selectOption('dpm-solver++');
    await expect.poll(() => steps.inputValue()).toBe('15');
    expect(consoleErrors).toEqual([]);
  }, 600_000);
});
