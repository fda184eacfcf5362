import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CHROMIUM_ARGS_WITHOUT_WEBGPU, launchBrowser } from './browser';
import { openStudio, waitForBackend, waitForGrid } from './studio';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser(CHROMIUM_ARGS_WITHOUT_WEBGPU);
});
afterAll(async () => {
  await browser?.close();
});

describe('backend fallback', () => {
  it('without a WebGPU adapter, a WebGPU override falls back to the next backend with a visible notice and the studio keeps working', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    const first = await waitForBackend(page);
    expect(first).not.toBe('webgpu');
    expect(await page.getByTestId('adapter').textContent()).toBe('no WebGPU adapter');

    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('radio', { name: 'webgpu' }).check();
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText(/webgpu could not start/).waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('backend').textContent()).not.toBe('webgpu');
    expect(['webgl', 'wasm', 'cpu']).toContain((await page.getByTestId('backend').textContent())?.trim());
    await page.getByRole('button', { name: 'Close' }).click();
    // Still a working studio, not a blank screen.
    expect(await waitForGrid(page)).toBeGreaterThan(0);
    expect(consoleErrors).toEqual([]);
  });
});
