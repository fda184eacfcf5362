/** Export for PyTorch in the browser, from the Train stage and the model library: a tiny trained run downloads as a project ZIP, with the training data when ticked. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
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

async function downloaded(page: Page, click: () => Promise<void>): Promise<{ name: string; bytes: Uint8Array }> {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), click()]);
  const path = join(mkdtempSync(join(tmpdir(), 'e2e-pytorch-')), file.suggestedFilename());
  await file.saveAs(path);
  return { name: file.suggestedFilename(), bytes: new Uint8Array(readFileSync(path)) };
}

describe('Export for PyTorch', () => {
  it('downloads the project ZIP with phantom_models.py, train.py, the run file and README, and the data when ticked, from Train and from the model library', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    await trainTinyDcgan(page);

    const plain = await downloaded(page, () => page.getByRole('button', { name: 'Export for PyTorch' }).click());
    expect(plain.name).toMatch(/-step2-pytorch\.zip$/);
    const names = Object.keys(unzipSync(plain.bytes)).map((n) => n.split('/').at(-1)!);
    expect(names.sort()).toEqual(expect.arrayContaining(['README.md', 'phantom_models.py', 'runcard.json', 'train.py']));
    expect(names.some((n) => n.endsWith('.phantomrun'))).toBe(true);
    expect(names).not.toContain('data.npz');

    await page.getByLabel('with training data').check();
    const withData = await downloaded(page, () => page.getByRole('button', { name: 'Export for PyTorch' }).click());
    const files = unzipSync(withData.bytes);
    expect(Object.keys(files).some((n) => n.endsWith('/data.npz'))).toBe(true);
    const readme = strFromU8(Object.entries(files).find(([n]) => n.endsWith('/README.md'))![1]);
    expect(readme).toContain('torchrun --nnodes 1 --rdzv_backend c10d --rdzv_endpoint localhost:0 --nproc_per_node N train.py');
    await page.getByText(/Exported .*-pytorch\.zip: .*with the training data as data\.npz/).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(tmpdir(), 'pytorch-export-train-stage.png') });

    // The same from the model library: the run's card has the button and its own data checkbox.
    await page.getByRole('navigation', { name: 'Stages' }).getByRole('link', { name: 'Models', exact: true }).click();
    const card = page.getByTestId('model-card');
    await card.getByRole('button', { name: 'Export for PyTorch' }).waitFor({ timeout: 30_000 });
    const fromLibrary = await downloaded(page, () => card.getByRole('button', { name: 'Export for PyTorch' }).click());
    expect(fromLibrary.name).toBe(plain.name);
    expect(Object.keys(unzipSync(fromLibrary.bytes)).some((n) => n.endsWith('/data.npz'))).toBe(false);
    await card.getByLabel('with training data').check();
    const libraryWithData = unzipSync((await downloaded(page, () => card.getByRole('button', { name: 'Export for PyTorch' }).click())).bytes);
    expect(Object.keys(libraryWithData).some((n) => n.endsWith('/data.npz'))).toBe(true);
    await page.screenshot({ path: join(tmpdir(), 'pytorch-export-model-library.png'), fullPage: true });
    expect(consoleErrors).toEqual([]);
  }, 400_000);
});
