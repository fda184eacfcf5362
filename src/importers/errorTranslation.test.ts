import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import { explainError } from '../core/errorMessage';
import { hasShared, sharedPath, SHARED_SKIP_MESSAGE } from '../testing/sharedData';
import { importFiles, type ImportOptions } from './pipeline';
import { npzOf } from './testing/fuzz/fixtures';
import { ImportError } from './types';

const options: ImportOptions = { size: 32, channels: 1, fit: 'crop', labels: { kind: 'none' }, window: { kind: 'file' }, nifti: {} } as ImportOptions;

async function rejected(files: [string, Uint8Array][]) {
  const run = importFiles(files.map(([name, bytes]) => ({ name, relativePath: name, bytes })), options);
  for await (const _ of run.images) void _;
  return new Map(run.report.rejected.map((r) => [r.relativePath, r]));
}

describe('library errors in the user\'s terms, the original one click away', () => {
  it.skipIf(!hasShared)(`a truncated DICOM says the file ends early, keeping dicom-parser's words as the detail (${hasShared ? 'real file' : SHARED_SKIP_MESSAGE})`, async () => {
    const dcm = new Uint8Array(readFileSync(sharedPath('data', 'dicom', 'ct_nema_ct1_small_128.dcm')));
    const rows = await rejected([
      ['header.dcm', dcm.subarray(0, 300)],
      ['half.dcm', dcm.subarray(0, Math.floor(dcm.length * 0.6))],
    ]);
    const header = rows.get('header.dcm')!;
    expect(header.reason).toBe('not a readable DICOM file: the file ends early (truncated): it was probably cut short while copying or downloading');
    expect(header.reason).not.toMatch(/byteArray|position/);
    expect(header.detail).toMatch(/parameter 'position' cannot be greater than or equal to 'byteArray' length/);
    const half = rows.get('half.dcm')!;
    expect(half.reason).toMatch(/^not a readable DICOM file: the file ends early \(truncated\)/);
    expect(half.detail).toMatch(/overrun|past end/);
  });

  it('a damaged PNG and a bad npz are explained, with the decoder\'s words as the detail', async () => {
    const png = encode({ width: 32, height: 32, data: Uint8Array.from({ length: 1024 }, (_, i) => i % 251), channels: 1, depth: 8 });
    const npz = npzOf({ train_images: { data: new Uint8Array(4 * 28 * 28), shape: [4, 28, 28] }, train_labels: { data: new Uint8Array(4), shape: [4, 1] } });
    const rows = await rejected([
      ['cut.png', png.subarray(0, 60)],
      ['cut.npz', npz.subarray(0, npz.length - 30)],
      ['bad.jpg', Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 1, 2, 3])],
    ]);
    expect(rows.get('cut.png')!.reason).toMatch(/truncated|ends early/);
    expect(rows.get('cut.npz')!.reason).toMatch(/archive is incomplete or damaged|truncated/);
    expect(rows.get('cut.npz')!.reason).not.toMatch(/central-directory/);
    expect(rows.get('cut.npz')!.detail).toMatch(/central/);
    expect(rows.get('bad.jpg')!.reason).toMatch(/JPEG data is damaged/);
    expect(rows.get('bad.jpg')!.detail).toMatch(/marker/);
  });

  it('explains thrown values: own detail kept, quoted library text translated, unknown text left alone', () => {
    expect(explainError(new ImportError('not a readable DICOM file: x', 'raw words'))).toEqual({ message: 'not a readable DICOM file: x', detail: 'raw words' });
    expect(explainError(new Error("Failed (parameter 'position' cannot be greater than or equal to 'byteArray' length)"))).toEqual({
      message: 'Failed: the file ends early (truncated): it was probably cut short while copying or downloading',
      detail: "parameter 'position' cannot be greater than or equal to 'byteArray' length",
    });
    expect(explainError(new DOMException('The quota has been exceeded.', 'QuotaExceededError')).message).toMatch(/storage for this site is full/);
    expect(explainError(260408)).toEqual({ message: 'the decoder stopped on corrupt or unsupported data', detail: 'error code 260408' });
    expect(explainError(new Error('Run r does not exist'))).toEqual({ message: 'Run r does not exist' });
  });
});
