/**
 * The reader study, organiser side, as a user drives it: a tiny DCGAN's saved synthetic set and the
 * real phantoms it trained on make a 10-image study (pickers offer only real sets as real and only
 * synthetic sets as synthetic; a size mismatch is refused, naming both sets); the study file carries no
 * key; two named readers take it here by keyboard (one leaves half-way and resumes), a third's answers
 * file comes back and is imported (a repeated and an edited file are refused, naming the file); the
 * results on the page are checked against the keys pressed, scored here from the organiser's CSV; the
 * printable report downloads; the run card links to the study.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';
import { openStudio, trainTinyDcgan, waitForBackend, waitForGrid } from './studio';
import { answersFileOf, encodeAnswersFile, parseStudyFile, type ReaderAnswer } from '../src/readerStudy/studyFile';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function shot(page: Page, name: string) {
  if (process.env.SHOTS) await page.screenshot({ path: join(process.env.SHOTS, name), fullPage: true });
}

async function downloaded(page: Page, button: string): Promise<{ name: string; bytes: Uint8Array }> {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByRole('button', { name: button, exact: true }).click()]);
  return { name: file.suggestedFilename(), bytes: new Uint8Array(readFileSync(await file.path())) };
}

async function setNumber(page: Page, name: string, value: number) {
  const input = page.locator(`input[name="${name}"]`);
  await input.fill(String(value));
  await input.dispatchEvent('change');
}

async function importAnswers(page: Page, name: string, bytes: Uint8Array) {
  await page.getByTestId('study-import-answers').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(bytes) });
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

describe('reader study (organiser)', () => {
  it('sets up a 10-image study, two readers take it by keyboard, a third by answers file, and the results match the answers', async () => {
    const { page, consoleErrors } = await openStudio(browser);
    await waitForBackend(page);
    await waitForGrid(page);
    await trainTinyDcgan(page);

    // 16 synthetic images, 8 of each class, all kept.
    await page.getByRole('link', { name: 'Generate' }).click();
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByTestId('sampler-info').waitFor({ timeout: 60_000 });
    await page.locator('select[name="export-mode"]').selectOption('even');
    await page.locator('input[name="export-count"]').fill('16');
    await page.getByLabel('leave out likely copies').uncheck();
    await page.getByRole('button', { name: 'Audit and save' }).click();
    await expect.poll(() => page.getByTestId('export-audit').textContent(), { timeout: 120_000 }).toMatch(/16 saved/);

    await page.getByRole('navigation', { name: 'Stages' }).getByRole('link', { name: 'Reader study', exact: true }).click();
    await page.getByRole('form', { name: 'New reader study' }).waitFor();
    const realOptions = await page.locator('select[name="study-real"] option').allTextContents();
    const syntheticOptions = await page.locator('select[name="study-synthetic"] option').allTextContents();
    // Only real sets as real, only the synthetic set as synthetic.
    expect(realOptions.some((t) => /^Built-in head CT phantoms/.test(t)) && realOptions.some((t) => /^head-ct phantoms 32px ×64/.test(t))).toBe(true);
    expect(realOptions.some((t) => /dcgan/.test(t))).toBe(false);
    expect(syntheticOptions).toHaveLength(1);
    expect(syntheticOptions[0]).toMatch(/\(16 × 32×32, dcgan step 2\)/);
    // The built-in 64-px set beside 32-px synthetic images is refused, naming both.
    await page.locator('select[name="study-real"]').selectOption({ index: realOptions.findIndex((t) => /^Built-in/.test(t)) });
    expect(await page.getByTestId('study-mismatch').textContent()).toMatch(/“Built-in head CT phantoms” holds 64×64 images and “.*” 32×32/);
    expect(await page.getByRole('button', { name: 'Create study' }).isDisabled()).toBe(true);
    await shot(page, 'study-mismatch.png');

    await page.locator('select[name="study-real"]').selectOption({ index: realOptions.findIndex((t) => /^head-ct phantoms 32px ×64/.test(t)) });
    expect(await page.getByTestId('study-mismatch').count()).toBe(0);
    await page.locator('input[name="study-title"]').fill('Tiny DCGAN vs phantoms');
    await setNumber(page, 'study-count', 10);
    await setNumber(page, 'study-synthetic-percent', 60);
    await setNumber(page, 'study-seed', 3);
    await page.getByRole('button', { name: 'Create study' }).click();
    await page.getByRole('heading', { name: 'Tiny DCGAN vs phantoms', level: 2 }).waitFor({ timeout: 60_000 });
    expect(await page.locator('section.main').textContent()).toMatch(/10 images, 32×32: 4 real .* and 6 synthetic/);
    await shot(page, 'study-created.png');

    // The study file: 10 images, no key, no source name.
    const studyFile = await downloaded(page, 'Download study file');
    expect(studyFile.name).toBe('tiny-dcgan-vs-phantoms.study.json');
    const parsed = parseStudyFile(studyFile.bytes, studyFile.name);
    expect(parsed.items).toHaveLength(10);
    expect(parsed.training).toHaveLength(0);
    const text = new TextDecoder().decode(studyFile.bytes);
    for (const word of ['"synthetic"', '"real"', 'dcgan', 'phantoms 32px', 'classIndex', 'lesion']) expect(text).not.toContain(word);

    // Two readers here, by keyboard. Ann calls images 0–4 synthetic and 5–9 real (confidence 2 and 4),
    // leaving after 4 images and resuming; Bob calls everything synthetic with confidence 1.
    const ann: ReaderAnswer[] = parsed.items.map((it, i) => ({ id: it.id, saidSynthetic: i < 5, confidenceReal: i < 5 ? 2 : 4, ms: 0 }));
    const bob: ReaderAnswer[] = parsed.items.map((it) => ({ id: it.id, saidSynthetic: true, confidenceReal: 1, ms: 0 }));
    const keysOf = (a: ReaderAnswer) => [a.saidSynthetic ? 's' : 'r', String(a.confidenceReal)];
    const take = async (answers: ReaderAnswer[], from: number, to: number) => {
      await page.getByTestId('study-reader').waitFor({ timeout: 30_000 });
      await page.getByTestId('reader-paused').waitFor();
      await page.keyboard.press('Space');
      for (let i = from; i < to; i++) {
        for (const key of keysOf(answers[i])) await page.keyboard.press(key);
        await expect.poll(() => page.getByTestId('reader-progress').textContent()).toMatch(i + 1 < 10 ? new RegExp(`\\b${i + 2}\\b`) : /./);
      }
      await expect.poll(() => page.getByTestId('reader-saved').textContent(), { timeout: 20_000 }).toBe('Progress saved');
    };
    const openHere = async (name: string, experience: string) => {
      const form = page.getByRole('form', { name: 'Take the study here' });
      await form.locator('input[name="reader-name"]').fill(name);
      await form.locator('input[name="reader-experience"]').fill(experience);
      await form.getByRole('button', { name: 'Open the reader' }).click();
    };
    await openHere('Ann', 'radiologist');
    await take(ann, 0, 4);
    await shot(page, 'study-reader-ann.png');
    await page.keyboard.press('Escape');
    await page.getByTestId('study-reader').waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('study-reader-progress').textContent()).toMatch(/Ann.*radiologist.*4 of 10.*this computer/);
    await page.getByRole('button', { name: 'Resume Ann' }).click();
    await take(ann, 4, 10);
    await page.getByTestId('reader-finished').waitFor();
    await shot(page, 'study-reader-finished.png');
    await page.keyboard.press('Escape');
    await page.getByTestId('study-reader').waitFor({ state: 'detached' });
    await openHere('Bob', 'student');
    await take(bob, 0, 10);
    await page.getByTestId('reader-finished').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('study-reader').waitFor({ state: 'detached' });
    // A name already taken here resumes; one taken by a file is refused (below).

    // A third reader on another computer: Cy alternates, confidence 3, and sends an answers file.
    const cy: ReaderAnswer[] = parsed.items.map((it, i) => ({ id: it.id, saidSynthetic: i % 2 === 0, confidenceReal: 3, ms: 1500 }));
    const cyFile = encodeAnswersFile(await answersFileOf(parsed.studyId, { name: 'Cy', experience: 'student' }, cy));
    await importAnswers(page, 'cy-answers.json', cyFile);
    await page.getByText('Imported the answers of “Cy” from cy-answers.json (10 of 10 images).').waitFor();
    await importAnswers(page, 'cy-again.json', cyFile);
    expect(await page.getByTestId('study-import-error').textContent()).toBe('cy-again.json: holds answers by “Cy”, who already has answers in this study (imported twice?). Nothing was changed.');
    const edited = new TextDecoder().decode(cyFile).replace('"confidenceReal": 3', '"confidenceReal": 5').replace('"Cy"', '"Dee"');
    await importAnswers(page, 'dee-edited.json', new TextEncoder().encode(edited));
    expect(await page.getByTestId('study-import-error').textContent()).toMatch(/^dee-edited\.json: was changed after the reader saved it/);
    await shot(page, 'study-import-error.png');
    await openHere('cy', '');
    expect(await page.getByTestId('study-reader-error').textContent()).toBe('“Cy” already has answers imported from a file; choose another name.');
    expect(await page.getByTestId('study-reader-progress').textContent()).toMatch(/Ann.*radiologist.*10 of 10 · done.*this computer.*Bob.*student.*10 of 10 · done.*this computer.*Cy.*student.*10 of 10 · done.*answers file/);

    // Results stay hidden until the organiser asks (a reader here must not see which images were real).
    expect(await page.getByTestId('study-verdict').count()).toBe(0);
    await page.getByRole('button', { name: 'Show results' }).click();
    await page.getByTestId('study-verdict').waitFor();

    // The truth, from the organiser's CSV (one row per reader and image); the figures, scored here by hand.
    const csv = new TextDecoder().decode((await downloaded(page, 'Export CSV')).bytes).trim().split('\n');
    expect(csv[0]).toBe('reader,experience,image,class,truth,answer,confidence_real,correct,ms');
    expect(csv).toHaveLength(31);
    // Times were measured while the images were on screen.
    expect(csv.filter((row) => row.startsWith('Ann,')).every((row) => Number(row.split(',')[8]) > 0)).toBe(true);
    const truth = new Map(csv.slice(1).map((row) => row.split(',')).map((c) => [c[2], c[4] === 'synthetic']));
    expect([...truth.values()].filter(Boolean)).toHaveLength(6);
    // The CSV's answers are the keys pressed.
    for (const [name, answers] of [['Ann', ann], ['Bob', bob], ['Cy', cy]] as const) {
      const said = new Map(csv.filter((row) => row.startsWith(`${name},`)).map((row) => row.split(',')).map((c) => [c[2], [c[5], c[6]].join(' ')]));
      expect(answers.map((a) => said.get(a.id))).toEqual(answers.map((a) => `${a.saidSynthetic ? 'synthetic' : 'real'} ${a.confidenceReal}`));
    }
    const score = (answers: ReaderAnswer[]) => {
      const right = answers.filter((a) => a.saidSynthetic === truth.get(a.id)).length;
      const synth = answers.filter((a) => truth.get(a.id));
      const real = answers.filter((a) => !truth.get(a.id));
      return { accuracy: right / 10, sensitivity: synth.filter((a) => a.saidSynthetic).length / synth.length, specificity: real.filter((a) => !a.saidSynthetic).length / real.length };
    };
    const annScore = score(ann);
    const bobScore = score(bob);
    // Bob is right on exactly the 6 synthetic images.
    expect(bobScore).toEqual({ accuracy: 0.6, sensitivity: 1, specificity: 0 });
    const rows = await page.getByTestId('study-readers-table').locator('tbody tr').allTextContents();
    expect(rows[0]).toContain(`Ann (radiologist)10${pct(annScore.accuracy)}`);
    expect(rows[0]).toContain(`${pct(annScore.sensitivity)}${pct(annScore.specificity)}`);
    expect(rows[1]).toContain(`Bob (student)10${pct(0.6)}`);
    expect(rows[1]).toContain(`${pct(1)}${pct(0)}0.500`); // all ratings 1: AUC 0.5
    const cyScore = score(cy);
    expect(rows[2]).toContain(`Cy (student)10${pct(cyScore.accuracy)}`);
    expect(rows[2]).toContain(`${pct(cyScore.sensitivity)}${pct(cyScore.specificity)}0.500`); // one rating throughout: AUC 0.5
    const pooled = (annScore.accuracy + bobScore.accuracy + cyScore.accuracy) / 3;
    expect(rows[3]).toContain(`all readers (pooled)30${pct(pooled)}`);
    const verdict = (await page.getByTestId('study-verdict').textContent()) ?? '';
    expect(verdict).toMatch(new RegExp(`^Readers (could not tell them apart|could tell them apart better than chance|were worse than chance.*): accuracy ${Math.round(pooled * 100)} %`));
    expect(await page.getByTestId('study-agreement').textContent()).toMatch(/Fleiss' κ \(3 readers\) = -?\d\.\d\d: .*, on the 10 images every reader called\./);
    expect(await page.getByTestId('gallery-doubted').locator('canvas').count()).toBe(4); // every real image: Bob took all 4 for synthetic
    await shot(page, 'study-results.png');

    const report = await downloaded(page, 'Printable report (HTML)');
    const html = new TextDecoder().decode(report.bytes);
    expect(html).toContain(verdict.trim());
    expect(html).toMatch(/<img alt="image i[0-9a-f]+" src="data:image\/png;base64,/);
    expect(html).not.toMatch(/<script|https?:\/\//);
    const json = JSON.parse(new TextDecoder().decode((await downloaded(page, 'Export JSON')).bytes)) as { pooled: { correct: number } };
    expect(json.pooled.correct).toBe(Math.round(pooled * 30));
    const reportPage = await page.context().newPage();
    await reportPage.setContent(html);
    await shot(reportPage, 'study-report.png');
    await reportPage.close();

    // The run card links to the study, with its verdict.
    await page.getByRole('navigation', { name: 'Stages' }).getByRole('link', { name: 'Models', exact: true }).click();
    const link = page.getByTestId('model-reader-studies').getByRole('link', { name: 'Tiny DCGAN vs phantoms' });
    await link.waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('model-reader-studies').textContent()).toContain(verdict.trim());
    await shot(page, 'study-run-card.png');
    await link.click();
    await page.getByRole('heading', { name: 'Tiny DCGAN vs phantoms', level: 2 }).waitFor();
    expect(consoleErrors).toEqual([]);
  }, 900_000);
});
