import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, waitForBackend, waitForGrid } from './studio';
import { PHI, phiDicom } from '../src/importers/testing/dicomFixtures';

let browser: Browser;
let folder: string;

beforeAll(async () => {
  browser = await launchBrowser();
  folder = mkdtempSync(join(tmpdir(), 'phantom-phi-'));
  // File names are the user's choice and stay neutral here; the identifiers live inside the files.
  writeFileSync(join(folder, 'scan-1.dcm'), phiDicom());
  writeFileSync(join(folder, 'scan-2.dcm'), phiDicom('OTHER-PATIENT-7'));
});

afterAll(async () => {
  await browser?.close();
  rmSync(folder, { recursive: true, force: true });
});

/** Every key and value in the studio's IndexedDB, with byte arrays also read as Latin-1 text. */
function dumpIndexedDb(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const open = indexedDB.open('phantom-studio');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const store = open.result.transaction('kv').objectStore('kv');
          const keys = store.getAllKeys();
          const values = store.getAll();
          values.onsuccess = () => {
            const text = (v: unknown): string => {
              if (ArrayBuffer.isView(v)) return new TextDecoder('latin1').decode(v as Uint8Array);
              if (v && typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k}:${text(x)}`).join('|');
              return String(v);
            };
            resolve(JSON.stringify(keys.result) + values.result.map(text).join('\n'));
          };
          values.onerror = () => reject(values.error);
        };
      }),
  );
}

describe('privacy of imported DICOM', () => {
  it('stores no patient name, ID, date, UID or institution anywhere in IndexedDB', async () => {
    const { page } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    await page.getByTestId('import-files').setInputFiles([join(folder, 'scan-1.dcm'), join(folder, 'scan-2.dcm')]);
    await page.locator('select[name="import-labels"]').selectOption('none');
    await page.getByRole('button', { name: /^Import 2 files$/ }).click();
    await page.getByTestId('import-report').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('imported-count').textContent()).toBe('2');
    await page.getByRole('button', { name: 'Save dataset' }).click();
    await page.getByText(/Saved .*\(2 images\)/).waitFor();

    const dump = await dumpIndexedDb(page);
    expect(dump).toMatch(/dataset\//); // the dump really holds the stored datasets
    for (const secret of [PHI.name, PHI.id, 'OTHER-PATIENT-7', PHI.birth, PHI.study, PHI.uid, PHI.institution]) {
      expect(dump.includes(secret), `IndexedDB contains "${secret}"`).toBe(false);
    }
  });
});
