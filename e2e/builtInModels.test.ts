/**
 * The built-in pretrained models work offline on a fresh profile: once the service worker has
 * installed, the network goes away, and a new tab still opens the studio, lists the built-in models
 * in Generate, generates from the DCGAN, shows it read-only in the model library, and starts the
 * classroom from the built-in GAN and VAE.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, waitForBackend, watchConsole } from './studio';
import type { BuiltInManifest } from '../src/runfiles/builtInModels';

let browser: Browser;
const SHOTS = 'test-results/built-in';
const manifest = JSON.parse(readFileSync('public/pretrained/index.json', 'utf8')) as BuiltInManifest;
const dcgan = manifest.models.find((m) => m.kind === 'dcgan')!;
const vae = manifest.models.find((m) => m.kind === 'vae')!;
const ddpm = manifest.models.find((m) => m.kind === 'ddpm')!;

beforeAll(async () => {
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

const stage = (page: Page, name: string) => page.getByRole('navigation', { name: 'Stages' }).getByRole('link', { name }).click();

describe('built-in pretrained models', () => {
  it('offline on a fresh profile: listed in Generate, generate, read-only in Models, and the classroom starts from them', async () => {
    const { page, context, consoleErrors } = await openStudio(browser, '/');
    await waitForBackend(page);
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    // The built-in phantoms are made at the first start: let them finish before this tab closes.
    await stage(page, 'Learn');
    await expect.poll(() => page.locator('select[name="learn-dataset"] option:checked').textContent(), { timeout: 120_000 }).toMatch(/Built-in head CT phantoms/);
    await page.close();
    await context.setOffline(true);
    try {
      // A new tab with no network: the studio and the built-in models come from the precache.
      const tab = await context.newPage();
      watchConsole(tab, consoleErrors);
      const response = await tab.goto('/#/generate');
      expect(response?.fromServiceWorker()).toBe(true);
      await waitForBackend(tab);
      if (!(await tab.getByRole('heading', { name: 'Generate' }).count())) await stage(tab, 'Generate');
      const list = tab.getByTestId('built-in-models');
      await list.waitFor({ timeout: 60_000 });
      expect(await list.locator(`li[data-model="${dcgan.id}"]`).textContent()).toMatch(new RegExp(`built-in.*trained on .*phantoms.*${dcgan.steps} steps`, 's'));
      await tab.getByRole('button', { name: `Generate from it: ${dcgan.title}` }).click();
      await tab.getByTestId('sampler-info').waitFor({ timeout: 120_000 }).catch(async (error: unknown) => {
        await tab.screenshot({ path: `${SHOTS}/generate-failed.png`, fullPage: true });
        throw error;
      });
      await expect.poll(() => tab.getByTestId('sampler-info').textContent(), { timeout: 120_000 }).toMatch(new RegExp(`^Step ${dcgan.steps} · latent size 32`));
      const grid = tab.getByTestId('sample-grid');
      await grid.waitFor({ timeout: 60_000 });
      expect(await tab.locator('select[name="gen-run"] option:checked').textContent()).toMatch(/built-in, trained on phantoms/);
      // Real pictures, not a blank canvas: the grid's grey levels spread.
      const spread = await grid.evaluate((canvas: HTMLCanvasElement) => {
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let sum = 0;
        let sq = 0;
        for (let i = 0; i < data.length; i += 4) {
          sum += data[i];
          sq += data[i] * data[i];
        }
        const n = data.length / 4;
        return Math.sqrt(sq / n - (sum / n) ** 2);
      });
      expect(spread).toBeGreaterThan(20);
      await tab.screenshot({ path: `${SHOTS}/generate-built-in.png`, fullPage: true });

      // The library: labelled built-in, with its step count; no Delete, no Rename.
      await stage(tab, 'Models');
      const card = tab.getByTestId('model-card').filter({ hasText: dcgan.title });
      await card.waitFor({ timeout: 30_000 });
      expect(await card.getByTestId('built-in-badge').textContent()).toMatch(new RegExp(`built-in · trained on phantoms · ${dcgan.steps} steps`));
      expect(await card.getByRole('button', { name: 'Delete' }).count()).toBe(0);
      expect(await card.getByRole('button', { name: 'Rename' }).count()).toBe(0);
      expect(await card.getByRole('button', { name: 'Export run file' }).count()).toBe(1);
      await tab.screenshot({ path: `${SHOTS}/models-built-in.png`, fullPage: true });

      // The classroom starts its GAN, VAE and DDPM from the built-in models.
      await stage(tab, 'Learn');
      await expect.poll(() => tab.locator('select[name="learn-dataset"] option:checked').textContent(), { timeout: 120_000 }).toMatch(/Built-in head CT phantoms/);
      await tab.locator('input[name="learn-from-built-in"]').check();
      await tab.getByRole('button', { name: 'Start' }).click();
      await expect.poll(() => tab.getByTestId('learn-started-from').textContent(), { timeout: 240_000 }).toMatch(
        new RegExp(`GAN “${dcgan.title}” \\(step ${dcgan.steps}\\), VAE “${vae.title}” \\(step ${vae.steps}\\) and DDPM “${ddpm.title}” \\(step ${ddpm.steps}\\)\\.`),
      );
      await tab.getByRole('button', { name: 'Step', exact: true }).click();
      await expect.poll(() => tab.getByTestId('learn-step').textContent(), { timeout: 120_000 }).toMatch(/^\s*step 1 /);
      await tab.screenshot({ path: `${SHOTS}/learn-built-in.png`, fullPage: true });
      await tab.close();
    } finally {
      await context.setOffline(false);
      await context.close();
    }
    expect(consoleErrors).toEqual([]);
  }, 600_000);
});
