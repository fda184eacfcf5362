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

    // npz classes arrive as "0" and "1": rename one, by keyboard, and everything showing class names follows.
    const classes = page.getByTestId('class-names');
    await classes.locator('summary').click();
    await classes.getByRole('button', { name: 'Rename class 0' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.type('benign');
    await page.keyboard.press('Enter');
    await page.getByText('Class “0” is now “benign”').waitFor();
    expect(await page.locator('select[name="class-filter"] option').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^benign \(\d+\)$/), expect.stringMatching(/^1 \(\d+\)$/)]));
    expect(await page.getByTestId('class-chart').textContent()).toMatch(/benign/);
    // A duplicate name is refused with the reason, in place.
    await classes.getByRole('button', { name: 'Rename class 1' }).click();
    await page.keyboard.type('benign');
    await page.keyboard.press('Enter');
    await expect.poll(() => classes.getByRole('alert').textContent()).toMatch(/already has a class named "benign"/);
    await page.keyboard.press('Escape');
    if (process.env.SHOTS) await page.screenshot({ path: `${process.env.SHOTS}/data-rename-class.png`, fullPage: true });
    await page.reload();
    await waitForGrid(page);
    await page.getByRole('button', { name: /258 × 64×64/ }).click();
    await expect.poll(() => page.getByTestId('class-names').locator('summary').textContent()).toMatch(/Classes \(2\): benign, 1/);
    expect(consoleErrors).toEqual([]);
  });
});
