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

describe('augment stage', () => {
  it('trains a classifier on the built-in phantoms and scores it on the held-out test split', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    await page.getByRole('link', { name: 'Augment' }).click();
    await page.locator('input[name="aug-steps"]').fill('30');
    await page.getByRole('button', { name: 'Train and compare' }).click();
    await page.getByTestId('aug-table').waitFor({ timeout: 180_000 });
    const table = (await page.getByTestId('aug-table').textContent()) ?? '';
    expect(table).toMatch(/accuracy\s*\d+\.\d %/);
    expect(table).toMatch(/ROC AUC \(macro\)\s*0?\.\d{3}|ROC AUC \(macro\)\s*1\.000/);
    expect(await page.getByText(/scored on 100 real test images/).count()).toBe(1);
    expect(consoleErrors).toEqual([]);
  });
});
