import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM_ARGS_WITHOUT_WEBGPU, launchBrowser } from './browser';
import { openStudio, waitForBackend, waitForGrid } from './studio';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser(CHROMIUM_ARGS_WITHOUT_WEBGPU);
});
afterAll(async () => {
  await browser?.close();
});

async function fill(page: Page, name: string, value: number) {
  const input = page.locator(`input[name="${name}"]`);
  await input.fill(String(value));
  await input.dispatchEvent('change');
}

describe('the Train stage says what "best" means and measures it', () => {
  it('trains a short run: best by KID against held-out images, its chart, no D chart for a VAE, the form remembered after a reload', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    // 256 images: enough held-out (validation) images for the quality measure.
    await page.locator('select[name="modality"]').selectOption('head-ct');
    await page.locator('select[name="size"]').selectOption('32');
    await page.locator('input[name="count"]').fill('256');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByText(/Created .*\(256 images\)/).waitFor({ timeout: 60_000 });

    await page.getByRole('link', { name: 'Train' }).click();
    await page.locator('select[name="run-dataset"]').selectOption({ label: 'head-ct phantoms 32px ×256 (256 × 32px)' });
    await page.locator('select[name="run-model"]').selectOption('dcgan');
    await fill(page, 'model-batchSize', 8);
    await fill(page, 'model-latentDim', 16);
    await fill(page, 'model-width', 4);
    await fill(page, 'run-totalSteps', 80);
    await fill(page, 'run-readbackEvery', 5);
    await fill(page, 'run-sampleEvery', 20);
    await fill(page, 'run-checkpointEvery', 20);
    await fill(page, 'run-samplesPerClass', 4);
    await page.getByRole('button', { name: 'Create and train' }).click();
    // While it trains: a time left from the step rate, and never two different ones side by side (it
    // once said "about 16 s left" beside "8 min left"). One snapshot of the page's text per poll.
    const timesLeft = () => page.evaluate(() => document.body.innerText.match(/\d+(\.\d)? (s|min|h) left/g) ?? []);
    await expect.poll(async () => (await timesLeft()).length, { timeout: 120_000, interval: 200 }).toBeGreaterThan(0);
    if (process.env.PHANTOM_SCREENSHOTS) await page.screenshot({ path: join(process.env.PHANTOM_SCREENSHOTS, 'train-stage-running.png'), fullPage: true });
    for (let i = 0; i < 10; i++) {
      const seen = await timesLeft();
      expect(new Set(seen).size).toBeLessThanOrEqual(1);
      await page.waitForTimeout(300);
    }
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 240_000, interval: 1000 }).toBe('finished');
    await expect.poll(() => page.getByTestId('run-best').textContent(), { timeout: 30_000 }).toMatch(/lowest KID \([\d.e+-]+\) of \d+ generated images against\s+\d+ held-out real images/);
    await page.getByTestId('chart-Quality: KID against held-out images (lower is better)').waitFor();
    // A finished run shows no time left.
    expect(await page.getByTestId('run-step').textContent()).not.toMatch(/left/);
    if (process.env.PHANTOM_SCREENSHOTS) await page.screenshot({ path: join(process.env.PHANTOM_SCREENSHOTS, 'train-stage-dcgan.png'), fullPage: true });

    // A VAE has no discriminator: no D(real)/D(fake) chart.
    await page.locator('select[name="run-model"]').selectOption('vae');
    await fill(page, 'model-batchSize', 8);
    await fill(page, 'run-totalSteps', 10);
    await page.getByRole('button', { name: 'Create and train' }).click();
    await expect.poll(() => page.locator('#run-title').textContent(), { timeout: 60_000 }).toMatch(/^VAE/);
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 240_000, interval: 1000 }).toBe('finished');
    await page.getByTestId('chart-Losses').waitFor();
    expect(await page.getByTestId('chart-D(real) and D(fake)').count()).toBe(0);
    if (process.env.PHANTOM_SCREENSHOTS) await page.screenshot({ path: join(process.env.PHANTOM_SCREENSHOTS, 'train-stage-vae.png'), fullPage: true });

    // The form remembers its choices across a reload.
    await page.reload();
    await waitForBackend(page);
    await page.getByRole('link', { name: 'Train' }).click();
    expect(await page.locator('select[name="run-model"]').inputValue()).toBe('vae');
    expect(await page.locator('input[name="run-totalSteps"]').inputValue()).toBe('10');
    expect(await page.locator('input[name="model-batchSize"]').inputValue()).toBe('8');

    // Generate says how far a run trained, and warns when it is very short.
    await page.getByRole('link', { name: 'Generate' }).click();
    await expect.poll(() => page.getByTestId('run-length').textContent(), { timeout: 30_000 }).toMatch(/Trained \d+ of \d+ steps .*very short/);
    expect(consoleErrors).toEqual([]);
  }, 600_000);
});
