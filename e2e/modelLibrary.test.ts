/**
 * The model library (Models stage) as a user drives it, by keyboard where it matters: two tiny runs
 * are trained; one is renamed (kept after a reload), continued from step 2 to 4 (its curve goes on),
 * and the two are compared (loss curves overlaid, figures side by side). The status bar's offer to
 * keep the data persistent is answered with the browser's decision.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, waitForBackend, waitForGrid } from './studio';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function trainTinyRun(page: Page, latentDim: number): Promise<void> {
  await page.getByRole('navigation', { name: 'Stages' }).getByRole('link', { name: 'Train' }).click();
  await page.locator('select[name="run-dataset"]').selectOption({ label: 'head-ct phantoms 32px ×64 (64 × 32px)' });
  await page.locator('select[name="run-model"]').selectOption('dcgan');
  for (const [name, value] of [['model-batchSize', 4], ['model-latentDim', latentDim], ['model-width', 4], ['run-totalSteps', 2], ['run-readbackEvery', 1], ['run-sampleEvery', 2], ['run-checkpointEvery', 2], ['run-samplesPerClass', 1]] as const) {
    const input = page.locator(`input[name="${name}"]`);
    await input.fill(String(value));
    await input.dispatchEvent('change');
  }
  await page.getByRole('button', { name: 'Create and train' }).click();
  await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 180_000, interval: 1000 }).toBe('finished');
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(tmpdir(), `library-${name}.png`), fullPage: true });

describe('the model library', () => {
  it('renames a run (kept after reload), continues it to more steps, and compares two runs', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    await page.locator('select[name="modality"]').selectOption('head-ct');
    await page.locator('select[name="size"]').selectOption('32');
    await page.locator('input[name="count"]').fill('64');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByText(/Created .*\(64 images\)/).waitFor({ timeout: 60_000 });

    await trainTinyRun(page, 8);
    await trainTinyRun(page, 16);

    await page.getByRole('navigation', { name: 'Stages' }).getByRole('link', { name: 'Models' }).click();
    const cards = page.getByTestId('model-card');
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBe(2);
    // The run card: dataset fingerprint with its pixel hash, the steps, no evaluation yet.
    const first = cards.first();
    await expect.poll(() => first.getByTestId('model-dataset').textContent(), { timeout: 60_000 }).toMatch(/head-ct phantoms 32px ×64 · 64 images of 32×32[\s\S]*SHA-256 of the pixels [0-9a-f]{64}/);
    expect(await first.getByTestId('model-steps').textContent()).toMatch(/^2 of 2/);
    expect(await first.getByTestId('model-evaluation').textContent()).toMatch(/None yet/);
    await shot(page, 'cards');

    // Rename by keyboard: Rename, type, Enter.
    await first.getByRole('button', { name: 'Rename' }).focus();
    await page.keyboard.press('Enter');
    const nameInput = first.getByRole('textbox', { name: /New name for/ });
    await expect.poll(() => nameInput.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Latent-16 GAN');
    await page.keyboard.press('Enter');
    await page.getByTestId('model-name').filter({ hasText: 'Latent-16 GAN' }).waitFor({ timeout: 30_000 });
    // Escape cancels an edit and keeps the name.
    await first.getByRole('button', { name: 'Rename' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.type('not kept');
    await page.keyboard.press('Escape');
    expect(await first.getByTestId('model-name').textContent()).toBe('Latent-16 GAN');

    await page.reload();
    await waitForBackend(page);
    await expect.poll(() => page.getByTestId('model-name').allTextContents(), { timeout: 30_000 }).toContain('Latent-16 GAN');

    // Continue the renamed run from step 2 to 4, by keyboard.
    const renamed = cards.filter({ has: page.getByTestId('model-name').filter({ hasText: 'Latent-16 GAN' }) });
    const target = renamed.getByRole('spinbutton', { name: 'Continue to step' });
    await target.fill('4');
    await target.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => renamed.getByTestId('model-steps').textContent(), { timeout: 180_000, interval: 1000 }).toMatch(/^4 of 4/);
    await expect.poll(() => renamed.getByTestId('model-status').textContent(), { timeout: 60_000 }).toBe('finished');

    // Compare the two: tick both checkboxes by keyboard (Space).
    for (const card of [renamed, cards.filter({ hasNot: page.getByTestId('model-name').filter({ hasText: 'Latent-16 GAN' }) })]) {
      await card.getByRole('checkbox', { name: 'Compare' }).focus();
      await page.keyboard.press('Space');
    }
    const comparison = page.getByTestId('run-comparison');
    await comparison.waitFor({ timeout: 30_000 });
    const lossG = comparison.getByTestId('chart-Loss: lossG');
    await lossG.waitFor();
    const keys = await lossG.locator('.key').allTextContents();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^Latent-16 GAN /);
    expect(keys[1]).toMatch(/^DCGAN on head-ct phantoms/);
    const figures = comparison.getByTestId('run-figures');
    expect(await figures.textContent()).toMatch(/4 of 4[\s\S]*2 of 2/);
    expect(await comparison.getByTestId('unevaluated').textContent()).toMatch(/Not evaluated here yet/);
    await shot(page, 'compare');

    // Persistent storage: offered when not granted; the browser's answer is shown.
    const persistence = page.getByTestId('persistence');
    if ((await page.getByTestId('ask-persistence').count()) > 0) {
      expect(await persistence.textContent()).toMatch(/Storage may be evicted by the browser, trained models included/);
      await page.getByTestId('ask-persistence').focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => persistence.textContent(), { timeout: 30_000 }).toMatch(/granted, the browser will not evict|The browser declined persistent storage/);
    } else {
      expect(await persistence.textContent()).toMatch(/Persistent storage/);
    }
    await shot(page, 'persistence');

    // In Train, the continued run's log says where it resumed and its step count is the new one.
    await page.getByRole('navigation', { name: 'Stages' }).getByRole('link', { name: 'Train' }).click();
    await page.getByRole('list', { name: 'Training runs' }).getByRole('button', { name: /Latent-16 GAN/ }).click();
    await expect.poll(() => page.getByTestId('run-step').textContent()).toMatch(/step 4/);
    expect(await page.getByTestId('run-finished-hint').textContent()).toMatch(/continue it for more steps/);
    expect(await page.locator('.log').textContent()).toMatch(/Resumed at step 2[\s\S]*Continued to 4 steps|Continued to 4 steps[\s\S]*Resumed at step 2/);
    await shot(page, 'train-continued');

    expect(consoleErrors).toEqual([]);
  }, 900_000);
});
