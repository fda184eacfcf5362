/**
 * The Augment stage end to end, as a user runs it: the built-in phantoms' real-only classifier is
 * well above chance within the default budget; then, on tiny phantoms with a synthetic set saved
 * from a two-step conditional DCGAN, A, B and C over 3 seeds give the verdict and the tables, a
 * confusion cell opens its test images, and the rare-class mode shows its three sensitivities; the
 * generator's card on the Models stage then shows the latest experiment and links to its report.
 */
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

const shot = async (page: Page, name: string) => {
  if (process.env.PHANTOM_SCREENSHOTS) await page.screenshot({ path: join(process.env.PHANTOM_SCREENSHOTS, name), fullPage: true });
};

async function setNumber(page: Page, name: string, value: number) {
  const input = page.locator(`input[name="${name}"]`);
  await input.fill(String(value));
  await input.dispatchEvent('change');
}

/** The number of past experiments, or the failure notice when the experiment failed (so a failure shows its reason, not a timeout). */
async function experimentsOrFailure(page: Page): Promise<number | string> {
  const failed = page.getByText(/^Experiment failed: /);
  if (await failed.count()) return (await failed.first().textContent()) ?? 'failed';
  return page.locator('.pick-list li').count();
}

async function waitForExperiments(page: Page, count: number) {
  await expect.poll(() => experimentsOrFailure(page), { timeout: 1_500_000, interval: 2000 }).toBe(count);
}

async function runAndWait(page: Page) {
  const before = await page.locator('.pick-list li').count();
  await page.getByRole('button', { name: 'Run experiment' }).click();
  await waitForExperiments(page, before + 1);
}

describe('augment stage', () => {
  it('the real-only classifier on the built-in head-CT phantoms is well above chance within the default budget', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    await page.getByRole('link', { name: 'Augment' }).click();
    expect(await page.locator('input[name="aug-seeds"]').inputValue()).toBe('5');
    expect(await page.locator('input[name="aug-epochs"]').inputValue()).toBe('15');
    // One seed keeps the test short; the epochs, patience and batch are the defaults.
    await setNumber(page, 'aug-seeds', 1);
    await runAndWait(page);
    const verdict = (await page.getByTestId('aug-verdict').textContent()) ?? '';
    const match = /balanced accuracy (\d+\.\d) % over 1 seed/.exec(verdict);
    expect(match, verdict).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThan(85);
    expect(consoleErrors).toEqual([]);
  }, 1_800_000);

  it('A, B and C over 3 seeds on tiny phantoms with a saved synthetic set: verdict, tables, confusion images; then the rare-class mode', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    await page.locator('select[name="modality"]').selectOption('head-ct');
    await page.locator('select[name="size"]').selectOption('32');
    await page.locator('input[name="count"]').fill('200');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByText(/Created .*\(200 images\)/).waitFor({ timeout: 60_000 });

    await page.getByRole('link', { name: 'Train' }).click();
    await page.locator('select[name="run-dataset"]').selectOption({ label: 'head-ct phantoms 32px ×200 (200 × 32px)' });
    await page.locator('select[name="run-model"]').selectOption('dcgan');
    for (const [name, value] of [['model-batchSize', 4], ['model-latentDim', 8], ['model-width', 4], ['run-totalSteps', 2], ['run-readbackEvery', 1], ['run-sampleEvery', 2], ['run-checkpointEvery', 2], ['run-samplesPerClass', 1]] as const) await setNumber(page, name, value);
    await page.getByRole('button', { name: 'Create and train' }).click();
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 180_000, interval: 1000 }).toBe('finished');

    await page.getByRole('link', { name: 'Generate' }).click();
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByTestId('sampler-info').waitFor({ timeout: 60_000 });
    await page.locator('select[name="export-mode"]').selectOption('even');
    await page.locator('input[name="export-count"]').fill('80');
    await page.getByLabel('leave out likely copies').uncheck();
    await page.getByRole('button', { name: 'Audit and save' }).click();
    await expect.poll(() => page.getByTestId('export-audit').textContent(), { timeout: 120_000 }).toMatch(/80 saved/);

    await page.getByRole('link', { name: 'Augment' }).click();
    // The built-in 64-px phantoms come first: the tiny set's synthetic images are refused for them, with the reason.
    await page.locator('select[name="aug-real"]').selectOption({ label: 'Built-in head CT phantoms (1000 × 64px, 2 classes)' });
    expect(await page.locator('select[name="aug-synthetic"] option').count()).toBe(1);
    await page.getByTestId('aug-refused').locator('summary').click();
    expect(await page.getByTestId('aug-refused').textContent()).toMatch(/which trained on another dataset, not on “Built-in head CT phantoms”/);
    // A synthetic set is never offered as real.
    expect((await page.locator('select[name="aug-real"] option').allTextContents()).some((t) => /^Synthetic/.test(t))).toBe(false);

    await page.locator('select[name="aug-real"]').selectOption({ label: 'head-ct phantoms 32px ×200 (200 × 32px, 2 classes)' });
    await page.locator('select[name="aug-synthetic"]').selectOption({ index: 1 });
    // B adds one synthetic image per real training image (the default mix).
    expect(await page.locator('select[name="aug-mix"]').inputValue()).toBe('ratio');
    await setNumber(page, 'aug-seeds', 3);
    await setNumber(page, 'aug-epochs', 3);
    await setNumber(page, 'aug-patience', 2);
    await page.getByRole('button', { name: 'Run experiment' }).click();
    // Progress with a time left and Cancel while it runs.
    await page.getByRole('progressbar').waitFor({ timeout: 60_000 });
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(1);
    await waitForExperiments(page, 1);

    const verdict = (await page.getByTestId('aug-verdict').textContent()) ?? '';
    expect(verdict).toMatch(/(Adding synthetic images helped|Adding synthetic images hurt|No evidence that adding synthetic images helps): balanced accuracy B − A = [+−]\d+\.\d points, 95 % CI [+−]\d+\.\d to [+−]\d+\.\d over 3 seeds\./);
    expect(verdict).toMatch(/Classification Accuracy Score/);
    const table = (await page.getByTestId('aug-table').textContent()) ?? '';
    expect(table).toMatch(/A · real only.*B · real \+ synthetic.*C · synthetic only/);
    expect(table).toMatch(/balanced accuracy\s*\d+\.\d ± \d+\.\d %/);
    expect(table).toMatch(/ROC AUC \(macro\)/);
    const differences = (await page.getByTestId('aug-differences').textContent()) ?? '';
    expect(differences).toMatch(/B − A: balanced accuracy/);
    expect(differences).toMatch(/C − A: ROC AUC \(macro\)/);
    expect(differences).toMatch(/t over 3 seeds/);
    expect(await page.getByText(/normal 80 \+ 4\d syn\., haemorrhage 80 \+ 4\d syn\./).count()).toBe(1);
    expect(await page.getByTestId('aug-bars').locator('svg').count()).toBe(4);
    expect(await page.getByTestId('aug-roc').locator('svg path').count()).toBeGreaterThanOrEqual(3);
    await shot(page, 'augment-report.png');

    // A non-empty confusion cell opens its test images.
    // A misclassified cell when there is one (the usual case after 3 epochs), else a correct one.
    const misses = page.getByTestId('confusion-A').locator('td.miss button');
    const cell = (await misses.count()) ? misses.first() : page.getByTestId('confusion-A').locator('td button:not([disabled])').first();
    const n = Number(await cell.textContent());
    await cell.click();
    await expect.poll(() => page.getByTestId('confusion-dialog').locator('canvas').count(), { timeout: 30_000 }).toBe(Math.min(n, 48));
    await shot(page, 'augment-confusion-images.png');
    await page.getByTestId('confusion-dialog').getByRole('button', { name: 'Close' }).click();

    // Rare class: cut "haemorrhage" to 20 %, top it up with synthetic haemorrhage images.
    await page.getByLabel('Rare class', { exact: true }).check();
    await page.locator('select[name="aug-rare"]').selectOption({ index: 1 });
    await setNumber(page, 'aug-fraction', 20);
    await page.getByRole('button', { name: 'Run experiment' }).click();
    await waitForExperiments(page, 2);
    const rare = (await page.getByTestId('aug-verdict').textContent()) ?? '';
    expect(rare).toMatch(/sensitivity for “haemorrhage” B \(rare\) − A \(rare\) = [+−]\d+\.\d points, 95 % CI/);
    expect(rare).toMatch(/With 20 % of its real training images, sensitivity for “haemorrhage” goes from \d+\.\d ± \d+\.\d % \(A, full\) to \d+\.\d ± \d+\.\d % \(A, rare\); topped up with synthetic “haemorrhage” images it is \d+\.\d ± \d+\.\d % \(B, rare \+ synthetic\)\./);
    await shot(page, 'augment-rare.png');
    const rareHeadline = (await page.getByTestId('aug-verdict').locator('.headline').textContent()) ?? 'none';

    // The generator's card (Models) shows its latest experiment: the verdict and the rare class's three sensitivities, linked to the report.
    await page.getByRole('navigation', { name: 'Stages' }).getByRole('link', { name: 'Models' }).click();
    const onCard = page.getByTestId('model-augment');
    await expect.poll(() => onCard.textContent(), { timeout: 60_000 }).toMatch(/Synthetic images of the rare class|No evidence that synthetic images of the rare class/);
    const cardText = (await onCard.textContent()) ?? '';
    expect(cardText).toContain(rareHeadline);
    expect(cardText).toMatch(/Rare-class mode \(“haemorrhage”\), sensitivity for “haemorrhage” over 3 seeds: A \d+\.\d ± \d+\.\d % · A \(rare\) \d+\.\d ± \d+\.\d % · B \(rare\) \d+\.\d ± \d+\.\d %/);
    expect(cardText).toMatch(/ % · A \(rare\) − A [+−]\d+\.\d points \[[+−]\d+\.\d, [+−]\d+\.\d\] · B \(rare\) − A \(rare\) [+−]\d+\.\d points \[[+−]\d+\.\d, [+−]\d+\.\d\]\./);
    await onCard.scrollIntoViewIfNeeded();
    await shot(page, 'augment-run-card.png');
    await onCard.getByRole('link', { name: 'Open the report' }).click();
    await expect.poll(() => page.getByTestId('aug-verdict').locator('.headline').textContent(), { timeout: 30_000 }).toBe(rareHeadline);
    expect(page.url()).toMatch(/#\/augment\/aug/);
    expect(consoleErrors).toEqual([]);
  }, 3_600_000);
});
