import { readFileSync } from 'node:fs';
import dicomParser from 'dicom-parser';
import { describe, expect, it } from 'vitest';
import { hasShared, sharedPath } from '../../testing/sharedData';
import { ImportError } from '../types';
import { decodeJpegExtended12 } from './codecs';

describe('decodeJpegExtended12', () => {
  it('rejects a codestream that is not JPEG with an ImportError', async () => {
    // SOI then a frame header cut short: the decoder must fail, and say so in our terms.
    const broken = new Uint8Array([0xff, 0xd8, 0xff, 0xc1, 0x00, 0x0b, 0x0c, 0x00]);
    await expect(decodeJpegExtended12(broken, 8, 8)).rejects.toBeInstanceOf(ImportError);
  });

  it.skipIf(!hasShared)('refuses a codestream whose size disagrees with the DICOM header', async () => {
    const bytes = new Uint8Array(readFileSync(sharedPath('data', 'dicom', 'nm_nema_nm1_jpeg_extended_12bit.dcm')));
    const dataSet = dicomParser.parseDicom(bytes);
    const pixel = dataSet.elements.x7fe00010;
    const frame = dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, pixel, 0, pixel.fragments!.length);
    await expect(decodeJpegExtended12(frame, 1024, 256)).rejects.toThrow(/256x1024 but the header says 1024x256/);
    const values = await decodeJpegExtended12(frame, 256, 1024);
    expect(values.length).toBe(256 * 1024);
  });
});
