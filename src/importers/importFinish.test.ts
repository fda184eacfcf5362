import { encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { isCancelledError } from '../core/jobControl';
import { openMemoryStore } from '../storage/memoryStore';
import { describeCopies } from './duplicates';
import { EmptyImportError, finishImport, MAX_CLASSES, UNLABELLED_CLASS, type ImageFacts } from './importFinish';
import { ImportJobs, type ImportSettings } from './importJob';
import { importDataset } from './pipeline';
import { SPLITS, type ImportFile, type ImportReport, type Split } from './types';

const emptyReport = (): ImportReport => ({ filesSeen: 0, filesImported: 0, imagesProduced: 0, rejected: [], notices: [], duplicates: [], classCounts: {}, elapsedMs: 0, cancelled: false });

function fact(label: number, pixelHash: string, file: string, split?: Split, frame?: number): ImageFacts {
  return { label, pixelHash, split, source: { file, relativePath: file }, meta: { format: frame === undefined ? 'png' : 'npz', width: 8, height: 8, frame } };
}

describe('finishImport: classes', () => {
  it('gives unlabelled images a class of their own, after the named ones', () => {
    const images = [fact(0, 'a', 'x/1.png'), fact(-1, 'b', '2.png'), fact(1, 'c', 'y/3.png')];
    const finished = finishImport(images, ['x', 'y'], emptyReport(), { seed: 1 });
    expect(finished.classNames).toEqual(['x', 'y', UNLABELLED_CLASS]);
    expect([...finished.labels]).toEqual([0, 2, 1]);
    expect(finished.classCounts).toEqual({ x: 1, y: 1, unlabelled: 1 });
  });

  it('reuses a class that is already called "unlabelled" rather than adding a second', () => {
    const finished = finishImport([fact(0, 'a', 'unlabelled/1.png'), fact(-1, 'b', '2.png')], [UNLABELLED_CLASS], emptyReport(), { seed: 1 });
    expect(finished.classNames).toEqual([UNLABELLED_CLASS]);
    expect([...finished.labels]).toEqual([0, 0]);
  });

  it('an import where nothing is labelled has the single class "unlabelled"', () => {
    const finished = finishImport([fact(-1, 'a', '1.png'), fact(-1, 'b', '2.png')], [], emptyReport(), { seed: 1 });
    expect(finished.classNames).toEqual([UNLABELLED_CLASS]);
  });

  it(`refuses more than ${MAX_CLASSES} classes, counting the unlabelled class`, () => {
    const names = Array.from({ length: MAX_CLASSES }, (_, i) => `c${i}`);
    expect(() => finishImport([fact(0, 'a', '1.png'), fact(-1, 'b', '2.png')], names, emptyReport(), { seed: 1 })).toThrow(
      `257 classes found; at most 256 are supported (labels are stored as one byte)`,
    );
    expect(finishImport([fact(0, 'a', '1.png')], names, emptyReport(), { seed: 1 }).classNames).toHaveLength(MAX_CLASSES);
  });
});

describe('finishImport: splits, duplicates, dedupe', () => {
  const leaky = () => [
    fact(0, 'h1', 'data.npz', 'train', 0),
    fact(1, 'h2', 'data.npz', 'train', 1),
    fact(0, 'h1', 'data.npz', 'val', 0),
    fact(1, 'h2', 'data.npz', 'test', 0),
    fact(1, 'h2', 'data.npz', 'test', 1),
    fact(0, 'h3', 'data.npz', 'val', 1),
  ];

  it('keeps splits the source fixed and names each copy and its original, across splits', () => {
    const finished = finishImport(leaky(), ['0', '1'], emptyReport(), { seed: 1 });
    expect(finished.splits).toEqual(['train', 'train', 'val', 'test', 'test', 'val']);
    expect(finished.report.duplicates.flatMap(describeCopies)).toEqual([
      'val: data.npz val_images[0] is a copy of train: data.npz train_images[0]',
      'test: data.npz test_images[0] is a copy of train: data.npz train_images[1]',
      'test: data.npz test_images[1] is a copy of train: data.npz train_images[1]',
    ]);
    expect(finished.report.notices.map((n) => n.message)).toEqual([
      '3 images are exact copies of an image in another split (1 in val, 2 in test): a leak between training and evaluation data',
    ]);
    expect(finished.kept).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('dedupe removes the copies and keeps the training originals', () => {
    const finished = finishImport(leaky(), ['0', '1'], emptyReport(), { seed: 1, dedupe: true });
    expect(finished.kept).toEqual([0, 1, 5]);
    expect(finished.splits).toEqual(['train', 'train', 'val']);
    expect([...finished.labels]).toEqual([0, 1, 0]);
    expect(finished.splitCounts).toEqual({ train: 2, val: 1, test: 0 });
    expect(finished.classCounts).toEqual({ '0': 2, '1': 1 });
    expect(finished.report.notices.map((n) => n.message)).toEqual(['removed 3 exact copies (3 of them across splits), keeping one image of each of 2 identical sets']);
  });

  it('assigns the same splits for the same seed, and stratifies', () => {
    const images = Array.from({ length: 40 }, (_, i) => fact(i % 2, `h${i}`, `${i}.png`));
    const a = finishImport(images, ['a', 'b'], emptyReport(), { seed: 7 });
    const b = finishImport(images, ['a', 'b'], emptyReport(), { seed: 7 });
    expect(a.splits).toEqual(b.splits);
    expect(a.splitCounts).toEqual({ train: 32, val: 4, test: 4 });
  });

  it('ends an empty import with every reason, and a cancelled one as cancelled', () => {
    const report = { ...emptyReport(), filesSeen: 2, rejected: [{ file: 'a.txt', relativePath: 'd/a.txt', reason: 'not a supported image' }] };
    expect(() => finishImport([], [], report, { seed: 0 })).toThrow(EmptyImportError);
    expect(() => finishImport([], [], report, { seed: 0 })).toThrow('No image could be imported from the 2 file(s). d/a.txt: not a supported image');
    let caught: unknown;
    try {
      finishImport([fact(0, 'a', '1.png')], ['x'], { ...emptyReport(), cancelled: true }, { seed: 0 });
    } catch (error) {
      caught = error;
    }
    expect(isCancelledError(caught)).toBe(true);
  });
});

describe('the studio and the command line finish an import the same way', () => {
  const png = (seed: number) => encodePng({ width: 28, height: 28, data: Uint8Array.from({ length: 28 * 28 }, (_, k) => (k * seed) % 256), channels: 1, depth: 8 });
  // Two labelled folders, loose unlabelled files, and one image copied into two folders.
  const inputs: [string, Uint8Array][] = [
    ...Array.from({ length: 12 }, (_, i): [string, Uint8Array] => [`${i % 2 ? 'normal' : 'bleed'}/${i}.png`, png(i + 3)]),
    ['loose-1.png', png(40)],
    ['loose-2.png', png(41)],
    ['normal/copy.png', png(3)],
  ];

  it('gives the same classes, labels, splits, counts, duplicates and notices', async () => {
    const settings: ImportSettings = { name: 't', size: 28, channels: 1, fit: 'crop', labels: { kind: 'folder' }, window: { kind: 'file' }, nifti: {}, seed: 5, fractions: [0.6, 0.2, 0.2] };
    const jobs = new ImportJobs(openMemoryStore());
    const staged = await jobs.stage(
      inputs.map(([path, bytes]) => ({ file: new Blob([new Uint8Array(bytes)]), name: path.split('/').pop()!, relativePath: path })),
      settings,
      () => undefined,
    );
    const files: ImportFile[] = inputs.map(([path, bytes]) => ({ name: path.split('/').pop()!, relativePath: path, bytes }));
    const { dataset, report } = await importDataset(files, settings);
    expect(staged.classNames).toEqual(['bleed', 'normal', UNLABELLED_CLASS]);
    expect(dataset.classNames).toEqual(staged.classNames);
    // 15 images: the preview (up to 24) holds every label and split of the staged import.
    expect(staged.count).toBe(15);
    expect([...staged.preview.labels]).toEqual(dataset.images.map((i) => i.label));
    expect([...staged.preview.splits].map((code) => SPLITS[code])).toEqual(dataset.images.map((i) => i.split));
    expect(report.classCounts).toEqual(staged.classCounts);
    expect(report.duplicates).toHaveLength(1);
    expect(report.duplicates).toEqual(staged.report.duplicates);
    expect(report.notices).toEqual(staged.report.notices);
    const meta = await jobs.commit(staged.stagingId);
    expect(meta.classNames).toEqual(dataset.classNames);
  });
});

describe('finishImport: the report says how the splits were made', () => {
  const grouped = (label: number, hash: string, group: number): ImageFacts => ({ ...fact(label, hash, `p${group}/${hash}.dcm`), group });

  it('JPEG/PNG files carry no patient identity: stratified image by image, not "patient-grouped"', () => {
    const images = Array.from({ length: 20 }, (_, i) => fact(i % 2, `h${i}`, `${i}.jpg`));
    const method = finishImport(images, ['a', 'b'], emptyReport(), { seed: 1 }).report.splitMethod!;
    expect(method).toMatch(/^stratified by class, image by image: no file carried a patient identity/);
    expect(method).not.toMatch(/patient-grouped/);
  });

  it('files with a patient identity are grouped, and ungrouped ones are named', () => {
    const images = [...Array.from({ length: 12 }, (_, i) => grouped(i % 2, `g${i}`, i % 4)), fact(0, 'loose', 'x.png')];
    const method = finishImport(images, ['a', 'b'], emptyReport(), { seed: 1 }).report.splitMethod!;
    expect(method).toBe('patient-grouped (4 patients or studies, none split across train/val/test), stratified by class; 1 image without a patient identity split image by image');
  });

  it('an npz with its own splits keeps them and says so', () => {
    const images = [fact(0, 'a', 'd.npz', 'train', 0), fact(1, 'b', 'd.npz', 'val', 1), fact(0, 'c', 'd.npz', 'test', 2)];
    expect(finishImport(images, ['a', 'b'], emptyReport(), { seed: 1 }).report.splitMethod).toBe('as the source set them (3 images)');
  });
});
