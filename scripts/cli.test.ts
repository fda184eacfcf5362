/**
 * The command-line tools as a user runs them (a fresh tsx process each): bad input, class names,
 * duplicates, symbolic links, run folders with --resume and --sample, the time limit, and the
 * metrics' subset, floor, per-class figures, audit and feature dump.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePhantoms } from '../src/data/phantom';
import { readNpz, writeNpz } from '../src/importers/npy';
import { hasShared, sharedPath } from '../src/testing/sharedData';
import { lastJsonLine, runScript } from './testing/runScript';
import { plantedNpz } from '../src/testing/plantedNearDuplicates';
import { ImportJobs } from '../src/importers/importJob';
import { openMemoryStore } from '../src/storage/memoryStore';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'phantom-cli-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const png = (seed: number, size = 32) => encodePng({ width: size, height: size, data: Uint8Array.from({ length: size * size }, (_, k) => ((k * (seed + 3)) ^ (seed * 37)) % 256), channels: 1, depth: 8 });

/** normal/ and bleed/ folders of 32 px PNGs, plus links into a second folder. */
function pngFolder(name: string): string {
  const root = join(work, name);
  for (const cls of ['normal', 'bleed']) mkdirSync(join(root, cls), { recursive: true });
  for (let i = 0; i < 12; i++) writeFileSync(join(root, i % 2 ? 'normal' : 'bleed', `${i}.png`), png(i));
  const elsewhere = join(work, `${name}-archive`);
  mkdirSync(elsewhere, { recursive: true });
  writeFileSync(join(elsewhere, 'kept.png'), png(40));
  symlinkSync(join(elsewhere, 'kept.png'), join(root, 'normal', 'linked.png'));
  symlinkSync(join(elsewhere, 'missing.png'), join(root, 'bleed', 'broken.png'));
  return root;
}

/** Phantom images as a MedMNIST npz sorted by class within the split, like a converted file. */
function sortedPhantomNpz(path: string, count: number, seed: number, extra: Record<string, { data: Uint8Array | string[]; shape: number[] }> = {}): void {
  const set = generatePhantoms({ modality: 'head-ct', size: 32, count, seed });
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => set.labels[a] - set.labels[b] || a - b);
  const images = new Uint8Array(count * 32 * 32);
  order.forEach((src, i) => images.set(set.images.subarray(src * 1024, (src + 1) * 1024), i * 1024));
  const labels = Uint8Array.from(order, (src) => set.labels[src]);
  writeFileSync(path, writeNpz({ train_images: { data: images, shape: [count, 32, 32] }, train_labels: { data: labels, shape: [count, 1] }, class_names: { data: ['normal', 'haemorrhage'], shape: [2] }, ...extra }));
}

function expectOneLineRefusal(result: { status: number | null; stderr: string }, pattern: RegExp): void {
  expect(result.status).toBe(2);
  const lines = result.stderr.trim().split('\n');
  expect(lines[0]).toMatch(pattern);
  expect(lines).toHaveLength(2); // the reason, then where --help is
  expect(result.stderr).not.toMatch(/node:internal|^\s+at /m);
}

describe('bad input: one clear line, before anything loads', () => {
  it('train --model gan names the accepted models (no tfjs/wasm start, no stack)', () => {
    const result = runScript('train', ['--model', 'gan', '--data', 'phantom:head-ct:32:8', '--out', join(work, 'never')]);
    expectOneLineRefusal(result, /^train: --model: "gan" is not accepted; expected one of dcgan, wgan-gp, pggan, vae, ddpm$/);
    expect(result.stderr.length).toBeLessThan(300);
    expect(existsSync(join(work, 'never'))).toBe(false);
  });

  it('train --latent is refused for a DDPM (its starting noise has the image size)', () => {
    const result = runScript('train', ['--model', 'ddpm', '--latent', '8', '--data', 'phantom:head-ct:32:8', '--out', join(work, 'never-ddpm')]);
    expectOneLineRefusal(result, /^train: --latent does not apply to ddpm/);
    expect(existsSync(join(work, 'never-ddpm'))).toBe(false);
  });

  it('train --config takes only a JSON object of known model settings', () => {
    const typo = runScript('train', ['--config', '{"labelSmooting":0.1}', '--data', 'phantom:head-ct:32:8', '--out', join(work, 'never-config')]);
    expectOneLineRefusal(typo, /^train: --config: .*unknown model setting labelSmooting/);
    const notJson = runScript('train', ['--config', 'labelSmoothing=0.1', '--data', 'phantom:head-ct:32:8', '--out', join(work, 'never-config')]);
    expectOneLineRefusal(notJson, /^train: --config: .*not JSON/);
    expect(existsSync(join(work, 'never-config'))).toBe(false);
  });

  it('unknown flags and bad values are refused by every tool', () => {
    expectOneLineRefusal(runScript('convert', ['x.png', '--bogus']), /^convert: unknown option --bogus; accepted: --size, /);
    expectOneLineRefusal(runScript('metrics', ['--real', 'a', '--fake', 'b', '--limit', 'ten']), /^metrics: --limit: "ten" is not accepted; expected a whole number >= 2$/);
    expectOneLineRefusal(runScript('train', ['--minutes', 'abc']), /^train: --minutes: "abc" is not accepted; expected a number > 0$/);
  });

  it('--help prints the options', () => {
    const result = runScript('convert', ['--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/--folder-labels\s+each image's class is the name of the folder it sits in/);
    expect(result.stdout).toMatch(/--dedupe/);
  });
});

describe('convert: labels, class names, links', () => {
  let folder: string;
  beforeAll(() => {
    folder = pngFolder('scans');
  });

  it('follows symbolic links and reports a broken one by name and reason', () => {
    const out = join(work, 'links.npz');
    const result = runScript('convert', [folder, '--size', '32', '--folder-labels', '--out', out]);
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.images).toBe(13); // 12 files and the linked one
    expect(summary.skipped).toEqual([{ path: join(folder, 'bleed', 'broken.png'), reason: 'broken symbolic link (its target does not exist)' }]);
    expect(result.stderr).toContain(`convert: skipped ${join(folder, 'bleed', 'broken.png')}: broken symbolic link`);
  });

  it('--folder-labels names the classes, the npz keeps them in class_names, and train prints them', () => {
    const out = join(work, 'labelled.npz');
    expect(runScript('convert', [folder, '--size', '32', '--folder-labels', '--out', out]).status).toBe(0);
    const arrays = readNpz(new Uint8Array(readFileSync(out)));
    expect(arrays.get('class_names')!.data).toEqual(['bleed', 'normal']);
    const train = runScript('train', ['--data', out, '--conditional', '--steps', '1', '--batch', '2', '--width', '4', '--out', join(work, 'run-labelled')]);
    expect(train.status).toBe(0);
    expect(train.stdout).toMatch(/^data: .*labelled\.npz: \d+ training images at 32 px; classes: bleed \(\d+\), normal \(\d+\)$/m);
  });

  it('without --folder-labels every image is "unlabelled", and train --conditional says how to label them', () => {
    const out = join(work, 'unlabelled.npz');
    const convert = runScript('convert', [folder, '--size', '32', '--out', out]);
    expect(JSON.parse(convert.stdout).classNames).toEqual(['unlabelled']);
    const train = runScript('train', ['--data', out, '--conditional', '--steps', '1', '--out', join(work, 'run-unlabelled')]);
    expect(train.status).toBe(2);
    expect(train.stderr).toMatch(/--conditional needs class labels, but .* has none \(every image is "unlabelled"\)\. Convert the images again with --folder-labels/);
  });
});

describe('convert: duplicates are listed, and --dedupe removes them', () => {
  it('names each copy and the training image it repeats, across splits', () => {
    const px = 28 * 28;
    const images = (n: number, offset: number) => Uint8Array.from({ length: n * px }, (_, k) => ((Math.floor(k / px) + offset) * 31 + (k % px) * 7) % 256);
    const train = images(10, 0);
    const val = images(4, 100);
    val.set(train.subarray(3 * px, 4 * px), 2 * px); // val_images[2] is train_images[3]
    const npz = join(work, 'leaky.npz');
    const labels = (n: number) => ({ data: new Uint8Array(n), shape: [n, 1] });
    writeFileSync(npz, writeNpz({ train_images: { data: train, shape: [10, 28, 28] }, train_labels: labels(10), val_images: { data: val, shape: [4, 28, 28] }, val_labels: labels(4) }));

    const listed = runScript('convert', [npz, '--size', '28', '--out', join(work, 'leaky-out.npz')]);
    const summary = JSON.parse(listed.stdout);
    expect(summary.duplicates).toMatchObject({ sets: 1, copies: 1, removed: 0, acrossSplits: 1, list: ['val: leaky.npz val_images[2] is a copy of train: leaky.npz train_images[3]'] });
    expect(listed.stderr).toMatch(/1 images are exact copies of an image in another split .* run again with --dedupe/);

    const deduped = runScript('convert', [npz, '--size', '28', '--dedupe', '--out', join(work, 'leaky-deduped.npz')]);
    expect(JSON.parse(deduped.stdout)).toMatchObject({ splits: { train: 10, val: 3, test: 0 }, duplicates: { removed: 1 } });
    expect(readNpz(new Uint8Array(readFileSync(join(work, 'leaky-deduped.npz')))).get('val_images')!.shape).toEqual([3, 28, 28]);
  });
});

describe('convert: near-duplicates across splits, as the studio\'s import finds them', () => {
  it('names the planted near-copies (noise, re-windowing) with their 1 − SSIM, the same pairs as the studio\'s import, and leaves the exact copy to the duplicates', async () => {
    const { npz } = plantedNpz();
    const path = join(work, 'heads.npz');
    writeFileSync(path, npz);
    const result = runScript('convert', [path, '--size', '64', '--out', join(work, 'heads-out.npz')], 300_000);
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    const pairs = summary.nearDuplicates.list as { kept: { file: string; split: string }; heldOut: { file: string; split: string }; distance: number }[];
    expect(pairs.map((p) => [p.kept.file, p.heldOut.file]).sort()).toEqual([
      ['heads.npz train_images[17]', 'heads.npz val_images[5]'],
      ['heads.npz train_images[30]', 'heads.npz val_images[9]'],
    ]);
    expect(summary.nearDuplicates).toMatchObject({ pairs: 2, threshold: 0.02, check: { images: 260 } });
    for (const p of pairs) expect(p.distance).toBeLessThan(0.02);
    expect(summary.duplicates.list).toEqual(['test: heads.npz test_images[3] is a copy of train: heads.npz train_images[50]']);
    // Printed as the import report says it, with each pair named.
    expect(result.stderr).toMatch(/convert: 2 images are near-duplicates of an image in another split \(1 − SSIM at most [\d.e-]+\): a leak between training and evaluation data/);
    expect(result.stderr).toMatch(/train heads\.npz train_images\[17\] ≈ val heads\.npz val_images\[5\]/);
    expect(summary.notices.map((n: { message: string }) => n.message).join('\n')).toMatch(/2 images are near-duplicates/);

    // The studio's import of the same file finds the same pairs at the same distances.
    const staged = await new ImportJobs(openMemoryStore()).stage(
      [{ file: new Blob([new Uint8Array(npz)]), name: 'heads.npz', relativePath: 'heads.npz' }],
      { name: 't', size: 64, channels: 1, fit: 'crop', labels: { kind: 'none' }, window: { kind: 'file' }, nifti: {}, seed: 0, fractions: [0.8, 0.1, 0.1] },
      () => undefined,
    );
    const key = (p: { kept: { file: string }; heldOut: { file: string }; distance: number }) => `${p.kept.file}|${p.heldOut.file}|${p.distance.toFixed(6)}`;
    expect(pairs.map(key).sort()).toEqual(staged.report.nearDuplicates!.map(key).sort());
  }, 300_000);
});

describe('train keeps its run: resume, sample, time limit', () => {
  const common = ['--model', 'dcgan', '--batch', '4', '--width', '4', '--sample-every', '2'];

  it('writes record, checkpoints and grids to --out, resumes from them and samples them afterwards', () => {
    const out = join(work, 'run-resume');
    const first = runScript('train', ['--data', 'phantom:head-ct:32:16', ...common, '--steps', '4', '--out', out]);
    expect(first.status).toBe(0);
    expect(lastJsonLine<{ status: string; steps: number }>(first.stdout)).toMatchObject({ status: 'finished', steps: 4 });
    for (const file of ['run.json', 'metrics.csv', 'real.png', 'samples-000004.png', 'samples-final.png', 'store']) expect(existsSync(join(out, file))).toBe(true);

    const again = runScript('train', ['--resume', out, '--steps', '8']);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('[info] Resumed at step 4');
    expect(lastJsonLine<{ status: string; steps: number }>(again.stdout)).toMatchObject({ status: 'finished', steps: 8 });
    const { record } = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(record.history.map((row: { step: number }) => row.step)).toEqual([2, 4, 6, 8]);
    expect(readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n')).toHaveLength(5);

    const sampled = runScript('train', ['--resume', out, '--sample', '10']);
    expect(sampled.status).toBe(0);
    expect(lastJsonLine<{ steps: number; sampled: string }>(sampled.stdout)).toMatchObject({ steps: 8, sampled: join(out, 'sampled-step8.npz') });
    expect(readNpz(new Uint8Array(readFileSync(join(out, 'sampled-step8.npz')))).get('train_images')!.shape).toEqual([10, 32, 32]);

    const conflicting = runScript('train', ['--resume', out, '--model', 'vae']);
    expect(conflicting.stderr).toMatch(/^train: --model cannot be combined with --resume/);
    expect(runScript('train', ['--data', 'phantom:head-ct:32:16', '--out', out]).stderr).toMatch(/already holds a run; continue it with --resume/);
  });

  it('--import continues the folder\'s run in place from a run file that continues it, then trains on', () => {
    const out = join(work, 'run-import');
    const ahead = join(work, 'run-import-ahead');
    expect(runScript('train', ['--data', 'phantom:head-ct:32:16', ...common, '--steps', '4', '--out', out]).status).toBe(0);
    // The same run trained further in a copy of its folder stands in for train.py's checkpoint (PyTorch
    // itself: src/export/pytorchRoundTrip.test.ts): its run.phantomrun names the run and is at step 6.
    cpSync(out, ahead, { recursive: true });
    expect(runScript('train', ['--resume', ahead, '--steps', '6']).status).toBe(0);

    const imported = runScript('train', ['--resume', out, '--import', join(ahead, 'run.phantomrun')]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^import: continued the run in place from step 4 to 6 \(steps 4–6: studio \(wasm\)\)$/m);
    // The grid at the imported step is the one the trainer drew there in the other folder.
    expect(imported.stdout).toMatch(/^import: sample grid at step 6 in samples-000006\.png$/m);
    expect(readFileSync(join(out, 'samples-000006.png'))).toEqual(readFileSync(join(ahead, 'samples-000006.png')));
    expect(lastJsonLine<{ status: string; steps: number }>(imported.stdout)).toMatchObject({ status: 'finished', steps: 6 });
    const trained = runScript('train', ['--resume', out, '--steps', '8']);
    expect(trained.stdout).toContain('[info] Resumed at step 6');
    expect(lastJsonLine<{ steps: number }>(trained.stdout)).toMatchObject({ steps: 8 });

    // Again: the run is at step 8 now, past the file.
    const behind = runScript('train', ['--resume', out, '--import', join(ahead, 'run.phantomrun')]);
    expect(behind.status).toBe(1);
    expect(behind.stderr).toMatch(/--import: run\.phantomrun › runcard\.json: cannot continue the run it came from\. .*the file is at step 6, behind the run's step 8/);
    expect(runScript('train', ['--import', join(ahead, 'run.phantomrun')]).stderr).toMatch(/^train: --import continues an existing run: give its folder with --resume/);
  });

  it('checks --minutes before every step and ends the run as finished', () => {
    const out = join(work, 'run-minutes');
    // 0.3 s of training: far less than the 25 steps between metrics readbacks, where the limit used to be checked.
    const result = runScript('train', ['--data', 'phantom:head-ct:32:64', '--model', 'dcgan', '--minutes', '0.005', '--out', out]);
    expect(result.status).toBe(0);
    const summary = lastJsonLine<{ status: string; steps: number; message: string }>(result.stdout);
    expect(summary.status).toBe('finished');
    expect(summary.steps).toBeGreaterThanOrEqual(1);
    expect(summary.steps).toBeLessThan(25);
    expect(summary.message).toMatch(/^Finished at step \d+: the time limit of 0\.005 min was reached/);
  });
});

describe('metrics: subset, floor, per-class figures, audit, feature dump', () => {
  it('takes a seeded random subset, puts the floor and the KID note beside the figures, and dumps the features it compared', () => {
    const real = join(work, 'real-sorted.npz');
    const held = generatePhantoms({ modality: 'head-ct', size: 32, count: 30, seed: 9 });
    sortedPhantomNpz(real, 120, 1, { val_images: { data: held.images, shape: [30, 32, 32] }, val_labels: { data: held.labels, shape: [30, 1] } });
    const fake = join(work, 'fake-sorted.npz');
    sortedPhantomNpz(fake, 60, 2);
    const dump = join(work, 'features.npy');
    const result = runScript('metrics', ['--real', real, '--fake', fake, '--limit', '40', '--seed', '3', '--k', '3', '--kid-subsets', '10', '--dump-features', dump, '--json']);
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.n).toEqual({ real: 40, fake: 40 });
    expect(report.subset).toEqual({ limit: 40, seed: 3 });
    // Both classes are in the subsets (the first 40 of a sorted split are one class).
    expect(report.perClass.map((c: { className: string; n: { real: number; fake: number } }) => c.className)).toEqual(['normal', 'haemorrhage']);
    for (const c of report.perClass) expect(Math.min(c.n.real, c.n.fake)).toBeGreaterThan(3);
    expect(report.floor.n).toEqual({ real: 40, fake: 40 });
    expect(report.distribution.kid.note).toMatch(/not sampling noise/);
    expect(report.memorization).toMatchObject({ heldout: `${real}:val_images`, n: { train: 40, validation: 30, synthetic: 40 } });

    // The dumped features reproduce the Fréchet distance as precomputed input (as a Python tool would read them).
    const again = runScript('metrics', ['--real', join(work, 'features.real.npy'), '--fake', join(work, 'features.fake.npy'), '--k', '3', '--kid-subsets', '10', '--json']);
    expect(JSON.parse(again.stdout).distribution.frechet.value).toBeCloseTo(report.distribution.frechet.value, 9);

    const text = runScript('metrics', ['--real', real, '--fake', fake, '--limit', '40', '--k', '3', '--kid-subsets', '10']);
    expect(text.stdout).toMatch(/real vs real floor \(disjoint random real images, 40 vs 40\)/);
    expect(text.stdout).toMatch(/^KID: ± is the spread over random subsets of these same images, not sampling noise/m);
    expect(text.stdout).toMatch(/^ {2}normal \(N=\d+ real, \d+ fake\): FRD [\d.]+ \[[\d.]+\]/m);
    expect(text.stdout).toMatch(/^memorisation audit \(held out: .*:val_images, N=30;/m);
  });
});

describe.skipIf(!hasShared)('PneumoniaMNIST through the command line', () => {
  it('lists the validation images that copy training images, and --dedupe removes them', () => {
    const source = sharedPath('data', 'pneumoniamnist', 'pneumoniamnist.npz');
    const listed = JSON.parse(runScript('convert', [source, '--size', '28', '--class-names', 'normal,pneumonia', '--out', join(work, 'pm.npz')]).stdout);
    expect(listed.classNames).toEqual(['normal', 'pneumonia']);
    expect(listed.duplicates).toMatchObject({ sets: 27, copies: 29, acrossSplits: 8 });
    expect(listed.duplicates.list).toContain('val: pneumoniamnist.npz val_images[172] is a copy of train: pneumoniamnist.npz train_images[221]');
    // The near-duplicate check ran over every image (its findings are printed and listed; see the README for the figures).
    expect(listed.nearDuplicates.check.images).toBe(4708 + 524 + 624);
    expect(listed.nearDuplicates.pairs).toBe(listed.nearDuplicates.list.length);
    const deduped = JSON.parse(runScript('convert', [source, '--size', '28', '--dedupe', '--out', join(work, 'pm-deduped.npz')]).stdout);
    // 29 copies: 18 repeats inside train, the 8 validation copies of training images, 3 repeats inside test.
    expect(deduped.splits).toEqual({ train: 4708 - 18, val: 524 - 8, test: 624 - 3 });
  });
});
