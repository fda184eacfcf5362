import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, waitForBackend, waitForGrid } from './studio';
import { plantedNpz } from '../src/testing/plantedNearDuplicates';

let browser: Browser;
let folder: string;

beforeAll(async () => {
  browser = await launchBrowser();
  folder = mkdtempSync(join(tmpdir(), 'phantom-leaks-'));
  writeFileSync(join(folder, 'heads.npz'), plantedNpz().npz);
});

afterAll(async () => {
  await browser?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('leaks between splits at import', () => {
  it('shows near-duplicate pairs across splits with both images, names and 1 − SSIM, names exact copies by row, and drops the held-out twins on save', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    await page.getByTestId('import-files').setInputFiles(join(folder, 'heads.npz'));
    await page.locator('input[name="import-size"]').fill('64');
    await page.getByRole('button', { name: /^Import 1 file$/ }).click();
    await page.getByTestId('import-report').waitFor({ timeout: 120_000 });

    const pairs = page.getByTestId('near-pair');
    expect(await pairs.count()).toBe(2);
    const text = (await page.getByTestId('near-duplicates').textContent()) ?? '';
    expect(text).toMatch(/heads\.npz train_images\[17\][\s\S]*heads\.npz val_images\[5\]/);
    expect(text).toMatch(/heads\.npz train_images\[30\][\s\S]*heads\.npz val_images\[9\]/);
    expect(text).toMatch(/1 − SSIM 0\.0\d{3}/);
    expect(await pairs.first().locator('canvas').count()).toBe(2);
    // The exact copy is named by its rows, not "heads.npz = heads.npz".
    expect(await page.getByTestId('exact-duplicates').textContent()).toMatch(/heads\.npz test_images\[3\]\s*test\s*heads\.npz train_images\[50\]\s*train/);
    if (process.env.SHOTS) await page.screenshot({ path: `${process.env.SHOTS}/import-near-duplicates.png`, fullPage: true });

    await page.getByRole('button', { name: 'Drop each held-out image' }).click();
    expect(await pairs.first().getByRole('combobox').inputValue()).toBe('drop');
    await page.getByRole('button', { name: 'Save dataset' }).click();
    await page.getByText(/Saved “.*” \(258 images\)/).waitFor({ timeout: 60_000 });
    await waitForGrid(page);
    expect(await page.getByRole('button', { name: /258 × 64×64/ }).count()).toBe(1);
    expect(consoleErrors).toEqual([]);
  });
});
