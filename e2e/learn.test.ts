import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, waitForBackend, waitForGrid } from './studio';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('the classroom view', () => {
  it('trains a GAN and a VAE side by side on the built-in phantoms, step by step and playing', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    await page.getByRole('link', { name: 'Learn' }).click();
    await expect.poll(() => page.locator('select[name="learn-dataset"] option:checked').textContent()).toMatch(/Built-in head CT phantoms/);
    await page.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => page.getByTestId('learn-step').textContent(), { timeout: 60_000 }).toMatch(/step 0/);
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => page.getByTestId('learn-step').textContent(), { timeout: 60_000 }).toMatch(/step 1\b/);
    await page.getByRole('button', { name: 'Play' }).click();
    await expect.poll(async () => Number(/step (\d+)/.exec((await page.getByTestId('learn-step').textContent()) ?? '')?.[1]), { timeout: 120_000 }).toBeGreaterThanOrEqual(6);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Play' }).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('sample-grid').count()).toBe(3);
    expect(consoleErrors).toEqual([]);
  });
});
