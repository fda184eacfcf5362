import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser';
import { generatePhantomSet, openStudio, trainTinyRun, waitForBackend, waitForGrid } from './studio';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('evaluation in the browser', () => {
  it('compares two datasets with the real floor beside each metric and runs the memorisation audit', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    await generatePhantomSet(page, { modality: 'head-ct', count: 300, seed: 7 });
    await generatePhantomSet(page, { modality: 'chest-xray', count: 100, seed: 8 });

    await page.getByRole('link', { name: 'Evaluate' }).click();
    await page.locator('select[name="eval-real"]').selectOption({ label: 'head-ct phantoms 32px ×300 (300 × 32px)' });
    await page.getByRole('radio', { name: 'a dataset' }).check();
    await page.locator('select[name="eval-fake"]').selectOption({ label: 'chest-xray phantoms 32px ×100 (100 × 32px)' });
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await page.getByTestId('eval-metrics').waitFor({ timeout: 180_000 });

    const table = (await page.getByTestId('eval-metrics').textContent()) ?? '';
    expect(table).toMatch(/N 100 \/ 240/);
    expect(table).toMatch(/FRD/);
    const frdRow = page.getByTestId('eval-metrics').locator('tbody tr').first().locator('td');
    const synthetic = Number(await frdRow.nth(1).textContent());
    const floor = Number(await frdRow.nth(2).textContent());
    // Chest radiographs against head CTs sit far above the real-vs-real floor.
    expect(synthetic).toBeGreaterThan(3 * floor);
    expect(await page.getByText(/Fewer than 500 images on a side/).count()).toBeGreaterThan(0);
    // The headline is the likely copies (below both thresholds); each criterion stays inspectable.
    expect(await page.getByTestId('audit-likely-copies').textContent()).toMatch(/Likely copies \(below both thresholds\): \d+ of 100/);
    expect(await page.getByTestId('audit-ssim').textContent()).toMatch(/flagged/);
    // KID is shown × 10³ beside its floor; within-set similarity reads the right way round.
    expect(table).toMatch(/KID × 10³/);
    expect(table).toMatch(/Similarity within the set \(mean pairwise SSIM; lower = more diverse\)/);
    expect(await page.getByTestId('diversity-verdict').textContent()).toMatch(/Diversity: the synthetic images are (more|less|about as)/);
    // The precision–recall plot is readable: a real size, both axes titled, ticks 0–1 on each.
    const plot = page.getByTestId('precision-recall');
    expect((await plot.locator('svg').boundingBox())!.width).toBeGreaterThanOrEqual(320);
    expect(await plot.locator('text[data-axis="x"]').allTextContents()).toEqual(['0', '0.25', '0.5', '0.75', '1']);
    expect(await plot.locator('text[data-axis="y"]').allTextContents()).toEqual(['0', '0.25', '0.5', '0.75', '1']);
    expect(await plot.textContent()).toMatch(/Recall: share of real images covered[\s\S]*Precision: share that look real/);
    // The plain-language verdict leads, read against the floor.
    expect(await page.getByTestId('eval-verdict').textContent()).toMatch(/^Far from real: .*FRD [\d.]+ against a real-vs-real floor of [\d.]+/s);
    expect(await page.getByTestId('eval-per-class').textContent()).toMatch(/normal|lesion/);
    if (process.env.SHOTS) await page.screenshot({ path: `${process.env.SHOTS}/evaluate.png`, fullPage: true });

    // The real set against itself: its 240 training images are copies, far more than one page.
    await page.locator('select[name="eval-fake"]').selectOption({ label: 'head-ct phantoms 32px ×300 (300 × 32px)' });
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await expect.poll(() => page.getByTestId('audit-likely-copies').textContent(), { timeout: 180_000 }).toMatch(/: \d+ of 300/);
    const flagged = Number((await page.getByTestId('audit-likely-copies').textContent())!.match(/: (\d+) of 300/)![1]);
    expect(flagged).toBeGreaterThan(48);
    const pager = page.getByTestId('flagged-likely-copies-pager');
    expect(await pager.textContent()).toMatch(new RegExp(`Pairs 1–24 of ${flagged} · page 1 of ${Math.ceil(flagged / 24)}`));
    await page.getByTestId('flagged-likely-copies').locator('canvas').first().waitFor();
    // Paging by keyboard: focus Next and press Enter.
    await pager.getByRole('button', { name: 'Next ›' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => pager.textContent()).toMatch(new RegExp(`Pairs 25–48 of ${flagged} · page 2`));
    await expect.poll(() => page.getByTestId('flagged-likely-copies').locator('button.pair').first().getAttribute('aria-label')).toMatch(/^Show large: #\d+/);
    if (process.env.SHOTS) await page.screenshot({ path: `${process.env.SHOTS}/evaluate-copies.png`, fullPage: true });
    // One pair large, both images side by side; arrows step through pairs, Escape closes.
    await page.getByTestId('flagged-likely-copies').locator('button.pair').first().click();
    const dialog = page.getByTestId('flagged-likely-copies-dialog');
    await dialog.locator('canvas').nth(1).waitFor();
    const [a, b] = [await dialog.locator('canvas').nth(0).boundingBox(), await dialog.locator('canvas').nth(1).boundingBox()];
    expect(a!.width).toBeGreaterThanOrEqual(300);
    expect(b!.x).toBeGreaterThan(a!.x + a!.width - 1);
    expect(await dialog.textContent()).toMatch(new RegExp(`25 of ${flagged}`));
    if (process.env.SHOTS) await page.screenshot({ path: `${process.env.SHOTS}/evaluate-pair-large.png` });
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => dialog.textContent()).toMatch(new RegExp(`26 of ${flagged}`));
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.evaluate((d) => (d as HTMLDialogElement).open)).toBe(false);

    // The printable report: one HTML file holding the verdict, grids, settings, per-class figures and the likely copies' images.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Download report/ }).click()]);
    const html = await readFile((await download.path())!, 'utf8');
    for (const part of ['verdict', 'grids', 'settings', 'figures', 'per-class', 'flagged-pairs']) expect(html, part).toContain(`data-part="${part}"`);
    expect(html.match(/data:image\/png;base64/g)!.length).toBeGreaterThanOrEqual(2 + 2 * 24);
    expect(html).toMatch(/Copies training images: \d+ of 300/);
    expect(html).not.toMatch(/<script|https?:\/\//);
    const report = await browser.newPage();
    await report.setContent(html);
    if (process.env.SHOTS) await report.screenshot({ path: `${process.env.SHOTS}/evaluate-report.png`, fullPage: true });
    await report.close();

    // Two evaluations side by side: figures with their floors, verdicts, grids next to each other.
    const picks = page.getByRole('checkbox', { name: /^Compare / });
    await picks.nth(0).check();
    await picks.nth(1).check();
    await page.getByTestId('compare-button').click();
    const comparison = page.getByTestId('eval-comparison');
    await comparison.locator('canvas').nth(1).waitFor({ timeout: 60_000 });
    expect(await comparison.locator('thead th').count()).toBe(3);
    const verdicts = await comparison.locator('tr.verdicts td strong').allTextContents();
    expect(verdicts).toHaveLength(2);
    expect(verdicts).toEqual(expect.arrayContaining(['Far from real', 'Copies training images']));
    expect(await comparison.textContent()).toMatch(/floor [\d.]+/);
    const grids = [await comparison.locator('canvas').nth(0).boundingBox(), await comparison.locator('canvas').nth(1).boundingBox()];
    expect(grids[1]!.x).toBeGreaterThan(grids[0]!.x + grids[0]!.width - 1);
    if (process.env.SHOTS) await page.screenshot({ path: `${process.env.SHOTS}/evaluate-compare.png`, fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it('reconstructs held-out images through a VAE run and reports the paired metrics, MS-SSIM refusing 32 px', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    // A two-step VAE is enough: the test is about the plumbing, not the model's quality.
    await trainTinyRun(page, await generatePhantomSet(page, { modality: 'head-ct', count: 64, seed: 9 }), 'vae');

    await page.getByRole('link', { name: 'Evaluate' }).click();
    await page.locator('input[name="recon-count"]').fill('8');
    await page.getByRole('button', { name: 'Reconstruct' }).click();
    const table = page.getByTestId('reconstruction-metrics');
    await table.waitFor({ timeout: 120_000 });
    const text = (await table.textContent()) ?? '';
    expect(text).toMatch(/SSIM[-−\d.]+ ± [\d.e-]+\d/);
    expect(text).toMatch(/MS-SSIM needs images of at least 161 px/);
    expect(text).toMatch(/PSNR[\d.]+ ± [\d.]+ dB/);
    await page.getByTestId('reconstruction-examples').locator('canvas').first().waitFor();
    // The phantom set holds 6 validation images of 64 (80/10/10): all of them, fewer than the 8 asked for.
    expect(await page.getByTestId('reconstruction-examples').locator('figure').count()).toBe(6);
    expect(consoleErrors).toEqual([]);
  });
});
