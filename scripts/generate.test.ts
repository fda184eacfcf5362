/**
 * `npm run generate` and the run file `npm run train` writes, as a user runs them (a fresh tsx
 * process each): refusals before tfjs loads, one class or counts per class, the same seed giving the
 * same images, a broken run file named with its part, and the marks of each format (PNG tEXt,
 * DICOM SYN read back with dicom-parser and, when /usr/bin/python3 has it, pydicom).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import dicomParser from 'dicom-parser';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpz, writeNpz } from '../src/importers/npy';
import { generatePhantoms } from '../src/data/phantom';
import { decode as decodePng } from 'fast-png';
import { imageSeed } from '../src/generation/imageSeeds';
import { lastJsonLine, runScript } from './testing/runScript';

let work: string;
let runFile: string;

/** tEXt chunks of a PNG. */
function pngText(png: Uint8Array): Record<string, string> {
  const text: Record<string, string> = {};
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    const type = new TextDecoder('latin1').decode(png.subarray(at + 4, at + 8));
    if (type === 'tEXt') {
      const body = png.subarray(at + 8, at + 8 + length);
      const nul = body.indexOf(0);
      text[new TextDecoder('latin1').decode(body.subarray(0, nul))] = new TextDecoder('latin1').decode(body.subarray(nul + 1));
    }
    at += 12 + length;
  }
  return text;
}

function expectRefusal(result: { status: number | null; stderr: string }, status: number, pattern: RegExp): void {
  expect(result.status, result.stderr).toBe(status);
  expect(result.stderr.split('\n')[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/node:internal|^\s+at /m);
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'phantom-generate-'));
  const train = runScript('train', ['--data', 'phantom:head-ct:32:16', '--model', 'dcgan', '--conditional', '--batch', '4', '--width', '4', '--sample-every', '2', '--steps', '4', '--out', join(work, 'run')], 300_000);
  expect(train.status, train.stderr).toBe(0);
  runFile = lastJsonLine<{ runFile: string }>(train.stdout).runFile;
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('npm run generate: refusals', () => {
  it('refuses a bad command line in one line, before tfjs loads', () => {
    expectRefusal(runScript('generate', ['--count', '5', '--out', join(work, 'x.zip')]), 2, /^generate: --run is required/);
    expectRefusal(runScript('generate', ['--run', 'r', '--count', '5', '--per-class', 'a=1', '--out', 'x']), 2, /^generate: --per-class cannot be combined with --count or --class$/);
    expectRefusal(runScript('generate', ['--run', 'r', '--per-class', 'a:1', '--out', 'x']), 2, /^generate: --per-class: "a:1" is not accepted; expected name=count pairs separated by commas$/);
    expectRefusal(runScript('generate', ['--run', 'r', '--count', '5', '--format', 'tiff', '--out', 'x']), 2, /^generate: --format: "tiff" is not accepted; expected one of zip, png, npz, dicom$/);
    expectRefusal(runScript('generate', ['--run', join(work, 'none.phantomrun'), '--count', '5', '--out', join(work, 'x.zip')]), 1, /none\.phantomrun: no such file$/);
  });

  it('names an unknown class with the run\'s classes, and a damaged run file with its part', () => {
    expectRefusal(runScript('generate', ['--run', runFile, '--count', '3', '--class', 'tumour', '--out', join(work, 'never.zip')]), 1, /no class "tumour"; the run's classes are "normal", "haemorrhage"$/);
    const damaged = join(work, 'damaged.phantomrun');
    const bytes = new Uint8Array(readFileSync(runFile));
    const entries = unzipSync(bytes);
    // One flipped byte inside the weights: the manifest's SHA-256 no longer matches.
    const weights = entries['weights.safetensors']!;
    const at = Buffer.from(bytes).indexOf(Buffer.from(weights.subarray(0, 64)));
    bytes[at + weights.length - 5] ^= 0xff;
    writeFileSync(damaged, bytes);
    const result = runScript('generate', ['--run', damaged, '--count', '3', '--out', join(work, 'never2.zip')]);
    expectRefusal(result, 1, /damaged\.phantomrun( › weights\.safetensors: SHA-256 mismatch|: not a readable run file: the ZIP archive is corrupt)/);
    expect(existsSync(join(work, 'never.zip')) || existsSync(join(work, 'never2.zip'))).toBe(false);
  });
});

describe('npm run generate: what it writes', () => {
  it('--class: a ZIP of marked PNGs of that class only, labels.csv and the run card', () => {
    const out = join(work, 'one-class.zip');
    const result = runScript('generate', ['--run', runFile, '--count', '6', '--class', 'haemorrhage', '--seed', '3', '--format', 'zip', '--out', out], 300_000);
    expect(result.status, result.stderr).toBe(0);
    expect(lastJsonLine(result.stdout)).toMatchObject({ kind: 'dcgan', step: 4, seed: 3, perClass: { haemorrhage: 6 }, format: 'zip' });
    const entries = unzipSync(new Uint8Array(readFileSync(out)));
    const pngs = Object.keys(entries).filter((n) => n.endsWith('.png'));
    expect(pngs).toHaveLength(6);
    expect(pngs.every((n) => n.split('/').at(-1)!.startsWith('synthetic_'))).toBe(true);
    for (const name of pngs) {
      // Each PNG carries its own seed (image i of seed 3 comes from imageSeed(3, i)) beside the batch seed.
      const index = Number(name.match(/_(\d{6})\.png$/)![1]);
      expect(pngText(entries[name]!)).toMatchObject({ Synthetic: 'true', Step: '4', Seed: String(imageSeed(3, index)), 'Batch seed': '3', Class: 'haemorrhage' });
    }
    const csv = new TextDecoder().decode(entries['labels.csv']).trim().split('\n').slice(1);
    expect(csv).toHaveLength(6);
    expect(csv.every((line) => line.includes('haemorrhage'))).toBe(true);
    const card = JSON.parse(new TextDecoder().decode(entries['run_card.json'])) as { provenance: { synthetic: boolean; generatedPerClass: number[] } };
    expect(card.provenance).toMatchObject({ synthetic: true, generatedPerClass: [0, 6] });
  }, 300_000);

  it('--per-class to npz: the counts asked for, and the same seed gives the same images', () => {
    const run = (name: string, seed: string) => {
      const out = join(work, name);
      const result = runScript('generate', ['--run', runFile, '--per-class', 'normal=2,haemorrhage=5', '--seed', seed, '--format', 'npz', '--out', out], 300_000);
      expect(result.status, result.stderr).toBe(0);
      return readNpz(new Uint8Array(readFileSync(out)));
    };
    const a = run('a.npz', '7');
    const b = run('b.npz', '7');
    const c = run('c.npz', '8');
    const images = (npz: ReturnType<typeof readNpz>) => ['train', 'val', 'test'].flatMap((s) => Array.from((npz.get(`${s}_images`)?.data as Uint8Array | undefined) ?? []));
    const labels = (npz: ReturnType<typeof readNpz>) => ['train', 'val', 'test'].flatMap((s) => Array.from((npz.get(`${s}_labels`)?.data as Uint8Array | undefined) ?? []));
    expect(labels(a).sort()).toEqual([0, 0, 1, 1, 1, 1, 1]);
    expect(images(a)).toEqual(images(b));
    expect(images(a)).not.toEqual(images(c));
  }, 300_000);

  it('--format dicom: a folder of Secondary Capture files marked SYN, read back by dicom-parser and pydicom', (ctx) => {
    const out = join(work, 'dicom');
    const result = runScript('generate', ['--run', runFile, '--count', '4', '--format', 'dicom', '--out', out], 300_000);
    expect(result.status, result.stderr).toBe(0);
    const files = readdirSync(out, { recursive: true, withFileTypes: true }).filter((f) => f.isFile() && f.name.endsWith('.dcm')).map((f) => join(f.parentPath, f.name));
    expect(files).toHaveLength(4);
    const parsed = files.map((f) => dicomParser.parseDicom(new Uint8Array(readFileSync(f))));
    for (const ds of parsed) {
      expect(ds.string('x00080016')).toBe('1.2.840.10008.5.1.4.1.1.7');
      expect(ds.string('x00080064')).toBe('SYN');
      expect(ds.string('x0008103e')).toMatch(/^SYNTHETIC/);
      expect(ds.string('x00100010')).toBe('SYNTHETIC');
    }
    expect(new Set(parsed.map((ds) => ds.string('x0020000e'))).size).toBe(1); // one series
    const pydicom = spawnSync('/usr/bin/python3', [resolve(import.meta.dirname, '../src/generation/export/testing/pydicom_read.py'), ...files], { encoding: 'utf8' });
    if (pydicom.error || /No module named 'pydicom'/.test(pydicom.stderr)) return ctx.skip('pydicom is not installed for /usr/bin/python3');
    expect(pydicom.status, pydicom.stderr).toBe(0);
    const read = JSON.parse(pydicom.stdout) as { conversionType: string; imageType: string[]; shape: number[]; patientName: string }[];
    expect(read).toHaveLength(4);
    for (const r of read) expect(r).toMatchObject({ conversionType: 'SYN', imageType: ['DERIVED', 'SECONDARY'], shape: [32, 32], patientName: 'SYNTHETIC' });
  }, 300_000);
});

describe('npm run generate --audit-against: the memorisation audit from the command line', () => {
  /** A MedMNIST-layout npz: train (with the given images) and a held-out val split of other phantoms. */
  function auditNpz(name: string, train: { images: Uint8Array; labels: Uint8Array }, classNames: readonly string[]): string {
    const val = generatePhantoms({ modality: 'head-ct', size: 32, count: 8, seed: 2 });
    const n = train.labels.length;
    const path = join(work, name);
    writeFileSync(path, writeNpz({
      train_images: { data: train.images, shape: [n, 32, 32] },
      train_labels: { data: train.labels, shape: [n, 1] },
      val_images: { data: val.images, shape: [8, 32, 32] },
      val_labels: { data: val.labels, shape: [8, 1] },
      class_names: { data: [...classNames], shape: [classNames.length] },
    }));
    return path;
  }

  it('against the data the run trained on: the fingerprint matches, and audit.json holds the audit and what it was run against', () => {
    // npm run train --data phantom:head-ct:32:16 trained on exactly these pixels.
    const trained = generatePhantoms({ modality: 'head-ct', size: 32, count: 16, seed: 1 });
    const npz = auditNpz('trained-on.npz', trained, trained.classNames);
    const out = join(work, 'audited.zip');
    const result = runScript('generate', ['--run', runFile, '--count', '6', '--seed', '3', '--audit-against', npz, '--out', out], 300_000);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/WARNING/);
    expect(result.stdout).toMatch(/audit data: The train split of .*trained-on\.npz holds exactly the pixels the run trained on/);
    expect(result.stdout).toMatch(/memorisation audit: step 4: 6 generated, \d+ likely/);
    const summary = lastJsonLine<{ audit: { generated: number; kept: number; dropped: number; likelyCopies: number; against: { verdict: string } } }>(result.stdout);
    expect(summary.audit).toMatchObject({ generated: 6, against: { verdict: 'match' } });
    expect(summary.audit.kept + summary.audit.dropped).toBe(6);
    const entries = unzipSync(new Uint8Array(readFileSync(out)));
    const audit = JSON.parse(new TextDecoder().decode(entries['audit.json']));
    expect(audit).toMatchObject({ generated: 6, step: 4, kept: summary.audit.kept, against: { file: npz, verdict: 'match' } });
    expect(audit.thresholds.ssim).toBeGreaterThan(0);
    const card = JSON.parse(new TextDecoder().decode(entries['run_card.json']));
    expect(card.provenance.auditTime).toBe(audit.time);
    expect(card.dataset.description).toMatch(/memorisation audit: \d+ of 6 likely copies of training images in trained-on\.npz left out/);
  }, 300_000);

  it('leaves out generated images that copy a training image (per-image seeds stay right), and warns clearly when the file is not the run\'s data', () => {
    const first = join(work, 'plain');
    expect(runScript('generate', ['--run', runFile, '--count', '6', '--class', 'normal', '--seed', '5', '--format', 'png', '--out', first], 300_000).status).toBe(0);
    const findPng = (dir: string, i: number) => {
      for (const split of ['train', 'val', 'test']) {
        const path = join(dir, split, 'normal', `synthetic_normal_${String(i).padStart(6, '0')}.png`);
        if (existsSync(path)) return new Uint8Array(readFileSync(path));
      }
      return null;
    };
    // Images 1 and 4 of that generation become training images (a memorising model would make them).
    const phantoms = generatePhantoms({ modality: 'head-ct', size: 32, count: 14, seed: 9 });
    const images = new Uint8Array(16 * 1024);
    images.set(phantoms.images);
    images.set(decodePng(findPng(first, 1)!).data as Uint8Array, 14 * 1024);
    images.set(decodePng(findPng(first, 4)!).data as Uint8Array, 15 * 1024);
    const npz = auditNpz('leaky.npz', { images, labels: Uint8Array.from([...phantoms.labels, 0, 0]) }, phantoms.classNames);

    const out = join(work, 'audited-png');
    const result = runScript('generate', ['--run', runFile, '--count', '6', '--class', 'normal', '--seed', '5', '--format', 'png', '--audit-against', npz, '--out', out], 300_000);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/generate: WARNING: .*leaky\.npz is NOT the dataset the run trained on: the run card's fingerprint says "phantom:head-ct:32:16"/);
    const audit = JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8'));
    const card = JSON.parse(readFileSync(join(out, 'run_card.json'), 'utf8'));
    expect(audit.against.verdict).toBe('mismatch');
    expect(card.provenance.leftOut).toEqual(expect.arrayContaining([1, 4]));
    expect(audit.dropped).toBe(card.provenance.leftOut.length);
    // The kept images are the first run's images of the same generation index, each with its own seed.
    const kept = [0, 1, 2, 3, 4, 5].filter((g) => !card.provenance.leftOut.includes(g));
    kept.forEach((g, index) => {
      const png = findPng(out, index)!;
      expect(pngText(png)).toMatchObject({ Seed: String(imageSeed(5, g)), 'Batch seed': '5' });
      expect(Array.from(decodePng(png).data)).toEqual(Array.from(decodePng(findPng(first, g)!).data));
    });
  }, 600_000);

  it('refuses an audit file that cannot be used, in one line', () => {
    const noHeldOut = join(work, 'no-val.npz');
    const set = generatePhantoms({ modality: 'head-ct', size: 32, count: 4, seed: 1 });
    writeFileSync(noHeldOut, writeNpz({ train_images: { data: set.images, shape: [4, 32, 32] }, train_labels: { data: set.labels, shape: [4, 1] } }));
    expectRefusal(runScript('generate', ['--run', runFile, '--count', '2', '--audit-against', noHeldOut, '--out', join(work, 'never3.zip')], 300_000), 1, /--audit-against .*no-val\.npz: has no held-out images/);
    expectRefusal(runScript('generate', ['--run', runFile, '--count', '2', '--keep-likely-copies', '--out', join(work, 'never4.zip')]), 2, /--keep-likely-copies needs --audit-against/);
  }, 300_000);
});

