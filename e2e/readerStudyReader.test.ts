/**
 * The reader's side of a reader study, as a reader on another computer does it: import the study file
 * the organiser handed out (a damaged one is refused by name), take the study with the keyboard only
 * (training block with feedback, zoom, window/level, help, pause), reload the page in the middle and
 * resume, finish, and download the answers file — which the organiser's validation accepts and scores.
 * The study file is made here with the organiser's own functions (studyDesign / studyFile).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, waitForBackend } from './studio';
import { designStudy, type ImagePool, type StudyConfig } from '../src/readerStudy/studyDesign';
import { encodeStudyFile, parseAnswersFile, studyFileOf } from '../src/readerStudy/studyFile';
import { studyResults } from '../src/readerStudy/studyResults';

const SIZE = 24;

/** Two pools that differ visibly (so screenshots show something): rings for "real", stripes for "synthetic". */
function pool(name: string, kind: 'rings' | 'stripes'): ImagePool {
  return {
    datasetId: `ds-${name}`,
    datasetName: name,
    width: SIZE,
    height: SIZE,
    classNames: ['head', 'chest'],
    images: Array.from({ length: 12 }, (_, i) => ({
      classIndex: i % 2,
      pixels: Uint8Array.from({ length: SIZE * SIZE }, (_, p) => {
        const x = (p % SIZE) - SIZE / 2;
        const y = Math.floor(p / SIZE) - SIZE / 2;
        const v = kind === 'rings' ? 128 + 100 * Math.cos(Math.hypot(x, y) / (1.5 + i * 0.2)) : 128 + 90 * Math.sin((x + y * (i % 3)) / 2);
        return Math.max(0, Math.min(255, Math.round(v)));
      }),
    })),
  };
}

const config: StudyConfig = {
  title: 'Phantom look-alikes',
  imageCount: 6,
  syntheticFraction: 0.5,
  balancePerClass: true,
  seed: 11,
  question: { twoChoice: true, confidence: true },
  timeLimitSeconds: null,
  trainingCount: 2,
};
const designed = designStudy(config, pool('RealTestSplitName', 'rings'), pool('SyntheticSetName', 'stripes'), 'study-e2e-reader');
const studyFile = studyFileOf(designed);

let browser: Browser;
let dir: string;

beforeAll(async () => {
  browser = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'reader-study-'));
});
afterAll(async () => {
  await browser?.close();
});

const shot = async (page: Page, name: string) => {
  if (process.env.SHOTS) await page.screenshot({ path: `${process.env.SHOTS}/${name}.png` });
};

async function progressText(page: Page): Promise<string> {
  return ((await page.getByTestId('reader-progress').textContent()) ?? '').trim();
}

/** Waits until every save the reader started has settled. */
async function saved(page: Page) {
  await expect.poll(() => page.getByTestId('reader-saved').textContent(), { timeout: 20_000 }).toBe('Progress saved');
  expect(await page.getByTestId('study-reader').getByRole('alert').count()).toBe(0);
}

describe('reader study: the reader side', () => {
  it('imports a study file, is answered by keyboard only, pauses and resumes across a reload, and downloads an answers file the organiser accepts', async () => {
    const studyPath = join(dir, 'phantom-look-alikes.phantomstudy');
    writeFileSync(studyPath, encodeStudyFile(studyFile));
    const damagedPath = join(dir, 'cut-short.phantomstudy');
    writeFileSync(damagedPath, encodeStudyFile(studyFile).slice(0, 300));

    const { page, consoleErrors, foreignRequests } = await openStudio(browser, '/#/study');
    await page.setViewportSize({ width: 1200, height: 800 });
    await waitForBackend(page);
    const panel = page.getByTestId('take-study');
    await panel.waitFor();

    // A damaged file is refused with its name and the reason.
    await panel.getByTestId('study-file-input').setInputFiles(damagedPath);
    await panel.getByTestId('reader-name').fill('Dr Reader');
    await panel.getByRole('button', { name: 'Start reading' }).click();
    await expect.poll(() => panel.getByTestId('take-error').textContent()).toMatch(/^cut-short\.phantomstudy: is not a reader study file/);

    await panel.getByTestId('study-file-input').setInputFiles(studyPath);
    await panel.getByTestId('reader-experience').fill('radiologist, 8 years');
    await panel.getByRole('button', { name: 'Start reading' }).click();
    const reader = page.getByTestId('study-reader');
    await reader.waitFor();
    await page.getByTestId('reader-paused').waitFor();
    await shot(page, 'reader-start');

    // Blinding: nothing but pixels. No id, dataset name or kind anywhere in the page, and no image URL.
    const html = await page.content();
    for (const id of [...designed.items.map((i) => i.id), ...designed.training.map((t) => t.id)]) expect(html).not.toContain(id);
    expect(html).not.toMatch(/RealTestSplitName|SyntheticSetName/);
    expect(await reader.evaluate((el) => el.outerHTML)).not.toMatch(/ds-|synthetic-|real-|\.png|blob:|data:/);
    expect(await reader.locator('img').count()).toBe(0);

    // Training block: feedback after each answer, moved on by hand.
    await page.keyboard.press('Space');
    expect(await progressText(page)).toBe('Training image 1 of 2');
    const answerFor = (synthetic: boolean) => (synthetic ? ['s', '2'] : ['r', '4']);
    for (const t of designed.training) {
      for (const key of answerFor(!t.synthetic)) await page.keyboard.press(key); // deliberately wrong
      const fb = page.getByTestId('reader-feedback');
      await fb.waitFor();
      expect(await fb.textContent()).toContain(t.synthetic ? 'Synthetic.' : 'Real.');
      expect(await fb.textContent()).toContain(`You said ${t.synthetic ? 'real' : 'synthetic'}`);
      if (t === designed.training[0]) await shot(page, 'reader-training-feedback');
      await page.keyboard.press('Enter');
    }
    await expect.poll(() => progressText(page)).toBe('Image 1 of 6');
    expect(await page.getByTestId('reader-feedback').count()).toBe(0);

    // What this reader answers: the truth for the first four images, the opposite for the last two.
    const truth = designed.items.map((it) => designed.key[it.id].synthetic);
    const says = truth.map((t, i) => (i < 4 ? t : !t));
    const answer = async (i: number) => {
      for (const key of answerFor(says[i])) await page.keyboard.press(key);
    };
    await shot(page, 'reader-normal');
    await answer(0);
    await answer(1);
    await answer(2);
    await expect.poll(() => progressText(page)).toBe('Image 4 of 6');
    // No feedback outside the training block.
    expect(await page.getByTestId('reader-feedback').count()).toBe(0);

    // Zoom and window/level by keys, the help overlay, then back to the full view.
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    await shot(page, 'reader-zoomed');
    await page.keyboard.press('0');
    for (let k = 0; k < 12; k++) await page.keyboard.press('[');
    for (let k = 0; k < 3; k++) await page.keyboard.press('ArrowDown');
    expect(await page.getByTestId('reader-wl').textContent()).toBe('W 64 / L 152');
    await shot(page, 'reader-window-level');
    await page.keyboard.press('0');
    expect(await page.getByTestId('reader-wl').textContent()).toBe('W 256 / L 128 (full range)');
    // The mouse does the same: the wheel zooms in towards the pointer, Shift-drag sets window/level.
    const zoomText = () => reader.getByLabel('Zoom', { exact: true }).textContent();
    const fitZoom = await zoomText();
    const box = (await reader.locator('canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -100);
    await expect.poll(zoomText).not.toBe(fitZoom);
    await page.keyboard.down('Shift');
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2 - 24, { steps: 4 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    expect(await page.getByTestId('reader-wl').textContent()).toBe('W 296 / L 104');
    await page.keyboard.press('0');
    expect(await zoomText()).toBe(fitZoom);
    await page.keyboard.press('?');
    await page.getByTestId('reader-help').waitFor();
    await shot(page, 'reader-help');
    // While help is open, answer keys do nothing.
    await page.keyboard.press('r');
    await page.keyboard.press('?');
    expect(await page.getByTestId('reader-help').count()).toBe(0);
    expect(await progressText(page)).toBe('Image 4 of 6');

    // Arrows: back to an answered image, forward to the first unanswered one, not past it.
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => progressText(page)).toBe('Image 3 of 6');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => progressText(page)).toBe('Image 4 of 6');

    // Pause hides the image; reload the page; resume where it stopped.
    await page.keyboard.press('p');
    await page.getByTestId('reader-paused').waitFor();
    expect(await reader.locator('canvas').count()).toBe(0);
    // While paused nothing can be answered or moved.
    for (const name of ['Previous image', 'Next image', /^Real/, /^Synthetic/]) expect(await reader.getByRole('button', { name }).isDisabled()).toBe(true);
    await shot(page, 'reader-paused');
    await saved(page);
    await page.reload();
    await waitForBackend(page);
    await expect.poll(() => panel.textContent()).toContain('3 of 6 images answered');
    await panel.getByRole('button', { name: 'Resume' }).click();
    await page.getByTestId('reader-paused').waitFor();
    expect(await progressText(page)).toBe('Image 4 of 6');
    await page.keyboard.press(' ');
    await answer(3);
    await answer(4);
    await answer(5);
    await page.getByTestId('reader-finished').waitFor();
    await saved(page);

    const downloading = page.waitForEvent('download');
    await reader.getByRole('button', { name: 'Download answers file' }).click();
    const file = await downloading;
    expect(file.suggestedFilename()).toBe('answers-Phantom_look-alikes-Dr_Reader.json');
    const answersPath = join(dir, file.suggestedFilename());
    await file.saveAs(answersPath);

    // Leaving keeps the session, shown as finished.
    // Esc leaves; in full screen the browser takes the first Esc to leave full screen, as for any page.
    const wasFullScreen = await page.evaluate(() => document.fullscreenElement !== null);
    await page.keyboard.press('Escape');
    if (wasFullScreen && (await reader.count()) > 0) await page.keyboard.press('Escape');
    await expect.poll(() => reader.count()).toBe(0);
    await expect.poll(() => panel.textContent()).toContain('finished: all 6 images answered');

    // The organiser's side accepts the file and scores it: 4 of 6 right.
    const parsed = await parseAnswersFile(new Uint8Array(readFileSync(answersPath)), file.suggestedFilename(), {
      studyId: designed.studyId,
      title: designed.config.title,
      itemIds: designed.items.map((i) => i.id),
      question: designed.config.question,
      readerNames: [],
    });
    expect(parsed.reader).toEqual({ name: 'Dr Reader', experience: 'radiologist, 8 years' });
    expect(parsed.answers.map((a) => a.id)).toEqual(designed.items.map((i) => i.id));
    expect(parsed.answers.map((a) => a.saidSynthetic)).toEqual(says);
    expect(parsed.answers.map((a) => a.confidenceReal)).toEqual(says.map((s) => (s ? 2 : 4)));
    for (const a of parsed.answers) expect(a.ms).toBeGreaterThan(0);
    const results = studyResults([{ name: parsed.reader.name, experience: parsed.reader.experience, answers: parsed.answers }], designed.key, designed.items.map((i) => i.id), designed.classNames);
    expect(results.readers[0].summary.accuracy).toBeCloseTo(4 / 6, 10);

    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  }, 240_000);
});
