/**
 * The reader study, organiser side, as a user drives it: a tiny DCGAN's saved synthetic set and the
 * real phantoms it trained on make a 10-image study (pickers offer only real sets as real and only
 * synthetic sets as synthetic; a size mismatch is refused, naming both sets); the study file carries no
 * key; two readers' answers files come back and are imported (a repeated and an edited file are refused,
 * naming the file); the results on the page are checked against what was answered, scored here from the
 * organiser's CSV; the printable report downloads; the run card links to the study.
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
  it('sets up a 10-image study, takes two readers’ answers files back, and shows results that match the answers', async () => {
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

    // Two readers on other computers: Ann calls images 0–4 synthetic and 5–9 real (confidence 2 and 4);
    // Bob calls everything synthetic with confidence 1.
    const ann: ReaderAnswer[] = parsed.items.map((it, i) => ({ id: it.id, saidSynthetic: i < 5, confidenceReal: i < 5 ? 2 : 4, ms: 1000 + i }));
    const bob: ReaderAnswer[] = parsed.items.map((it) => ({ id: it.id, saidSynthetic: true, confidenceReal: 1, ms: 700 }));
    const annFile = encodeAnswersFile(await answersFileOf(parsed.studyId, { name: 'Ann', experience: 'radiologist' }, ann));
    const bobFile = encodeAnswersFile(await answersFileOf(parsed.studyId, { name: 'Bob', experience: 'student' }, bob));
    await importAnswers(page, 'ann-answers.json', annFile);
    await page.getByText('Imported the answers of “Ann” from ann-answers.json (10 of 10 images).').waitFor();
    await importAnswers(page, 'ann-again.json', annFile);
    expect(await page.getByTestId('study-import-error').textContent()).toBe('ann-again.json: holds answers by “Ann”, who already has answers in this study (imported twice?). Nothing was changed.');
    const edited = new TextDecoder().decode(bobFile).replace('"confidenceReal": 1', '"confidenceReal": 5');
    await importAnswers(page, 'bob-edited.json', new TextEncoder().encode(edited));
    expect(await page.getByTestId('study-import-error').textContent()).toMatch(/^bob-edited\.json: was changed after the reader saved it/);
    await shot(page, 'study-import-error.png');
    await importAnswers(page, 'bob-answers.json', bobFile);
    await page.getByText('Imported the answers of “Bob” from bob-answers.json (10 of 10 images).').waitFor();
    expect(await page.getByTestId('study-reader-progress').textContent()).toMatch(/Ann.*radiologist.*10 of 10 · done.*answers file.*Bob.*student.*10 of 10 · done/);

    // The truth, from the organiser's CSV (one row per reader and image); the figures, scored here by hand.
    const csv = new TextDecoder().decode((await downloaded(page, 'Export CSV')).bytes).trim().split('\n');
    expect(csv[0]).toBe('reader,experience,image,class,truth,answer,confidence_real,correct,ms');
    expect(csv).toHaveLength(21);
    const truth = new Map(csv.slice(1).map((row) => row.split(',')).map((c) => [c[2], c[4] === 'synthetic']));
    expect([...truth.values()].filter(Boolean)).toHaveLength(6);
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
    await page.getByTestId('study-verdict').waitFor();
    const rows = await page.getByTestId('study-readers-table').locator('tbody tr').allTextContents();
    expect(rows[0]).toContain(`Ann (radiologist)10${pct(annScore.accuracy)}`);
    expect(rows[0]).toContain(`${pct(annScore.sensitivity)}${pct(annScore.specificity)}`);
    expect(rows[1]).toContain(`Bob (student)10${pct(0.6)}`);
    expect(rows[1]).toContain(`${pct(1)}${pct(0)}0.500`); // all ratings 1: AUC 0.5
    expect(rows[2]).toContain(`all readers (pooled)20${pct((annScore.accuracy + 0.6) / 2)}`);
    const verdict = (await page.getByTestId('study-verdict').textContent()) ?? '';
    expect(verdict).toMatch(new RegExp(`^Readers (could not tell them apart|could tell them apart better than chance|were worse than chance.*): accuracy ${Math.round(((annScore.accuracy + 0.6) / 2) * 100)} %`));
    // Bob said one thing throughout: Cohen's κ is 0 (pe = po).
    expect(await page.getByTestId('study-agreement').textContent()).toMatch(/Cohen's κ \(two readers\) = 0\.00: slight agreement, on the 10 images every reader called\./);
    expect(await page.getByTestId('gallery-doubted').locator('canvas').count()).toBe(4); // every real image: Bob took all 4 for synthetic
    await shot(page, 'study-results.png');

    const report = await downloaded(page, 'Printable report (HTML)');
    const html = new TextDecoder().decode(report.bytes);
    expect(html).toContain(verdict.trim());
    expect(html).toMatch(/<img alt="image i[0-9a-f]+" src="data:image\/png;base64,/);
    expect(html).not.toMatch(/<script|https?:\/\//);
    const json = JSON.parse(new TextDecoder().decode((await downloaded(page, 'Export JSON')).bytes)) as { pooled: { correct: number } };
    expect(json.pooled.correct).toBe(Math.round((annScore.accuracy + 0.6) * 10));
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
