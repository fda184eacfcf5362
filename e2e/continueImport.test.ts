/**
 * A PyTorch checkpoint continues the run it came from, in the browser: a tiny run trained here is
 * exported for PyTorch with its data, python/train.py (one process, CPU) trains it one more step,
 * and importing that checkpoint asks "continue the original run" (the default) or "import as a new
 * run"; continuing keeps the run (no second one), at step 3, and the model library says which steps
 * were trained where. Needs /usr/bin/python3 with torch and numpy; skips with the reason otherwise.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, trainTinyDcgan, waitForBackend, waitForGrid } from './studio';

const PYTHON = '/usr/bin/python3';
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

function torchMissing(): string | null {
  const check = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (check.error) return `${PYTHON} could not run (${check.error.message})`;
  return check.status === 0 ? null : `${PYTHON} lacks torch or numpy; install python3-torch and python3-numpy`;
}

async function downloaded(page: Page, click: () => Promise<void>): Promise<Uint8Array> {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), click()]);
  const path = join(mkdtempSync(join(tmpdir(), 'e2e-continue-')), file.suggestedFilename());
  await file.saveAs(path);
  return new Uint8Array(readFileSync(path));
}

describe('importing a PyTorch checkpoint of a run that is here', () => {
  it('asks, continues the original run in place (step 2 → 3) by default, and the model card says where each step was trained', async (context) => {
    const missing = torchMissing();
    if (missing) return context.skip(`skipped: ${missing}`);
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    await trainTinyDcgan(page);
    const runName = (await page.locator('#run-title').first().textContent())!.trim();

    await page.getByLabel('with training data').check();
    const project = unzipSync(await downloaded(page, () => page.getByRole('button', { name: 'Export for PyTorch' }).click()));
    const dir = mkdtempSync(join(tmpdir(), 'e2e-continue-project-'));
    for (const [name, bytes] of Object.entries(project)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), bytes);
    }
    const folder = join(dir, Object.keys(project)[0]!.split('/')[0]!);
    const runFile = readdirSync(folder).find((n) => n.endsWith('.phantomrun'))!;
    const train = spawnSync(PYTHON, ['train.py', '--run', runFile, '--data', 'data.npz', '--steps', '3', '--out', 'checkpoints', '--device', 'cpu', '--log-every', '1'], {
      cwd: folder, encoding: 'utf8', timeout: 300_000, env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    expect(train.status, `${train.stdout}\n${train.stderr}`).toBe(0);
    const [checkpoint] = readdirSync(join(folder, 'checkpoints'));
    expect(checkpoint).toMatch(/-step3\.phantomrun$/);

    await page.locator('input[aria-label="Run file to import"]').setInputFiles(join(folder, 'checkpoints', checkpoint!));
    const choice = page.getByTestId('import-choice');
    await choice.waitFor({ timeout: 60_000 });
    expect(await choice.textContent()).toMatch(/continues the run .* the run is at step 2, the file at\s+step 3 \(steps 2–3: PyTorch .* on cpu\)/);
    expect(await choice.getByLabel(/Continue the original run/).isChecked()).toBe(true);
    await page.screenshot({ path: join(tmpdir(), 'continue-import-choice.png') });
    await choice.getByRole('button', { name: `Continue "${runName}"` }).click();
    await page.getByText(new RegExp(`Continued "${runName}" in place to step 3 from ${checkpoint!.replace(/\./g, '\\.')}`)).waitFor({ timeout: 60_000 });
    expect(await page.getByRole('list', { name: 'Training runs' }).getByRole('button').count()).toBe(1);
    // The import drew the run's fixed-noise grid from PyTorch's weights: the Train stage shows it.
    await page.getByText('Timeline: step 3', { exact: true }).waitFor({ timeout: 30_000 });

    await page.getByRole('navigation', { name: 'Stages' }).getByRole('link', { name: 'Models', exact: true }).click();
    const card = page.getByTestId('model-card');
    await expect.poll(() => card.getByTestId('model-steps').textContent(), { timeout: 30_000 }).toMatch(/^3 of 3 · \d+ checkpoints/);
    // Polled: the card shows '…' until the library's cards have loaded.
    await expect.poll(async () => (await card.getByTestId('model-training-time').textContent())!.trim(), { timeout: 30_000 }).toMatch(/^\d+ s in all: \d+ s in the studio \(\w+\), \d+ s in PyTorch$/);
    const segments = card.getByTestId('model-segments');
    await segments.waitFor({ timeout: 30_000 });
    expect((await segments.getByRole('listitem').allTextContents()).map((t) => t.trim())).toEqual([
      expect.stringMatching(/^steps 0–2: studio \(\w+\)$/),
      expect.stringMatching(/^steps 2–3: PyTorch \S+ on cpu$/),
    ]);
    await page.screenshot({ path: join(tmpdir(), 'continue-import-model-card.png'), fullPage: true });
    expect(consoleErrors, consoleErrors.join('\n')).toEqual([]);
  }, 600_000);
});
