import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, waitForBackend, waitForGrid } from './studio';
import { hasShared, sharedPath } from '../src/testing/sharedData';

let browser: Browser;
let folder: string;

function gradientPng(size: number, seed: number, channels: 1 | 3 = 1): Uint8Array {
  const data = new Uint8Array(size * size * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + seed * 31 + ((i / size) | 0) * seed) & 255;
  return encode({ width: size, height: size, data, channels, depth: 8 });
}

beforeAll(async () => {
  browser = await launchBrowser();
  // A folder as a user would have it: one sub-folder per class, plus files that must be refused.
  folder = mkdtempSync(join(tmpdir(), 'phantom-import-'));
  const root = join(folder, 'scans');
  for (const cls of ['normal', 'pneumonia']) {
    mkdirSync(join(root, cls), { recursive: true });
    for (let i = 0; i < 6; i++) writeFileSync(join(root, cls, `${cls}-${i}.png`), gradientPng(40 + i, i + (cls === 'normal' ? 0 : 10), i === 5 ? 3 : 1));
  }
  writeFileSync(join(root, 'normal', 'empty.png'), new Uint8Array(0));
  writeFileSync(join(root, 'normal', 'truncated.png'), gradientPng(64, 3).slice(0, 60));
  writeFileSync(join(root, 'pneumonia', 'notes.txt'), 'not an image');
  writeFileSync(join(root, 'pneumonia', 'huge.png'), encode({ width: 8200, height: 2, data: new Uint8Array(8200 * 2), channels: 1, depth: 8 }));
  if (hasShared) {
    copyFileSync(sharedPath('data/dicom/ct_nema_ct1_small_128.dcm'), join(root, 'normal', 'ct.dcm'));
    // A DICOM cut short while copying: dicom-parser's words must not be the reason.
    writeFileSync(join(root, 'normal', 'cut.dcm'), readFileSync(sharedPath('data/dicom/ct_nema_ct1_small_128.dcm')).subarray(0, 300));
  }
});

afterAll(async () => {
  await browser?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('import of the user\'s own scans', () => {
  it('imports a folder mixing good and bad files, reports each refused file, and saves the dataset', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    await page.getByTestId('import-folder').setInputFiles(join(folder, 'scans'));
    const good = 12 + (hasShared ? 1 : 0);
    const bad = 4 + (hasShared ? 1 : 0);
    await expect.poll(() => page.getByTestId('picked-count').textContent()).toMatch(new RegExp(`${good + bad} files`));
    await page.locator('input[name="import-size"]').fill('32');
    await page.getByRole('button', { name: /^Import \d+ files$/ }).click();
    await page.getByTestId('import-report').waitFor({ timeout: 120_000 });

    expect(await page.getByTestId('imported-count').textContent()).toBe(String(good));
    const rows = page.getByTestId('rejected').locator('tbody tr');
    expect(await rows.count()).toBe(bad);
    const report = (await page.getByTestId('rejected').textContent()) ?? '';
    expect(report).toMatch(/empty\.png.*(empty|zero)/i);
    expect(report).toMatch(/truncated\.png/);
    expect(report).toMatch(/notes\.txt/);
    expect(report).toMatch(/huge\.png.*8[, ]?000/);
    if (hasShared) {
      // The truncated DICOM in the user's terms, the library's words one click away.
      const cut = rows.filter({ hasText: 'cut.dcm' });
      expect(await cut.locator('td').nth(1).textContent()).toMatch(/^\s*not a readable DICOM file: the file ends early \(truncated\)/);
      const details = cut.locator('details');
      expect(await details.locator('code').isVisible()).toBe(false);
      await details.locator('summary').click();
      expect(await details.locator('code').textContent()).toMatch(/parameter 'position' cannot be greater than or equal to 'byteArray' length/);
    }
    // Class counts are shown before anything is saved.
    const counts = (await page.getByRole('table', { name: 'Class counts' }).textContent()) ?? '';
    expect(counts).toMatch(new RegExp(`normal${6 + (hasShared ? 1 : 0)}`));
    expect(counts).toMatch(/pneumonia6/);
    // The report sits in the wide panel, not the side panel, and says how the splits were made.
    expect(await page.locator('section.detail [data-testid="import-report"]').count()).toBe(1);
    expect(await page.locator('aside [data-testid="import-report"]').count()).toBe(0);
    expect((await page.getByTestId('rejected').boundingBox())!.width).toBeGreaterThan(500);
    const splitMethod = (await page.getByTestId('split-method').textContent()) ?? '';
    if (!hasShared) expect(splitMethod).not.toMatch(/patient-grouped/);
    expect(splitMethod).toMatch(hasShared ? /patient-grouped \(1 patient or study.*; 12 images without a patient identity split image by image/ : /^Splits: stratified by class, image by image: no file carried a patient identity/);
    if (process.env.SHOTS) await page.screenshot({ path: `${process.env.SHOTS}/data-import-report.png`, fullPage: true });

    await page.getByRole('button', { name: 'Save dataset' }).click();
    await page.getByText(/Saved “Imported scans \(32 px\)” \(\d+ images\)/).waitFor();
    expect(await waitForGrid(page)).toBe(good);
    // Per-class counts and the intensity histogram are drawn; one image opens large with its attributes.
    expect(await page.getByTestId('class-chart').locator('rect').count()).toBe(2);
    await page.getByTestId('intensity-histogram').locator('path').first().waitFor();
    await page.getByTestId('image-grid').getByRole('button').first().click();
    await expect.poll(() => page.getByTestId('image-detail').textContent()).toMatch(/format\s*(png|dicom)/);
    expect(consoleErrors).toEqual([]);
  });
});
