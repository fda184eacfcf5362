import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import type { Browser } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, waitForBackend, waitForGrid } from './studio';

const FILES = 10_000;
let browser: Browser;
let folder: string;

beforeAll(async () => {
  browser = await launchBrowser();
  folder = mkdtempSync(join(tmpdir(), 'phantom-large-'));
  for (const cls of ['a', 'b']) mkdirSync(join(folder, 'scans', cls), { recursive: true });
  for (let i = 0; i < FILES; i++) {
    const data = Uint8Array.from({ length: 16 * 16 }, (_, p) => (p * 5 + i * 11) & 255);
    writeFileSync(join(folder, 'scans', i % 2 ? 'b' : 'a', `${i}.png`), encode({ width: 16, height: 16, data, channels: 1, depth: 8 }));
  }
});

afterAll(async () => {
  await browser?.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('a large import', () => {
  it(`imports ${FILES} files without freezing the page`, async () => {
    const { page } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    await page.getByTestId('import-folder').setInputFiles(join(folder, 'scans'));
    await page.locator('input[name="import-size"]').fill('28');
    // The longest gap between animation frames while the import runs: a frozen page shows seconds.
    await page.evaluate(() => {
      const w = window as unknown as { gaps: number[]; stop: boolean };
      w.gaps = [];
      let last = performance.now();
      const tick = (t: number) => {
        w.gaps.push(t - last);
        last = t;
        if (!w.stop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.getByRole('button', { name: `Import ${FILES} files` }).click();
    await page.getByTestId('import-report').waitFor({ timeout: 300_000 });
    expect(await page.getByTestId('imported-count').textContent()).toBe(String(FILES));
    const longest = await page.evaluate(() => {
      const w = window as unknown as { gaps: number[]; stop: boolean };
      w.stop = true;
      return Math.max(...w.gaps.slice(2));
    });
    expect(longest).toBeLessThan(1000);
  });
});
