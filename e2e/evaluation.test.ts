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

async function generate(page: Page, modality: string, count: number, seed: number) {
  await page.locator('select[name="modality"]').selectOption(modality);
  await page.locator('select[name="size"]').selectOption('32');
  await page.locator('input[name="count"]').fill(String(count));
  await page.locator('input[name="seed"]').fill(String(seed));
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByText(new RegExp(`Created .*\\(${count} images\\)`)).waitFor({ timeout: 60_000 });
}

describe('evaluation in the browser', () => {
  it('compares two datasets with the real floor beside each metric and runs the memorisation audit', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    await generate(page, 'head-ct', 300, 7);
    await generate(page, 'chest-xray', 100, 8);

    await page.getByRole('link', { name: 'Evaluate' }).click();
    await page.locator('select[name="eval-real"]').selectOption({ label: 'head-ct phantoms 32px ×300 (300 × 32px)' });
    await page.getByRole('radio', { name: 'a dataset' }).check();
    await page.locator('select[name="eval-fake"]').selectOption({ label: 'chest-xray phantoms 32px ×100 (100 × 32px)' });
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await page.getByTestId('eval-metrics').waitFor({ timeout: 180_000 });

    const table = (await page.getByTestId('eval-metrics').textContent()) ?? '';
    expect(table).toMatch(/N 100 \/ 240/);
    expect(table).toMatch(/FRD/);
    const frdRow = page.getByTestId('eval-metrics').locator('tbody tr').first().locator('td');
    const synthetic = Number(await frdRow.nth(1).textContent());
    const floor = Number(await frdRow.nth(2).textContent());
    // Chest radiographs against head CTs sit far above the real-vs-real floor.
    expect(synthetic).toBeGreaterThan(3 * floor);
    expect(await page.getByText(/Fewer than 500 images on a side/).count()).toBeGreaterThan(0);
    expect(await page.getByTestId('audit-ssim').textContent()).toMatch(/flagged/);
    expect(consoleErrors).toEqual([]);
  });
});
