/**
 * Synthetic images leave the studio marked: from a tiny trained conditional DCGAN, the Generate
 * stage makes 16 images of one class; one is opened large (arrows step, Escape closes) and
 * regenerated (only it changes), an interpolation strip is made, and the downloaded ZIP (PNGs
 * with tEXt marks, labels.csv, run card with the new seed, audit) and DICOM file (Secondary
 * Capture, SYN) are read back here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import { decode as decodePng } from 'fast-png';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, trainTinyDcgan, waitForBackend, waitForGrid } from './studio';
import { imageSeed } from '../src/generation/imageSeeds';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** The tEXt chunks of a PNG, read chunk by chunk. */
function pngText(png: Uint8Array): Record<string, string> {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const text: Record<string, string> = {};
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    if (String.fromCharCode(...png.subarray(at + 4, at + 8)) === 'tEXt') {
      const body = png.subarray(at + 8, at + 8 + length);
      const nul = body.indexOf(0);
      text[new TextDecoder('latin1').decode(body.subarray(0, nul))] = new TextDecoder('latin1').decode(body.subarray(nul + 1));
    }
    at += 12 + length;
  }
  return text;
}

async function downloaded(page: Page, button: string): Promise<{ name: string; bytes: Uint8Array }> {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByRole('button', { name: button, exact: true }).click()]);
  return { name: file.suggestedFilename(), bytes: new Uint8Array(readFileSync(await file.path())) };
}

describe('synthetic export in the browser', () => {
  it('generates 16 images of one class from a tiny trained model and downloads them as a marked ZIP and a DICOM file', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    await trainTinyDcgan(page, async () => expect(await page.locator('input[name="conditional"]').isChecked()).toBe(true));

    await page.getByRole('link', { name: 'Generate' }).click();
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByTestId('sampler-info').waitFor({ timeout: 60_000 });
    await page.locator('select[name="export-mode"]').selectOption('one');
    const classNames = await page.locator('select[name="export-class"] option').allTextContents();
    expect(classNames.length).toBe(2);
    await page.locator('select[name="export-class"]').selectOption({ index: 1 });
    await page.locator('input[name="export-count"]').fill('16');
    await page.locator('input[name="export-truncation"]').fill('0.8');
    // Keep every image (a two-step model's images may sit near each other), so exactly 16 are saved.
    await page.getByLabel('leave out likely copies').uncheck();
    await page.getByRole('button', { name: 'Audit and save' }).click();
    await expect.poll(() => page.getByTestId('export-audit').textContent(), { timeout: 120_000 }).toMatch(/16 generated, .* 0 left out, 16 saved/);
    await page.getByTestId('synthetic-downloads').waitFor();
    if (process.env.PHANTOM_SCREENSHOTS) await page.screenshot({ path: join(process.env.PHANTOM_SCREENSHOTS, 'generate-stage.png'), fullPage: true });

    // Look closer: the saved images as tiles; one opens large, arrows step, Escape closes.
    const tiles = page.getByTestId('gallery-tile');
    await expect.poll(() => tiles.count(), { timeout: 30_000 }).toBe(16);
    const tileData = (i: number) => tiles.nth(i).locator('canvas').evaluate((c) => (c as HTMLCanvasElement).toDataURL());
    const before = await Promise.all([2, 3, 4].map(tileData));
    await tiles.nth(3).click();
    const dialog = page.getByTestId('synthetic-dialog');
    await expect.poll(() => page.getByTestId('dialog-caption').textContent()).toMatch(/^Image 3 · .* · 32 px · seed \d+$/);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByTestId('dialog-caption').textContent()).toMatch(/^Image 4 /);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.getByTestId('dialog-caption').textContent()).toMatch(/^Image 3 /);
    const oldSeed = (await page.getByTestId('dialog-caption').textContent())!.match(/seed (\d+)/)![1];
    // Regenerate image 3: only its tile changes, and the caption shows its new seed.
    await dialog.getByRole('button', { name: 'Regenerate this image' }).click();
    await page.getByText(/Image 3 regenerated with seed \d+/).waitFor({ timeout: 60_000 });
    const newSeed = (await page.getByTestId('dialog-caption').textContent())!.match(/seed (\d+)/)![1];
    expect(newSeed).not.toBe(oldSeed);
    const after = await Promise.all([2, 3, 4].map(tileData));
    expect(after[0]).toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect(after[2]).toBe(before[2]);
    await dialog.getByRole('button', { name: 'End A' }).click();
    if (process.env.PHANTOM_SCREENSHOTS) await page.screenshot({ path: join(process.env.PHANTOM_SCREENSHOTS, 'generate-large.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.evaluate((d) => (d as HTMLDialogElement).open)).toBe(false);
    // An interpolation strip between images 3 and 10.
    await tiles.nth(10).click();
    await dialog.getByRole('button', { name: 'End B' }).click();
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('interpolation-a').textContent()).toBe('3');
    expect(await page.getByTestId('interpolation-b').textContent()).toBe('10');
    await page.locator('input[name="interpolation-frames"]').fill('6');
    await page.getByRole('button', { name: 'Make strip' }).click();
    await expect.poll(() => page.getByTestId('interpolation-strip').locator('canvas').count(), { timeout: 60_000 }).toBe(6);
    // The strip's first frame is image 3 as it now is.
    const frame0 = await page.getByTestId('interpolation-strip').locator('canvas').first().evaluate((c) => Array.from((c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 32, 32).data));
    const tile3 = await tiles.nth(3).locator('canvas').evaluate((c) => Array.from((c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 32, 32).data));
    expect(Math.max(...frame0.map((v, i) => Math.abs(v - tile3[i])))).toBeLessThanOrEqual(1);
    if (process.env.PHANTOM_SCREENSHOTS) await page.screenshot({ path: join(process.env.PHANTOM_SCREENSHOTS, 'generate-gallery.png'), fullPage: true });

    const zip = await downloaded(page, 'ZIP of PNGs');
    expect(zip.name).toMatch(/^synthetic_.*_png\.zip$/);
    const entries = unzipSync(zip.bytes);
    const pngs = Object.keys(entries).filter((p) => p.endsWith('.png'));
    expect(pngs).toHaveLength(16);
    const cls = classNames[1];
    for (const path of pngs) {
      expect(path.split('/').pop()).toMatch(new RegExp(`^synthetic_${cls}_\\d{6}\\.png$`));
      const text = pngText(entries[path]);
      expect(text).toMatchObject({ Synthetic: 'true', Step: '2', 'Batch seed': '1', Class: cls });
      // Each image carries its own seed: the regenerated image 3 its new seed, the others imageSeed(1, i).
      const index = Number(path.match(/_(\d{6})\.png$/)![1]);
      expect(text.Seed).toBe(index === 3 ? String(newSeed) : String(imageSeed(1, index)));
      expect(text.Software).toMatch(/^Phantom Studio \d+\.\d+\.\d+/);
      expect(text.Model).toMatch(/^dcgan run-/);
    }
    const rows = new TextDecoder().decode(entries['labels.csv']).trim().split('\n');
    expect(rows[0]).toBe('file,label,split,seed');
    expect(rows.slice(1).map((r) => r.split(',')[3])).toEqual(rows.slice(1).map((r) => pngText(entries[r.split(',')[0]]).Seed));
    expect(rows.slice(1).map((r) => r.split(',')[1])).toEqual(Array(16).fill(`"${cls}"`));
    const card = JSON.parse(new TextDecoder().decode(entries['run_card.json']));
    expect(card.provenance).toMatchObject({ synthetic: true, modelKind: 'dcgan', step: 2, seed: 1, truncation: 0.8, generatedPerClass: [0, 16], seeds: 'per-image', regenerated: [{ index: 3, seed: Number(newSeed) }] });
    // The ZIP holds the regenerated image 3 (the tile's pixels).
    const png3 = decodePng(entries[pngs.find((p) => p.endsWith('_000003.png'))!]).data;
    expect(Array.from(png3)).toEqual(tile3.filter((_, i) => i % 4 === 0));
    expect(JSON.parse(new TextDecoder().decode(entries['audit.json']))).toMatchObject({ generated: 16, kept: 16 });

    await page.locator('input[name="download-index"]').fill('3');
    const dicom = await downloaded(page, 'DICOM');
    expect(dicom.name).toBe(`synthetic_${cls}_000003.dcm`);
    const parsed = dicomParser.parseDicom(dicom.bytes);
    expect(parsed.string('x00080016')).toBe('1.2.840.10008.5.1.4.1.1.7');
    expect(parsed.string('x00080064')).toBe('SYN');
    expect(parsed.string('x00080008')).toBe('DERIVED\\SECONDARY');
    expect(parsed.string('x0008103e')).toMatch(/^SYNTHETIC/);
    expect(parsed.string('x00280301')).toBe('NO');
    expect(parsed.string('x00100010')).toBe('SYNTHETIC');
    expect(parsed.string('x00082111')).toMatch(new RegExp(`step 2, seed ${newSeed} \\(image 3 of batch seed 1\\), class ${cls}, truncation psi 0.8$`));
    expect(parsed.string('x00204000')).toContain(`Image seed ${newSeed}, batch seed 1, image 3`);
    expect(parsed.string('x00080018')).toMatch(/^2\.25\.\d+$/);
    // The DICOM file's pixels are the ZIP's image 3.
    const pixel = parsed.elements.x7fe00010;
    const png = entries[pngs.find((p) => p.endsWith('_000003.png'))!];
    expect(Array.from(dicom.bytes.subarray(pixel.dataOffset, pixel.dataOffset + pixel.length))).toEqual(Array.from(decodePng(png).data));

    // The Data stage exports the synthetic dataset with the same marks, DICOM included.
    await page.getByRole('link', { name: 'Data' }).click();
    await page.getByRole('button', { name: /^Synthetic: DCGAN/ }).click();
    const fromData = await downloaded(page, 'Export ZIP of DICOM');
    expect(fromData.name).toMatch(/^synthetic_.*_dicom\.zip$/);
    const dicoms = Object.entries(unzipSync(fromData.bytes)).filter(([p]) => p.endsWith('.dcm'));
    expect(dicoms).toHaveLength(16);
    for (const [path, bytes] of dicoms) {
      expect(path).toMatch(new RegExp(`^dicom/synthetic_${cls}_\\d{6}\\.dcm$`));
      expect(dicomParser.parseDicom(bytes).string('x00080064')).toBe('SYN');
    }
    const dataZip = unzipSync((await downloaded(page, 'Export ZIP of PNGs')).bytes);
    expect(Object.keys(dataZip).filter((p) => p.endsWith('.png')).sort()).toEqual([...pngs].sort());
    expect(consoleErrors).toEqual([]);
  });
});
