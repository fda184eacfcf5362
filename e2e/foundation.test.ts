import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, storedKeyCount, waitForBackend, waitForGrid, type StudioSession } from './studio';

let browser: Browser;
const sessions: StudioSession[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function session(path = '/'): Promise<StudioSession> {
  const s = await openStudio(browser, path);
  sessions.push(s);
  return s;
}

async function generatePhantoms(page: Page, modality: string, size: string, count: number) {
  await page.locator('select[name="modality"]').selectOption(modality);
  await page.locator('select[name="size"]').selectOption(size);
  await page.locator('input[name="count"]').fill(String(count));
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByText(new RegExp(`Created .*\\(${count} images\\)`)).waitFor({ timeout: 120_000 });
}

describe('studio foundation', () => {
  it('loads with no console errors, names the backend and the software adapter, and shows the built-in phantoms', async () => {
    const { page, consoleErrors } = await session();
    const backend = await waitForBackend(page);
    expect(['webgpu', 'webgl', 'wasm', 'cpu']).toContain(backend);
    // COOP/COEP from the server: SharedArrayBuffer, hence wasm threads, are available.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    // Under SwiftShader the adapter is a software fallback and must be marked as such.
    await expect.poll(() => page.getByTestId('adapter').textContent()).toMatch(/\(software\)/);
    expect(await page.getByTestId('storage').textContent()).toMatch(/used of/);
    // A fresh install gets the default phantom dataset and shows its grid.
    const tiles = await waitForGrid(page);
    expect(tiles).toBeGreaterThan(20);
    await expect.poll(() => page.getByTestId('shown-count').textContent()).toBe('1000 shown');
    // Every stage opens to its own view (no blank screens), reachable from the navigation.
    for (const [link, heading] of [['Train', 'Runs'], ['Generate', 'Generate'], ['Evaluate', 'Evaluate'], ['Augment', 'Augment'], ['Learn', 'Learn: how a GAN, a VAE and a diffusion model learn']]) {
      await page.getByRole('link', { name: link }).click();
      await page.getByRole('heading', { name: heading, exact: true }).waitFor({ timeout: 10_000 });
    }
    await page.getByRole('link', { name: 'Data' }).click();
    await waitForGrid(page);
    expect(consoleErrors).toEqual([]);
  });

  it('runs the wasm backend with one thread per logical core (XNNPACK pool + SIMD helpers) and says why', async () => {
    const { page, consoleErrors } = await session();
    await waitForBackend(page);
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('radio', { name: 'wasm' }).check();
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.getByTestId('backend').textContent(), { timeout: 60_000 }).toBe('wasm');
    // One thread per logical core (src/compute/wasmThreads.ts): SIMD helpers on all but one, at most 3,
    // and tfjs's XNNPACK pool on the rest, 1 to 4 (7 threads in all from 7 cores on).
    const cores = await page.evaluate(() => Math.max(1, Math.floor(navigator.hardwareConcurrency)));
    const helpers = Math.min(3, cores - 1);
    const pool = Math.max(1, Math.min(4, cores - helpers));
    await expect.poll(() => page.getByTestId('wasm-threads').textContent()).toMatch(new RegExp(`× ${pool + helpers} threads?$`));
    expect(await page.getByTestId('wasm-threads').getAttribute('title')).toMatch(
      new RegExp(`^${pool + helpers} wasm threads?: ${pool} for tfjs's XNNPACK kernels and ${helpers === 0 ? 'no helper threads' : `${helpers} helpers?`}.*one thread per logical core of this machine's ${cores} logical cores?`));
    expect(consoleErrors).toEqual([]);
  });

  it('describes the backend chosen while the studio is still starting, helper threads included', async () => {
    const { page, consoleErrors } = await session();
    // Chosen before the startup probe ends: the probe activates each candidate in turn, and a choice
    // applied meanwhile used to interleave with it (2 of 3 tries announced "× 1 thread", no helpers).
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByRole('radio', { name: 'wasm' }).check();
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.getByTestId('backend').textContent(), { timeout: 120_000 }).toBe('wasm');
    const cores = await page.evaluate(() => Math.max(1, Math.floor(navigator.hardwareConcurrency)));
    const helpers = Math.min(3, cores - 1);
    const pool = Math.max(1, Math.min(4, cores - helpers));
    await expect.poll(() => page.getByTestId('wasm-threads').textContent(), { timeout: 15_000 }).toMatch(new RegExp(`× ${pool + helpers} threads?$`));
    expect(consoleErrors).toEqual([]);
  });

  it('generates a phantom dataset in the worker and the Data view shows its grid, filterable by class', async () => {
    const { page, consoleErrors } = await session();
    await waitForBackend(page);
    await waitForGrid(page);
    await generatePhantoms(page, 'chest-xray', '32', 48);
    await expect.poll(() => page.locator('#dataset-title').textContent()).toMatch(/chest-xray phantoms 32px ×48/);
    expect(await waitForGrid(page)).toBe(48);
    await page.locator('select[name="class-filter"]').selectOption({ label: 'consolidation (24)' });
    await expect.poll(() => page.getByTestId('shown-count').textContent()).toBe('24 shown');
    expect(consoleErrors).toEqual([]);
  });

  it('keeps data across a reload, and "Delete all my data" removes everything', async () => {
    const { page } = await session();
    await waitForBackend(page);
    await waitForGrid(page);
    await generatePhantoms(page, 'head-ct', '32', 10);
    const before = await storedKeyCount(page);
    expect(before).toBeGreaterThan(4);
    await page.reload();
    await waitForBackend(page);
    await expect.poll(() => page.getByRole('list', { name: 'Stored datasets' }).getByRole('button').count()).toBe(2);
    expect(await storedKeyCount(page)).toBe(before);

    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Delete all my data…' }).click();
    await page.getByRole('button', { name: 'Yes, delete everything' }).click();
    await page.getByText(/All your data was deleted/).waitFor();
    expect(await storedKeyCount(page)).toBe(0);
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('no-datasets').waitFor();
  });

  it('works offline after one visit: the reload comes from the service worker and phantoms still generate', async () => {
    const { page, context } = await session();
    await waitForBackend(page);
    await waitForGrid(page);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    // The status bar says "Works offline" only once the service worker is active, not as a fixed label.
    await page.getByTestId('offline').getByText('Works offline').waitFor({ timeout: 30_000 });
    // The first visit installs the service worker; the page becomes controlled after a reload.
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
    await context.setOffline(true);
    await page.reload();
    await waitForBackend(page);
    // The precached responses keep their COOP/COEP headers: offline, the page is still isolated.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await waitForGrid(page);
    await generatePhantoms(page, 'chest-xray', '64', 6);
    expect(await waitForGrid(page)).toBe(6);
    await context.setOffline(false);
  });

  it('made no request to any other origin (network audit)', () => {
    expect(sessions.length).toBeGreaterThan(0);
    expect(sessions.flatMap((s) => s.foreignRequests)).toEqual([]);
  });
});
