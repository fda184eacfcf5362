/**
 * The import defects issue 18's fuzzing run found, one test each. Every file here is built in the
 * test (bombs are deflated zeros that never exist uncompressed); the JPEG-lossless case patches a
 * real file from ../shared in memory and skips without it.
 */
import { readFileSync } from 'node:fs';
import { encode as encodePng } from 'fast-png';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { hasShared, SHARED_DIR, sharedPath, SHARED_SKIP_MESSAGE } from '../testing/sharedData';
import { decodeJpeg2000 } from './dicom/codecs';
import { ImportJobs, type ImportSettings } from './importJob';
import { MAX_FRAMES, MAX_INFLATED_BYTES } from './limits';
import { writeNpz } from './npy';
import { importFiles, unexpectedFailure, type ImportOptions } from './pipeline';
import type { LabelSource } from './labels';
import type { ImportFile } from './types';
import { buildCorpus } from './testing/fuzz/corpus';
import { deflateWithZeros, gzipWithZeros, writeZip, zipEntryWithZeros, zlibWithZeros } from './testing/fuzz/bombs';
import { deflatedDicom, deflatedImageDicom, ihdr, imageDicom, niftiHeader, niftiVolume, npyHeader, npzOf, palettePng, pngFromChunks } from './testing/fuzz/fixtures';
import { openMemoryStore } from '../storage/memoryStore';

const GIB = 1024 ** 3;
const file = (relativePath: string, bytes: Uint8Array): ImportFile => ({ name: relativePath.split('/').pop()!, relativePath, bytes });
const goodPng = (seed = 3) => encodePng({ width: 20, height: 20, data: Uint8Array.from({ length: 400 }, (_, k) => (k * seed) % 256), channels: 1, depth: 8 });

async function run(files: ImportFile[], options: Partial<ImportOptions> = {}) {
  const started = Date.now();
  const imported = importFiles(files, { size: 28, channels: 1, fit: 'pad', ...options });
  const images = [];
  for await (const image of imported.images) images.push(image);
  const reasons = Object.fromEntries(imported.report.rejected.map((r) => [r.file, r.reason]));
  return { images, report: imported.report, reasons, classNames: imported.classNames, ms: Date.now() - started };
}

describe('caps before allocation: decompression bombs and absurd sizes', () => {
  it('refuses a 1x1 PNG whose IDAT inflates to 3 GiB, after inflating only what 1x1 needs', async () => {
    const bomb = pngFromChunks([['IHDR', ihdr(1, 1, 8, 0)], ['IDAT', zlibWithZeros(new Uint8Array(0), 3 * GIB)], ['IEND', new Uint8Array(0)]]);
    expect(bomb.length).toBeLessThan(4_000_000);
    const { reasons, ms } = await run([file('bomb.png', bomb), file('good.png', goodPng())]);
    expect(reasons['bomb.png']).toMatch(/PNG image data inflates past the 2 bytes a 1x1 image needs/);
    expect(ms).toBeLessThan(5000);
  });

  it('refuses an npz entry that declares 1x30000x30000 before inflating it', async () => {
    const npz = writeZip([zipEntryWithZeros('images.npy', npyHeader('|u1', [1, 30000, 30000]), 30000 * 30000)]);
    const { reasons, ms } = await run([file('huge.npz', npz)]);
    expect(reasons['huge.npz']).toMatch(/huge\.npz: its arrays declare 858 MiB together, over the 512 MiB limit/);
    expect(ms).toBeLessThan(3000);
  });

  it('refuses npz images over the side limit (1x9000x9000, under the byte cap)', async () => {
    const npz = writeZip([zipEntryWithZeros('images.npy', npyHeader('|u1', [1, 9000, 9000]), 9000 * 9000, undefined, true)]);
    const { reasons } = await run([file('wide.npz', npz)]);
    expect(reasons['wide.npz']).toMatch(/images are 9000x9000, over the 8000 px limit/);
  });

  it('refuses an npz entry that declares 3 GiB, and one that declares 1 KB but inflates to 3 GiB; ignores junk that is no array', async () => {
    const good = { images: { data: new Uint8Array(2 * 28 * 28).fill(90), shape: [2, 28, 28] } };
    const declared = npzOf(good, [zipEntryWithZeros('junk.npy', new Uint8Array(0), 3 * GIB)]);
    const liar = npzOf(good, [zipEntryWithZeros('junk.npy', new Uint8Array(0), 3 * GIB, 1000)]);
    const ignored = npzOf(good, [zipEntryWithZeros('junk.bin', new Uint8Array(0), 3 * GIB)]);
    const { reasons, images, ms } = await run([file('declared.npz', declared), file('liar.npz', liar), file('ignored.npz', ignored)]);
    expect(reasons['declared.npz']).toMatch(/declared\.npz: its arrays declare 3072 MiB together/);
    expect(reasons['liar.npz']).toMatch(/liar\.npz\/junk\.npy inflates to more than 1000 bytes/);
    expect(images).toHaveLength(2);
    expect(ms).toBeLessThan(5000);
  });

  it('refuses a deflated DICOM that inflates to 3 GiB once it passes the cap, with that reason', async () => {
    const bomb = deflatedDicom(deflateWithZeros(new Uint8Array(0), 3 * GIB));
    const before = process.resourceUsage().maxRSS * 1024;
    const { reasons } = await run([file('bomb.dcm', bomb), file('ok.dcm', deflatedImageDicom())]);
    expect(reasons['bomb.dcm']).toMatch(/deflated DICOM data set inflates to more than 512 MiB/);
    expect(reasons['ok.dcm']).toBeUndefined();
    // Peak growth stays near the cap, not the 3 GiB the stream would reach.
    expect(process.resourceUsage().maxRSS * 1024 - before).toBeLessThan(2 * MAX_INFLATED_BYTES);
  });

  it('refuses a 1 MB .nii.gz of 64x64x64x1024 from its header, before inflating the voxels', async () => {
    const bomb = gzipWithZeros(niftiHeader({ dims: [64, 64, 64, 1024] }), 64 * 64 * 64 * 1024);
    expect(bomb.length).toBeLessThan(2_000_000);
    const { reasons, images, ms } = await run([file('bomb.nii.gz', bomb)]);
    expect(images).toHaveLength(0);
    expect(reasons['bomb.nii.gz']).toMatch(/\(268435456 voxels\), over the 134217728 voxel limit/);
    expect(ms).toBeLessThan(2000);
  });

  it('refuses NIfTI with absurd dimensions or an unknown datatype', async () => {
    const wide = niftiHeader({ dims: [30000, 30000, 1] });
    const unknown = new Uint8Array(niftiVolume([8, 8, 2]));
    new DataView(unknown.buffer).setInt16(70, 1234, true);
    const { reasons } = await run([file('wide.nii', wide), file('unknown.nii', unknown)]);
    expect(reasons['wide.nii']).toMatch(/30000x30000x1, over the 8000 px limit/);
    expect(reasons['unknown.nii']).toMatch(/unsupported NIfTI datatype code 1234/);
  });

  it(`refuses NumberOfFrames 999999999 (over ${MAX_FRAMES}) and more frames than the pixel data holds`, async () => {
    const { reasons, images } = await run([file('frames.dcm', imageDicom({ frames: '999999999' })), file('short.dcm', imageDicom({ frames: 4, pixels: new Uint16Array(16 * 16 * 2) })), file('ok.dcm', imageDicom())]);
    expect(reasons['frames.dcm']).toMatch(/Number of Frames is 999999999, over the 10000 limit/);
    expect(reasons['short.dcm']).toMatch(/promises 4 frame\(s\) of 16x16 \(2048 bytes\) but the pixel data holds 1024 bytes/);
    expect(images).toHaveLength(1);
  });
});

describe('one bad file never aborts the import', () => {
  it('an npz with 300 classes beside two good files is refused on its own; the good files are kept', async () => {
    const many = writeNpz({ images: { data: new Uint8Array(300 * 28 * 28).fill(7), shape: [300, 28, 28] }, labels: { data: Float32Array.from({ length: 300 }, (_, i) => i), shape: [300, 1] } });
    const settings: ImportSettings = { name: 't', size: 28, channels: 1, fit: 'crop', labels: { kind: 'folder' }, window: { kind: 'file' }, nifti: {}, seed: 1, fractions: [0.8, 0.1, 0.1] };
    const jobs = new ImportJobs(openMemoryStore());
    const inputs: [string, Uint8Array][] = [['a/one.png', goodPng(3)], ['many.npz', many], ['b/two.png', goodPng(5)]];
    const staged = await jobs.stage(inputs.map(([path, bytes]) => ({ file: new Blob([new Uint8Array(bytes)]), name: path.split('/').pop()!, relativePath: path })), settings, () => undefined);
    expect(staged.count).toBe(2);
    expect(staged.classNames).toEqual(['a', 'b']);
    expect(staged.report.rejected).toEqual([{ file: 'many.npz', relativePath: 'many.npz', reason: expect.stringMatching(/many\.npz would bring the dataset to 301 classes; at most 256/) }]);
  });
});

describe('clear reasons', () => {
  it('a bare number thrown by a wasm codec becomes words', async () => {
    expect(unexpectedFailure(260408)).toBe('the decoder stopped on corrupt or unsupported data');
    expect(unexpectedFailure(new TypeError("Cannot read properties of undefined (reading '1')"))).toBe('could not be read: the decoder failed on corrupt data');
    await expect(decodeJpeg2000(new Uint8Array([0xff, 0x4f, 0xff, 0x51, 0, 5, 1, 2, 3, 4, 5, 6, 7, 8]))).rejects.toThrow(/JPEG 2000 codestream could not be decoded/);
  });

  it('a corrupt colour JPEG frame gets a codec reason, not a TypeError (found by npm run fuzz -- --count 1000 --seed 1000)', async (context) => {
    if (!hasShared) return context.skip(SHARED_SKIP_MESSAGE);
    const found = buildCorpus({ sharedDir: SHARED_DIR, mutations: 259, seed: 1000 }).filter((c) => /^m00(023|258)-/.test(c.name));
    expect(found).toHaveLength(2);
    const { reasons } = await run(found.map((c) => file(c.name, c.bytes)));
    for (const c of found) expect(reasons[c.name]).toMatch(/^JPEG codestream could not be decoded \(corrupt or unsupported\)$/);
  });

  it('a constant DICOM imports (it was refused as NaN/Inf), and a blank frame keeps the frames after it', async () => {
    const flat = imageDicom({ pixels: new Uint16Array(256).fill(500) });
    const frames = new Uint16Array(3 * 256).map((_, i) => (i < 256 || i >= 512 ? (i * 13) % 4000 : 0));
    const { images, reasons } = await run([file('flat.dcm', flat), file('three.dcm', imageDicom({ frames: 3, pixels: frames }))]);
    expect(reasons).toEqual({});
    expect(images.map((i) => `${i.source.file}:${i.meta.frame ?? 0}`)).toEqual(['flat.dcm:0', 'three.dcm:0', 'three.dcm:1', 'three.dcm:2']);
  });
});

describe('silent corruption is refused', () => {
  it('a JPEG-lossless codestream claiming 20000x20000 in a smaller image is refused', async (context) => {
    if (!hasShared) return context.skip(SHARED_SKIP_MESSAGE);
    const bytes = new Uint8Array(readFileSync(sharedPath('data', 'dicom', 'us_8bit_jpeg_lossless_p14.dcm')));
    let sof = -1;
    for (let i = 132; i + 9 < bytes.length; i++) if (bytes[i] === 0xff && bytes[i + 1] === 0xc3) { sof = i; break; }
    expect(sof).toBeGreaterThan(0);
    bytes.set([20000 >> 8, 20000 & 255, 20000 >> 8, 20000 & 255], sof + 5);
    const { reasons, images } = await run([file('lossless.dcm', bytes)]);
    expect(images).toHaveLength(0);
    expect(reasons['lossless.dcm']).toMatch(/codestream is 20000x20000 but the header says \d+x\d+/);
  });

  it('a .nii.gz with a bad CRC, a palette PNG without PLTE and one with a short palette are refused', async () => {
    const gz = gzipSync(niftiVolume([8, 8, 4]));
    gz[gz.length - 6] ^= 0xff;
    const { reasons } = await run([
      file('crc.nii.gz', gz),
      file('noplte.png', palettePng(8, 8, (i) => i % 4, 0)),
      file('short.png', palettePng(8, 8, (i) => i % 8, 4)),
      file('fine.png', palettePng(8, 8, (i) => i % 4, 4)),
    ]);
    expect(reasons['crc.nii.gz']).toMatch(/fails its gzip CRC\/size check/);
    expect(reasons['noplte.png']).toMatch(/palette PNG without its PLTE palette/);
    expect(reasons['short.png']).toMatch(/uses colour [4-7] but its PLTE holds only 4 entries/);
    expect(reasons['fine.png']).toBeUndefined();
  });
});

describe('CSV labels in odd encodings', () => {
  const csv = 'file,label\na.png,Läsion\nb.png,normal\n';
  const files = () => [file('a.png', goodPng(3)), file('b.png', goodPng(5))];
  const utf16le = (text: string, bom: boolean) => {
    const out = new Uint8Array((bom ? 2 : 0) + text.length * 2);
    if (bom) out.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) new DataView(out.buffer).setUint16((bom ? 2 : 0) + 2 * i, text.charCodeAt(i), true);
    return out;
  };
  const labelsOf = async (labels: LabelSource) => {
    const { images, classNames, report } = await run(files(), { labels });
    return { names: images.map((i) => (i.label >= 0 ? classNames[i.label] : 'unlabelled')), notices: report.notices.map((n) => n.message) };
  };

  it('reads UTF-16 with and without a byte order mark', async () => {
    expect((await labelsOf({ kind: 'csv', bytes: utf16le(csv, true) })).names).toEqual(['Läsion', 'normal']);
    const noBom = await labelsOf({ kind: 'csv', bytes: utf16le(csv, false) });
    expect(noBom.names).toEqual(['Läsion', 'normal']);
    expect(noBom.notices.join('\n')).toMatch(/read as UTF-16LE/);
  });

  it('reads Latin-1 without garbling it, and says so', async () => {
    const latin1 = Uint8Array.from(csv, (ch) => ch.charCodeAt(0));
    const result = await labelsOf({ kind: 'csv', bytes: latin1 });
    expect(result.names).toEqual(['Läsion', 'normal']);
    expect(result.notices.join('\n')).toMatch(/not valid UTF-8: read as Windows-1252/);
  });

  it('reads UTF-8 with a BOM, header row included', async () => {
    expect((await labelsOf({ kind: 'csv', bytes: new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(csv)]) })).names).toEqual(['Läsion', 'normal']);
  });

  it('warns when the CSV matches no file', async () => {
    const result = await labelsOf({ kind: 'csv', text: 'file,label\nx.png,a\ny.png,b\n' });
    expect(result.names).toEqual(['unlabelled', 'unlabelled']);
    expect(result.notices.join('\n')).toMatch(/the labels CSV matched none of the 2 files \(its rows name e\.g\. x\.png, y\.png\)/);
  });
});

describe('privacy edges', () => {
  it('keeps only defined terms: a Modality of MODPHIQX is not stored', async () => {
    const { images } = await run([file('free.dcm', imageDicom({ modality: 'MODPHIQX' })), file('mr.dcm', imageDicom({ modality: 'MR' }))]);
    expect(images.map((i) => i.meta.modality)).toEqual([undefined, 'MR']);
    expect(JSON.stringify(images.map((i) => i.meta))).not.toContain('MODPHIQX');
  });

  it('leaves out Burned In Annotation YES by default with a reason, and imports it with a notice when asked', async () => {
    const files = () => [file('burned.dcm', imageDicom({ burnedIn: 'YES' })), file('clean.dcm', imageDicom({ burnedIn: 'NO' }))];
    const byDefault = await run(files());
    expect(byDefault.images).toHaveLength(1);
    expect(byDefault.reasons['burned.dcm']).toMatch(/Burned In Annotation is YES/);
    const asked = await run(files(), { includeBurnedInAnnotation: true });
    expect(asked.images).toHaveLength(2);
    expect(asked.report.notices).toContainEqual({ file: 'burned.dcm', message: expect.stringMatching(/Burned In Annotation is YES/) });
  });
});


describe('the import settings’ burned-in switch (the app’s counterpart of convert --include-burned-in)', () => {
  it('leaves out Burned In Annotation YES unless the settings ask, then imports it', async () => {
    const base: ImportSettings = { name: 't', size: 28, channels: 1, fit: 'pad', labels: { kind: 'none' }, window: { kind: 'file' }, nifti: {}, seed: 1, fractions: [0.8, 0.1, 0.1] };
    const inputs = () => [['burned.dcm', imageDicom({ burnedIn: 'YES' })], ['clean.dcm', imageDicom({ burnedIn: 'NO' })]].map(([path, bytes]) => ({ file: new Blob([new Uint8Array(bytes as Uint8Array)]), name: path as string, relativePath: path as string }));
    const jobs = new ImportJobs(openMemoryStore());
    const byDefault = await jobs.stage(inputs(), base, () => undefined);
    expect(byDefault.count).toBe(1);
    expect(byDefault.report.rejected.map((r) => r.file)).toEqual(['burned.dcm']);
    const ticked = await jobs.stage(inputs(), { ...base, includeBurnedInAnnotation: true }, () => undefined);
    expect(ticked.count).toBe(2);
    expect(ticked.report.rejected).toEqual([]);
  });
});
