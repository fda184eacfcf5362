import { readFileSync } from 'node:fs';
import { encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../testing/sharedData';
import { exportNpz, exportPngZip, filesFromZip } from './exportDataset';
import { writeNpz } from './npy';
import { importDataset, importFiles } from './pipeline';
import type { ImportFile, ImportProgress } from './types';
import { PHI, phiDicom } from './testing/dicomFixtures';

const png = (width: number, height: number, fill: (i: number) => number, channels: 1 | 3 = 1, depth: 8 | 16 = 8): Uint8Array => {
  const data = depth === 8 ? new Uint8Array(width * height * channels) : new Uint16Array(width * height * channels);
  data.forEach((_, i) => (data[i] = fill(i)));
  return encodePng({ width, height, data, channels, depth });
};
const file = (relativePath: string, bytes: Uint8Array): ImportFile => ({ name: relativePath.split('/').pop()!, relativePath, bytes });

describe('identifying attributes never leave the decoder', () => {
  it('outputs and report carry none of the PHI strings, but patients are grouped', async () => {
    const files = [file('a/scan1.dcm', phiDicom()), file('a/scan2.dcm', phiDicom()), file('b/scan3.dcm', phiDicom('OTHER-1'))];
    const { dataset, report } = await importDataset(files, { size: 32, channels: 1, fit: 'crop', labels: { kind: 'folder' } });
    expect(dataset.images).toHaveLength(3);
    expect(dataset.images[0].meta).toMatchObject({ modality: 'CT', pixelSpacing: [0.7, 0.7], window: { center: 40, width: 400 }, bitsStored: 12 });
    expect(dataset.images[0].group).toBe(dataset.images[1].group);
    expect(dataset.images[2].group).not.toBe(dataset.images[0].group);
    const serialised = JSON.stringify({ images: dataset.images.map(({ pixels: _p, ...rest }) => rest), report, classNames: dataset.classNames });
    for (const secret of [...Object.values(PHI), 'Doe', 'Jane', '99173', 'Elsewhere', '1958', '2024']) expect(serialised).not.toContain(secret);
    const exported = new TextDecoder('latin1').decode(exportPngZip(dataset));
    for (const secret of Object.values(PHI)) expect(exported).not.toContain(secret);
  });
});

describe('bad input gets one report row each', () => {
  it('names the file and the reason', async () => {
    const good = png(40, 30, (i) => i % 256);
    const big = new Uint8Array(good);
    new DataView(big.buffer).setUint32(16, 9000); // IHDR width 9000 (header checked before decoding)
    const files = [
      file('ok.png', good),
      file('empty.png', new Uint8Array(0)),
      file('truncated.png', good.subarray(0, 60)),
      file('notes.txt', new TextEncoder().encode('hello, not an image')),
      file('huge.png', big),
      file('truncated.dcm', phiDicom().subarray(0, 400)),
      file('rgb.png', png(30, 30, (i) => (i * 7) % 256, 3)),
      file('deep.png', png(50, 20, (i) => i * 50, 1, 16)),
    ];
    const run = importFiles(files, { size: 28, channels: 1, fit: 'pad' });
    const images = [];
    for await (const image of run.images) images.push(image);
    expect(images).toHaveLength(3);
    const reasons = Object.fromEntries(run.report.rejected.map((r) => [r.file, r.reason]));
    expect(reasons['empty.png']).toMatch(/empty file/);
    expect(reasons['truncated.png']).toMatch(/PNG/);
    expect(reasons['notes.txt']).toMatch(/not a supported image/);
    expect(reasons['huge.png']).toMatch(/over the 8000 px limit/);
    expect(reasons['truncated.dcm']).toMatch(/truncated|DICOM/);
    expect(run.report.rejected).toHaveLength(5);
    expect(run.report.notices.map((n) => n.message).join('\n')).toMatch(/mixed original sizes[\s\S]*mixed channel counts: 1 images converted to grey/);
    expect(images.every((i) => i.pixels.length === 28 * 28)).toBe(true);
  });

  it('refuses NIfTI volumes with NaN voxels', async () => {
    const header = new Uint8Array(352 + 8 * 4);
    const view = new DataView(header.buffer);
    view.setInt32(0, 348, true);
    [3, 2, 2, 2, 1, 1, 1, 1].forEach((d, i) => view.setInt16(40 + 2 * i, d, true));
    view.setInt16(70, 16, true); // float32
    view.setInt16(72, 32, true);
    view.setFloat32(108, 352, true);
    header.set(new TextEncoder().encode('n+1\0'), 344);
    new Float32Array(header.buffer, 352, 8).set([1, 2, NaN, 4, 5, 6, 7, 8]);
    const run = importFiles([file('vol.nii', header)], { size: 28, channels: 1, fit: 'crop' });
    for await (const _ of run.images) void _;
    expect(run.report.rejected[0].reason).toMatch(/1 NaN\/Inf voxels/);
  });
});

describe('progress, cancellation, duplicates, labels', () => {
  it('reports progress with ETA and stops on abort', async () => {
    const controller = new AbortController();
    const seen: ImportProgress[] = [];
    const files = Array.from({ length: 20 }, (_, i) => file(`x/${i}.png`, png(28, 28, (k) => (k + i) % 256)));
    const run = importFiles(files, { size: 28, channels: 1, fit: 'crop', filesTotal: 20, signal: controller.signal, onProgress: (p) => { seen.push(p); if (p.filesDone === 5) controller.abort(); } });
    let count = 0;
    for await (const _ of run.images) count++;
    expect(count).toBe(5);
    expect(run.report.cancelled).toBe(true);
    expect(seen[4]).toMatchObject({ filesDone: 5, filesTotal: 20 });
    expect(seen[4].etaSeconds).toBeGreaterThanOrEqual(0);
  });

  it('flags exact duplicates and those that cross splits; labels from a CSV', async () => {
    const same = png(28, 28, (i) => i % 200);
    const files = Array.from({ length: 30 }, (_, i) => file(`f${i}.png`, i < 10 ? same : png(28, 28, (k) => (k * (i + 1)) % 256)));
    const csv = 'file,label\n' + files.map((f, i) => `${f.relativePath},${i % 3 === 0 ? 'tumour' : 'healthy'}`).join('\n');
    const { dataset, report } = await importDataset(files, { size: 28, channels: 1, fit: 'crop', labels: { kind: 'csv', text: csv }, seed: 3 });
    expect(report.classCounts).toEqual({ tumour: 10, healthy: 20 });
    expect(report.duplicates).toHaveLength(1);
    expect(report.duplicates[0].indices).toHaveLength(10);
    const splits = new Set(report.duplicates[0].indices.map((i) => dataset.images[i].split));
    expect(report.duplicates[0].crossesSplits).toBe(splits.size > 1);
  });
});

describe('export round trips', () => {
  async function dataset() {
    const files = Array.from({ length: 24 }, (_, i) => file(`${i % 2 ? 'cat' : 'dog'}/${i}.png`, png(40, 40, (k) => (k * (i + 3)) % 256, 3)));
    return (await importDataset(files, { size: 32, channels: 3, fit: 'crop', labels: { kind: 'folder' }, seed: 1 })).dataset;
  }

  it('npz (MedMNIST layout) re-imports with the same pixels, labels, class names and splits', async () => {
    const original = await dataset();
    const { dataset: back } = await importDataset([file('data.npz', exportNpz(original))], { size: 32, channels: 3, fit: 'crop' });
    expect(back.images).toHaveLength(original.images.length);
    expect(back.classNames).toEqual(original.classNames);
    const keys = (d: typeof original) => d.images.map((i) => `${i.pixelHash}|${i.split}|${d.classNames[i.label]}`).sort();
    expect(keys(back)).toEqual(keys(original));
  });

  it('an npz without class_names names its classes by label value, in numeric order', async () => {
    const images = { data: Uint8Array.from({ length: 3 * 28 * 28 }, (_, i) => i % 251), shape: [3, 28, 28] };
    const npz = writeNpz({ train_images: images, train_labels: { data: Uint8Array.of(5, 2, 5), shape: [3, 1] } });
    const { dataset: back } = await importDataset([file('plain.npz', npz)], { size: 28, channels: 1, fit: 'crop' });
    expect(back.classNames).toEqual(['2', '5']);
    expect(back.images.map((i) => back.classNames[i.label])).toEqual(['5', '2', '5']);
  });

  it('refuses an npz whose labels have no entry in class_names, naming the file and array', async () => {
    const npz = writeNpz({ train_images: { data: new Uint8Array(2 * 28 * 28), shape: [2, 28, 28] }, train_labels: { data: Uint8Array.of(0, 3), shape: [2, 1] }, class_names: { data: ['a', 'b'], shape: [2] } });
    const run = importFiles([file('bad.npz', npz)], { size: 28, channels: 1, fit: 'crop' });
    for await (const _ of run.images) void _;
    expect(run.report.rejected[0].reason).toBe('bad.npz:train_labels: label 3 has no entry in class_names (2 names)');
  });

  it('PNG ZIP + labels.csv re-imports with the same pixels, labels and splits', async () => {
    const original = await dataset();
    const { files, labelsCsv } = filesFromZip(exportPngZip(original));
    const { dataset: back } = await importDataset(files, { size: 32, channels: 3, fit: 'crop', labels: { kind: 'csv', text: labelsCsv! } });
    const keys = (d: typeof original) => d.images.map((i) => `${i.pixelHash}|${i.split}|${d.classNames[i.label]}`).sort();
    expect(keys(back)).toEqual(keys(original));
  });
});

describe.skipIf(!hasShared)('PneumoniaMNIST npz', () => {
  it('keeps the official splits 4708/524/624 and class counts', async () => {
    const bytes = new Uint8Array(readFileSync(sharedPath('data', 'pneumoniamnist', 'pneumoniamnist.npz')));
    const { dataset, report } = await importDataset([file('pneumoniamnist.npz', bytes)], { size: 28, channels: 1, fit: 'crop' });
    const count = (split: string, label?: number) => dataset.images.filter((i) => i.split === split && (label === undefined || i.label === label)).length;
    expect([count('train'), count('val'), count('test')]).toEqual([4708, 524, 624]);
    expect([count('train', 0), count('train', 1), count('val', 0), count('val', 1), count('test', 0), count('test', 1)]).toEqual([1214, 3494, 135, 389, 234, 390]);
    expect(report.classCounts).toEqual({ '0': 1583, '1': 4273 });
    expect(report.rejected).toEqual([]);
  });
});
