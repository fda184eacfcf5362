import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, waitForBackend } from './studio';

let browser: Browser;
const SHOTS = 'test-results/learn';

beforeAll(async () => {
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
});

const stepText = (page: Page) => page.getByTestId('learn-step').textContent();
const stepNumber = async (page: Page, name = 'step') => Number(new RegExp(`${name} (\\d+)`).exec((await stepText(page)) ?? '')?.[1]);

describe('the classroom view', () => {
  it('opens first on a fresh profile and starts at once; steps D, G and both; plays; keeps its session across stages', async () => {
    // Straight to Learn on a fresh profile: the built-in phantoms are created at start-up.
    const { page, consoleErrors } = await openStudio(browser, '/#/learn');
    await waitForBackend(page);
    if (!(await page.locator('#learn-title').count())) await page.getByRole('navigation', { name: 'Stages' }).getByRole('link', { name: 'Learn' }).click();
    await expect.poll(() => page.locator('select[name="learn-dataset"] option:checked').textContent(), { timeout: 120_000 }).toMatch(/Built-in head CT phantoms/);
    await page.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => stepText(page), { timeout: 240_000 }).toMatch(/step 0/);

    // D alone, then G alone, then a full step.
    await page.getByRole('button', { name: 'Step D' }).click();
    await expect.poll(() => stepText(page), { timeout: 60_000 }).toMatch(/step 1 · D updates 1 · G updates 0 · VAE steps 0/);
    await page.keyboard.press('g');
    await expect.poll(() => stepText(page), { timeout: 60_000 }).toMatch(/step 2 · D updates 1 · G updates 1 · VAE steps 0/);
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => stepText(page), { timeout: 60_000 }).toMatch(/step 3 · D updates 2 · G updates 2 · VAE steps 1/);
    // Grids: real and fake with D's scores, originals and reconstructions, VAE samples and interpolation, DDPM samples;
    // originals and noised (forward diffusion).
    await expect.poll(() => page.getByTestId('learn-grid').count(), { timeout: 30_000 }).toBe(9);
    // The side-by-side table: three models in step, the DDPM's loss, and a quality figure measured on request.
    const table = page.getByTestId('learn-table');
    await expect.poll(() => table.locator('tr[data-model="ddpm"]').textContent()).toMatch(/DDPM\s*1\s*noise MSE \d\.\d{4}/);
    await page.getByRole('button', { name: 'measure now' }).click();
    await expect.poll(() => table.locator('tr[data-model="vae"]').textContent(), { timeout: 120_000 }).toMatch(/\d(\.\d+)?(e[+-]\d+)?$/);
    for (const model of ['gan', 'vae', 'ddpm']) expect(await table.locator(`tr[data-model="${model}"] td`).last().textContent()).toMatch(/^\d(\.\d+)?(e[+-]\d+)?$|^\d+(\.\d+)?$/);
    await expect.poll(() => page.getByTestId('learn-quality-note').textContent()).toMatch(/40 samples of each model against \d+ held-out real images.* is closest to the real images now/s);
    // VAE interpolation between two chosen originals.
    const interpolation = page.getByTestId('learn-interpolation').locator('canvas');
    const interpolationBefore = await interpolation.screenshot();
    await page.locator('select[name="learn-interp-to"]').selectOption('9');
    await expect.poll(async () => Buffer.compare(await interpolation.screenshot(), interpolationBefore), { timeout: 30_000 }).not.toBe(0);
    // The 2-D view counts the modes its generator covers.
    expect(await page.getByTestId('toy-modes').textContent()).toMatch(/modes covered\s*\d of 8 clusters/);

    await page.locator('input[name="learn-noise-t"]').fill('1000');
    await expect.poll(() => page.locator('.diffusion').textContent(), { timeout: 30_000 }).toMatch(/Noised to t = 1000: ᾱ = 0\.000/);
    // The reverse process: frames from pure noise to the finished image, animated, with a slider.
    await page.getByRole('button', { name: 'Denoise step by step' }).click();
    const reverse = page.getByTestId('learn-reverse');
    await reverse.waitFor({ timeout: 120_000 });
    await expect.poll(() => page.locator('.diffusion').textContent(), { timeout: 30_000 }).toMatch(/Pass 20 of 20: finished \(t = 0\)/);
    const frameSlider = page.locator('input[name="learn-reverse-frame"]');
    await frameSlider.fill('0');
    await expect.poll(() => page.locator('.diffusion').textContent()).toMatch(/Pass 0 of 20: t = 1000 of 1000/);
    const noiseFrame = await reverse.locator('canvas').first().screenshot();
    await frameSlider.fill('20');
    await expect.poll(async () => Buffer.compare(await reverse.locator('canvas').first().screenshot(), noiseFrame)).not.toBe(0);
    await frameSlider.fill('8');
    await page.locator('.diffusion').screenshot({ path: `${SHOTS}/learn-reverse.png` });
    expect(await page.getByTestId('kl-bars').locator('.bar').count()).toBe(16);
    await expect.poll(() => page.getByTestId('gan-numbers').textContent()).toMatch(/‖∇G‖\s*\d/);

    // The 2-D view draws, and draws again after steps: the generated points move.
    const toy = page.getByTestId('toy-canvas');
    const pixels = () =>
      toy.evaluate((canvas: HTMLCanvasElement) => {
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let hash = 0;
        const colours = new Set<number>();
        for (let i = 0; i < data.length; i += 4 * 7) {
          hash = (hash * 31 + data[i] + 3 * data[i + 1] + 7 * data[i + 2]) | 0;
          colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        }
        return { hash, colours: colours.size };
      });
    const before = await pixels();
    expect(before.colours).toBeGreaterThan(20);
    await page.getByRole('button', { name: '10 steps' }).click();
    await expect.poll(() => stepNumber(page), { timeout: 120_000 }).toBe(13);
    await expect.poll(async () => (await pixels()).hash, { timeout: 10_000 }).not.toBe(before.hash);
    await page.screenshot({ path: `${SHOTS}/learn-stepped.png`, fullPage: true });

    await page.keyboard.press(' ');
    await expect.poll(() => stepNumber(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(23);
    await page.keyboard.press(' ');
    // exact: "Play animation" (the reverse process, shown above) is also a button whose name holds "Play".
    await page.getByRole('button', { name: 'Play', exact: true }).waitFor({ timeout: 60_000 });

    await page.getByTestId('learn-table').screenshot({ path: `${SHOTS}/learn-table.png` });
    await page.locator('.columns').screenshot({ path: `${SHOTS}/learn-side-by-side.png` });

    // Leave the stage and come back: the session is where it was, charts included. After a pause the
    // page shows exactly the worker's step (pause answers with it), so the step on return is the same.
    const left = await stepNumber(page);
    expect(await stepText(page)).not.toMatch(/playing|pausing/);
    await page.getByRole('navigation', { name: 'Stages' }).getByRole('link', { name: 'Data' }).click();
    await page.locator('#learn-title').waitFor({ state: 'detached' });
    await page.getByRole('navigation', { name: 'Stages' }).getByRole('link', { name: 'Learn' }).click();
    await expect.poll(() => stepNumber(page), { timeout: 30_000 }).toBe(left);
    await expect(page.getByRole('button', { name: 'Restart' }).isVisible()).resolves.toBe(true);
    expect(await page.locator('.learn .chart').count()).toBeGreaterThanOrEqual(4);
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => stepNumber(page), { timeout: 60_000 }).toBe(left + 1);

    // Presenter mode: larger grids.
    const width = async () => (await page.getByTestId('learn-grid').first().boundingBox())!.width;
    const small = await width();
    await page.keyboard.press('f');
    await expect.poll(width).toBeGreaterThan(1.5 * small);
    await page.screenshot({ path: `${SHOTS}/learn-presenter.png` });
    await page.keyboard.press('f');
    expect(consoleErrors).toEqual([]);
  }, 600_000);

  it('a preset that provokes a failure gets it named: posterior collapse', async () => {
    const { page, consoleErrors } = await openStudio(browser, '/#/learn');
    await waitForBackend(page);
    if (!(await page.locator('#learn-title').count())) await page.getByRole('navigation', { name: 'Stages' }).getByRole('link', { name: 'Learn' }).click();
    await expect.poll(() => page.locator('select[name="learn-dataset"] option:checked').textContent(), { timeout: 120_000 }).toMatch(/phantoms/);
    await page.locator('select[name="learn-preset"]').selectOption('posterior-collapse');
    expect(await page.locator('input[name="learn-beta"]').inputValue()).toBe('500');
    await page.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => stepText(page), { timeout: 240_000 }).toMatch(/step 0/);
    await page.locator('select[name="learn-every"]').selectOption('20');
    await page.getByRole('button', { name: 'Play' }).click();
    await page.locator('[data-failure="posterior-collapse"]').waitFor({ timeout: 480_000 });
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.screenshot({ path: `${SHOTS}/learn-posterior-collapse.png`, fullPage: true });
    expect(consoleErrors).toEqual([]);
  }, 600_000);
});
