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
import { readNpz } from '../src/importers/npy';
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
    expect(pngText(entries[pngs[0]!]!)).toMatchObject({ Synthetic: 'true', Step: '4', Seed: '3', Class: 'haemorrhage' });
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
