/**
 * Two tabs of the studio on one browser profile (one context: one IndexedDB, one set of Web Locks).
 * A tab that starts must not sweep away a dataset another tab is saving, and a run trained in one
 * tab is read-only in the other until the owner lets go.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { inject } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { waitForBackend, waitForGrid, watchConsole } from './studio';

let browser: Browser;
let folder: string;

beforeAll(async () => {
  browser = await launchBrowser();
  folder = mkdtempSync(join(tmpdir(), 'phantom-two-tabs-'));
  for (const cls of ['normal', 'abnormal']) {
    mkdirSync(join(folder, 'scans', cls), { recursive: true });
    for (let i = 0; i < 10; i++) {
      const data = new Uint8Array(32 * 32).map((_, p) => (p * (i + 3) + (cls === 'normal' ? 0 : 90)) & 255);
      writeFileSync(join(folder, 'scans', cls, `${cls}-${i}.png`), encode({ width: 32, height: 32, data, channels: 1, depth: 8 }));
    }
  }
});

afterAll(async () => {
  await browser?.close();
  rmSync(folder, { recursive: true, force: true });
});

async function openTab(context: BrowserContext, errors: string[]): Promise<Page> {
  const page = await context.newPage();
  watchConsole(page, errors);
  await page.goto('/');
  await waitForBackend(page);
  return page;
}

async function fill(page: Page, name: string, value: number) {
  const input = page.locator(`input[name="${name}"]`);
  await input.fill(String(value));
  await input.dispatchEvent('change');
}

describe('two tabs on one profile', () => {
  it('a tab opened while another saves an import leaves that save intact', async () => {
    const context = await browser.newContext({ baseURL: inject('baseURL') });
    const errors: string[] = [];
    const saver = await openTab(context, errors);
    await waitForGrid(saver);

    // The import's preview stage: chunks are written, the dataset's record is not yet.
    await saver.getByTestId('import-folder').setInputFiles(join(folder, 'scans'));
    await expect.poll(() => saver.getByTestId('picked-count').textContent()).toMatch(/20 files/);
    await saver.locator('input[name="import-size"]').fill('32');
    await saver.getByRole('button', { name: /^Import \d+ files$/ }).click();
    await saver.getByTestId('import-report').waitFor({ timeout: 120_000 });

    // A second tab starts now, and with it the start-up sweep of unfinished saves.
    const other = await openTab(context, errors);
    await waitForGrid(other);

    await saver.getByRole('button', { name: 'Save dataset' }).click();
    await saver.getByText(/Saved “Imported scans \(32 px\)” \(20 images\)/).waitFor();
    expect(await waitForGrid(saver)).toBe(20);
    expect(await saver.getByTestId('dataset-damaged').count()).toBe(0);

    // The other tab lists it whole too, after a reload (its own start-up sweep runs again).
    await other.reload();
    await waitForBackend(other);
    await other.getByRole('button', { name: /^Imported scans \(32 px\)/ }).click();
    expect(await waitForGrid(other)).toBe(20);
    expect(await other.getByTestId('dataset-damaged').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a run training in one tab is read-only in another, which can take it over only once the owner is gone', async () => {
    const context = await browser.newContext({ baseURL: inject('baseURL') });
    const errors: string[] = [];
    const owner = await openTab(context, errors);
    await waitForGrid(owner);
    await owner.locator('select[name="modality"]').selectOption('head-ct');
    await owner.locator('select[name="size"]').selectOption('32');
    await owner.locator('input[name="count"]').fill('32');
    await owner.getByRole('button', { name: 'Generate' }).click();
    await owner.getByText(/Created .*\(32 images\)/).waitFor({ timeout: 60_000 });

    await owner.getByRole('link', { name: 'Train' }).click();
    await owner.locator('select[name="run-dataset"]').selectOption({ label: 'head-ct phantoms 32px ×32 (32 × 32px)' });
    await owner.locator('select[name="run-model"]').selectOption('dcgan');
    await fill(owner, 'model-batchSize', 4);
    await fill(owner, 'model-latentDim', 16);
    await fill(owner, 'model-width', 4);
    await fill(owner, 'run-totalSteps', 100000);
    await fill(owner, 'run-readbackEvery', 2);
    await fill(owner, 'run-sampleEvery', 4);
    await fill(owner, 'run-checkpointEvery', 4);
    await fill(owner, 'run-samplesPerClass', 1);
    await owner.getByRole('button', { name: 'Create and train' }).click();
    await expect.poll(() => owner.getByTestId('run-status').textContent(), { timeout: 120_000 }).toBe('running');

    const viewer = await openTab(context, errors);
    await viewer.getByRole('link', { name: 'Train' }).click();
    await viewer.getByTestId('run-elsewhere').waitFor({ timeout: 30_000 });
    expect(await viewer.getByTestId('run-status').textContent()).toBe('running');
    for (const name of [/^Resume/, 'Pause', 'Stop', 'Delete']) expect(await viewer.getByRole('button', { name }).count()).toBe(0);
    // One training at a time on the machine: this tab cannot start another run meanwhile, and says why.
    expect(await viewer.getByTestId('training-elsewhere').textContent()).toMatch(/is training in another tab/);
    expect(await viewer.getByRole('button', { name: 'Create and train' }).isDisabled()).toBe(true);
    // Read-only does not mean frozen: the step shown follows the owner's checkpoints.
    const firstSeen = Number(/step (\d+)/.exec((await viewer.getByTestId('run-step').textContent()) ?? '')?.[1]);
    await expect.poll(async () => Number(/step (\d+)/.exec((await viewer.getByTestId('run-step').textContent()) ?? '')?.[1]), { timeout: 60_000 }).toBeGreaterThan(firstSeen);

    // The owner goes away: its lock goes with it, and the viewer may now take the run over.
    await owner.close();
    await expect.poll(() => viewer.getByTestId('run-status').textContent(), { timeout: 30_000 }).toBe('interrupted');
    expect(await viewer.getByTestId('run-elsewhere').count()).toBe(0);
    expect(await viewer.getByTestId('training-elsewhere').count()).toBe(0);
    await viewer.getByRole('button', { name: 'Resume from last checkpoint' }).click();
    await expect.poll(() => viewer.getByTestId('run-status').textContent(), { timeout: 120_000 }).toBe('running');
    await viewer.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => viewer.getByTestId('run-status').textContent(), { timeout: 60_000 }).toBe('stopped');
    expect(errors).toEqual([]);
    await context.close();
  });
});
