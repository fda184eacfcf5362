/**
 * Run files in the browser: a tiny trained run is exported from the Train stage, deleted, and
 * imported back (it keeps its name, step and status); a damaged file is refused with its part named;
 * and "Delete all my data" offers the trained models as a ZIP of run files before deleting.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, trainTinyDcgan, waitForBackend, waitForGrid } from './studio';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; path: string; bytes: Uint8Array }> {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), click()]);
  const path = join(mkdtempSync(join(tmpdir(), 'e2e-runfile-')), file.suggestedFilename());
  await file.saveAs(path);
  return { name: file.suggestedFilename(), path, bytes: new Uint8Array(readFileSync(path)) };
}

describe('run files in the browser', () => {
  it('exports a run, imports it back after deleting it, refuses a damaged file, and offers the models before "Delete all my data"', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    await trainTinyDcgan(page);
    const runName = (await page.locator('#run-title').first().textContent())!.trim();

    const file = await downloaded(page, () => page.getByRole('button', { name: 'Export run file' }).click());
    expect(file.name).toMatch(/-step2\.phantomrun$/);
    expect(Object.keys(unzipSync(file.bytes)).sort()).toEqual(['manifest.json', 'optimizer.safetensors', 'runcard.json', 'weights.safetensors']);
    await page.screenshot({ path: join(tmpdir(), 'runfile-train-stage.png') });

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('No runs yet.').waitFor({ timeout: 30_000 });

    await page.locator('input[aria-label="Run file to import"]').setInputFiles(file.path);
    await page.getByText(new RegExp(`Imported "${runName}" at step 2 from ${file.name.replace(/\./g, '\\.')}`)).waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator('#run-title').first().textContent()).toBe(runName);
    expect(await page.getByTestId('run-status').textContent()).toBe('finished');

    // One flipped byte at the end of the weights: refused, the part named, no run added.
    const damaged = new Uint8Array(file.bytes);
    const entries = unzipSync(file.bytes);
    const weights = entries['weights.safetensors']!;
    const at = Buffer.from(damaged).indexOf(Buffer.from(weights.subarray(0, 64)));
    damaged[at + weights.length - 5] ^= 0xff;
    const damagedPath = join(tmpdir(), `damaged-${Date.now()}.phantomrun`);
    writeFileSync(damagedPath, damaged);
    await page.locator('input[aria-label="Run file to import"]').setInputFiles(damagedPath);
    await page.getByText(/damaged-\d+\.phantomrun › weights\.safetensors: SHA-256 mismatch.*Nothing was imported\./).waitFor({ timeout: 60_000 });
    expect(await page.getByRole('list', { name: 'Training runs' }).getByRole('button').count()).toBe(1);

    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Delete all my data…' }).click();
    const offer = page.getByTestId('export-before-delete');
    await offer.waitFor();
    expect(await offer.textContent()).toMatch(/One trained model will be lost unless you save it first/);
    await page.screenshot({ path: join(tmpdir(), 'runfile-delete-all.png') });
    const all = await downloaded(page, () => offer.getByRole('button').click());
    expect(all.name).toMatch(/^phantom-studio-models-\d{4}-\d{2}-\d{2}\.zip$/);
    const inner = unzipSync(all.bytes);
    expect(Object.keys(inner)).toHaveLength(1);
    expect(Object.keys(unzipSync(Object.values(inner)[0]!))).toContain('weights.safetensors');
    await page.getByRole('button', { name: 'Yes, delete everything' }).click();
    await page.getByText(/All your data was deleted/).waitFor();

    // The notice of the refused import is an error notice, not a console error.
    expect(consoleErrors).toEqual([]);
  }, 600_000);
});
