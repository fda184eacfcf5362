/**
 * The service worker serves the studio offline, but only the studio: another app on the same origin
 * is never answered with it. A new build waits until the user chooses "Reload to update".
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, waitForBackend } from './studio';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function controlled(page: Page): Promise<void> {
  await waitForBackend(page);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 60_000 });
}

describe('service worker', () => {
  it('answers only the studio’s own page: offline, /other-app/ is not served the studio, / still is', async () => {
    const { page, context } = await openStudio(browser);
    await controlled(page);
    await context.setOffline(true);
    try {
      const other = await page.goto('/other-app/').then(
        (response) => response,
        (error: unknown) => error,
      );
      // Offline and not the studio's: the navigation goes to the network and fails.
      expect(other).toBeInstanceOf(Error);
      // The studio's own page still comes from the service worker (in a fresh tab: this one shows the error page).
      const tab = await context.newPage();
      const own = await tab.goto('/');
      expect(own?.fromServiceWorker()).toBe(true);
      await waitForBackend(tab);
    } finally {
      await context.setOffline(false);
      await context.close();
    }
  });

  it('a new build waits and shows “Reload to update”; the button activates it and reloads', async () => {
    const { page, context } = await openStudio(browser);
    await controlled(page);
    const swPath = resolve('dist/sw.js');
    const original = readFileSync(swPath, 'utf8');
    // A new build: one precache revision changes (same length, as the preview server caches file sizes).
    const revision = /revision:"([0-9a-f]+)"/.exec(original);
    expect(revision).not.toBeNull();
    const old = revision![1];
    const changed = original.replace(`revision:"${old}"`, `revision:"${old[0] === '0' ? '1' : '0'}${old.slice(1)}"`);
    try {
      writeFileSync(swPath, changed);
      const before = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);
      await page.evaluate(async () => {
        await (await navigator.serviceWorker.getRegistration())?.update();
      });
      const button = page.getByRole('button', { name: 'Reload to update' });
      await button.waitFor({ timeout: 60_000 });
      await page.getByText('A new version of Phantom Studio is ready.').waitFor();
      // Waiting, not swapped in under the open tab.
      expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting !== null)).toBe(true);
      expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(before);
      const reloaded = page.waitForEvent('load', { timeout: 60_000 });
      await button.click();
      await reloaded;
      await waitForBackend(page);
      expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting ?? null)).toBeNull();
      expect(await page.getByRole('button', { name: 'Reload to update' }).count()).toBe(0);
    } finally {
      writeFileSync(swPath, original);
      await context.close();
    }
  });
});
