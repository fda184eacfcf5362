import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, waitForBackend } from './studio';
import { STAGES } from '../src/app/stages';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('first-run guide and glossary', () => {
  it('offers the guide on a first visit, opens help from every stage by keyboard, explains each figure, and closes with Escape', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    const strip = page.getByTestId('first-run');
    await strip.waitFor();
    await strip.getByRole('button', { name: 'Open the guide' }).click();
    const dialog = page.getByTestId('help-dialog');
    await page.getByTestId('help-guide').waitFor();
    expect(await page.getByTestId('help-guide').textContent()).toMatch(/Data\.[\s\S]*Train\.[\s\S]*Generate\.[\s\S]*Evaluate\.[\s\S]*floor/);
    if (process.env.SHOTS) await page.screenshot({ path: `${process.env.SHOTS}/help-guide.png` });
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.evaluate((d) => (d as HTMLDialogElement).open)).toBe(false);
    // Seen once: the strip is gone, also after a reload.
    expect(await strip.count()).toBe(0);
    await page.reload();
    await waitForBackend(page);
    expect(await page.getByTestId('first-run').count()).toBe(0);

    for (const stage of STAGES) {
      await page.getByRole('navigation', { name: 'Stages' }).getByRole('link', { name: stage.title, exact: true }).click();
      await page.locator('body').focus();
      await page.keyboard.press('?');
      await page.getByTestId('help-guide').waitFor();
      await page.keyboard.press('Escape');
      await expect.poll(() => dialog.evaluate((d) => (d as HTMLDialogElement).open)).toBe(false);
    }

    // The glossary: every metric in plain words, searchable.
    await page.getByRole('button', { name: 'Help' }).click();
    await page.getByRole('tab', { name: 'Glossary of figures' }).click();
    const glossary = page.getByTestId('help-glossary');
    const text = (await glossary.textContent()) ?? '';
    for (const term of ['FRD', 'KID', 'Precision', 'Recall', 'Density', 'Coverage', 'SSIM', 'PSNR', 'Likely copies', 'Mode collapse', 'Floor']) expect(text).toContain(term);
    expect(text).toMatch(/What good looks like/);
    if (process.env.SHOTS) await page.screenshot({ path: `${process.env.SHOTS}/help-glossary.png` });
    await glossary.getByRole('searchbox').fill('recall');
    expect(await glossary.locator('dt').allTextContents()).toEqual(expect.arrayContaining(['Recall']));
    expect(await glossary.locator('dt').count()).toBeLessThan(5);
    // Typing "?" in a field does not open help.
    await page.getByRole('button', { name: 'Close help' }).click();
    await expect.poll(() => dialog.evaluate((d) => (d as HTMLDialogElement).open)).toBe(false);
    await page.getByRole('navigation', { name: 'Stages' }).getByRole('link', { name: 'Data', exact: true }).click();
    await page.locator('input[name="seed"]').focus();
    await page.keyboard.press('?');
    expect(await dialog.evaluate((d) => (d as HTMLDialogElement).open)).toBe(false);
    expect(consoleErrors).toEqual([]);
  });

  it('"Delete all my data" forgets that the guide was seen: a wiped studio offers it again, also after a reload', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    const strip = page.getByTestId('first-run');
    await strip.getByRole('button', { name: 'Dismiss the first-run guide' }).click();
    expect(await strip.count()).toBe(0);
    await page.reload();
    await waitForBackend(page);
    expect(await page.getByTestId('first-run').count()).toBe(0);

    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Delete all my data…' }).click();
    await page.getByRole('button', { name: 'Yes, delete everything' }).click();
    await page.getByText(/All your data was deleted/).waitFor();
    // Nothing of the studio's is left in this browser's localStorage either.
    expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('phantom-studio/')))).toEqual([]);
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('first-run').waitFor();
    if (process.env.SHOTS) await page.screenshot({ path: `${process.env.SHOTS}/after-delete-all.png` });
    await page.reload();
    await waitForBackend(page);
    await page.getByTestId('first-run').waitFor();
    expect(consoleErrors).toEqual([]);
  });
});
