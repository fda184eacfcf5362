/**
 * Turns one frame of a parsed DICOM data set into stored sample values (before any modality LUT,
 * photometric or VOI step). Colour frames come back interleaved RGB/YBR as the codec gives them.
 */
import dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { decode as decodeJpegJs } from 'jpeg-js';
import { Decoder as JpegLosslessDecoder } from 'jpeg-lossless-decoder-js';
import { ImportError } from '../types';
import { errorMessage } from '../../core/errorMessage';
import { decodeJpeg2000, decodeJpegBaseline8, decodeJpegExtended12, decodeJpegLs } from './codecs';
import { decodeRleFrame } from './rle';
import type { FrameEncoding } from './transferSyntax';

export interface PixelLayout {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  planarConfiguration: number;
  frameCount: number;
}

export interface StoredFrame {
  /** Stored values, samples interleaved (HWC). */
  values: Int32Array;
  /** True when a codec already converted YBR to RGB (JPEG baseline, JPEG 2000 with MCT). */
  convertedToRgb: boolean;
}

function encapsulatedFrame(dataSet: DataSet, pixel: Element, frameIndex: number, frameCount: number): Uint8Array {
  const fragments = pixel.fragments ?? [];
  if (fragments.length === 0) throw new ImportError('encapsulated pixel data has no fragments');
  if (pixel.basicOffsetTable && pixel.basicOffsetTable.length > 0) {
    return dicomParser.readEncapsulatedImageFrame(dataSet, pixel, frameIndex);
  }
  if (frameCount === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, pixel, 0, fragments.length);
  if (fragments.length === frameCount) return dicomParser.readEncapsulatedPixelDataFromFragments(dataSet, pixel, frameIndex, 1);
  // Several fragments per frame and no offset table: frame ends are found from the codestream end
  // marker (0xFFD9 is EOI for JPEG/JPEG-LS and EOC for JPEG 2000).
  const offsets = dicomParser.createJPEGBasicOffsetTable(dataSet, pixel);
  return dicomParser.readEncapsulatedImageFrame(dataSet, pixel, frameIndex, offsets);
}

function nativeFrame(dataSet: DataSet, pixel: Element, layout: PixelLayout, frameIndex: number, bigEndian: boolean): Int32Array {
  const { rows, columns, samplesPerPixel: spp, bitsAllocated, signed } = layout;
  const samples = rows * columns * spp;
  const out = new Int32Array(samples);
  const bytes = dataSet.byteArray;
  if (bitsAllocated === 1) {
    // Bits are packed across frame boundaries, least significant bit first.
    const firstBit = frameIndex * samples;
    if (Math.ceil((firstBit + samples) / 8) > pixel.length) throw new ImportError('pixel data is truncated');
    for (let i = 0; i < samples; i++) {
      const bit = firstBit + i;
      out[i] = (bytes[pixel.dataOffset + (bit >> 3)] >> (bit & 7)) & 1;
    }
    return out;
  }
  const bytesPerSample = bitsAllocated / 8;
  if (![1, 2, 4].includes(bytesPerSample)) throw new ImportError(`unsupported Bits Allocated ${bitsAllocated}`);
  const start = pixel.dataOffset + frameIndex * samples * bytesPerSample;
  const end = start + samples * bytesPerSample;
  if (end > pixel.dataOffset + pixel.length || end > bytes.length) throw new ImportError('pixel data is truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, samples * bytesPerSample);
  const le = !bigEndian;
  for (let i = 0; i < samples; i++) {
    if (bytesPerSample === 1) out[i] = signed ? view.getInt8(i) : view.getUint8(i);
    else if (bytesPerSample === 2) out[i] = signed ? view.getInt16(2 * i, le) : view.getUint16(2 * i, le);
    else out[i] = signed ? view.getInt32(4 * i, le) : Math.min(view.getUint32(4 * i, le), 0x7fffffff);
  }
  return out;
}

/** Codecs return unsigned bit patterns for signed data; sign-extend from Bits Stored. */
function signExtend(values: Int32Array, bitsStored: number): void {
  const shift = 32 - bitsStored;
  for (let i = 0; i < values.length; i++) values[i] = (values[i] << shift) >> shift;
}

function fromBytes(bytes: Uint8Array, bytesPerSample: number, signed: boolean, expected: number): Int32Array {
  const count = bytes.length / bytesPerSample;
  if (count < expected) throw new ImportError(`decoded frame has ${count} samples, expected ${expected}`);
  const out = new Int32Array(expected);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < expected; i++) {
    out[i] = bytesPerSample === 1 ? (signed ? view.getInt8(i) : bytes[i]) : signed ? view.getInt16(2 * i, true) : view.getUint16(2 * i, true);
  }
  return out;
}

function planarToInterleaved(values: Int32Array, pixels: number, spp: number): Int32Array {
  const out = new Int32Array(values.length);
  for (let s = 0; s < spp; s++) for (let p = 0; p < pixels; p++) out[p * spp + s] = values[s * pixels + p];
  return out;
}

export async function readStoredFrame(
  dataSet: DataSet,
  pixel: Element,
  layout: PixelLayout,
  encoding: FrameEncoding,
  bigEndian: boolean,
  frameIndex: number,
  photometric: string,
): Promise<StoredFrame> {
  const { rows, columns, samplesPerPixel: spp, bitsAllocated, bitsStored, signed } = layout;
  const expected = rows * columns * spp;
  const bytesPerSample = Math.max(1, bitsAllocated / 8);
  if (encoding === 'native') {
    let values = nativeFrame(dataSet, pixel, layout, frameIndex, bigEndian);
    if (spp > 1 && layout.planarConfiguration === 1) values = planarToInterleaved(values, rows * columns, spp);
    return { values, convertedToRgb: false };
  }
  const frame = encapsulatedFrame(dataSet, pixel, frameIndex, layout.frameCount);
  switch (encoding) {
    case 'rle': {
      const bytes = decodeRleFrame(frame, rows, columns, spp, bitsAllocated);
      return { values: fromBytes(bytes, bytesPerSample, signed, expected), convertedToRgb: false };
    }
    case 'jpeg-lossless': {
      checkCodestreamSize(frame, rows, columns);
      const decoder = new JpegLosslessDecoder();
      const copy = frame.slice();
      const decoded = corruptCodestream('JPEG lossless', () => decoder.decode(copy.buffer, 0, copy.length, bytesPerSample) as Uint8Array | Uint16Array);
      if (decoded.length < expected) throw new ImportError('JPEG lossless frame decoded short');
      const values = Int32Array.from(decoded.subarray(0, expected));
      if (signed) signExtend(values, bitsStored);
      return { values, convertedToRgb: false };
    }
    case 'jpeg-ls':
    case 'jpeg2000':
    case 'jpeg-baseline':
    case 'jpeg-extended': {
      if (encoding !== 'jpeg2000') checkCodestreamSize(frame, rows, columns);
      const precision = encoding.startsWith('jpeg-') && encoding !== 'jpeg-ls' ? jpegPrecision(frame) : 8;
      if (precision > 8 && (encoding === 'jpeg-baseline' || encoding === 'jpeg-extended')) {
        if (precision !== 12) throw new ImportError(`unsupported: ${precision}-bit DCT JPEG (JPEG allows 8 or 12)`);
        const values = await decodeJpegExtended12(frame, columns, rows);
        if (values.length !== expected) throw new ImportError(`12-bit JPEG decoded ${values.length} samples, expected ${expected}`);
        if (signed) signExtend(values, bitsStored);
        return { values, convertedToRgb: false };
      }
      if (spp === 3 && (encoding === 'jpeg-baseline' || encoding === 'jpeg-extended')) {
        return decodeColourJpeg(frame, rows, columns, photometric);
      }
      const decode = encoding === 'jpeg-ls' ? decodeJpegLs : encoding === 'jpeg2000' ? decodeJpeg2000 : decodeJpegBaseline8;
      const { info, bytes } = await decode(frame);
      if (info.width !== columns || info.height !== rows) {
        throw new ImportError(`codestream is ${info.width}x${info.height} but the header says ${columns}x${rows}`);
      }
      const codecBytesPerSample = info.bitsPerSample > 8 ? 2 : 1;
      const values = fromBytes(bytes, codecBytesPerSample, false, expected);
      if (signed) signExtend(values, bitsStored);
      // CharLS may return planar output for interleave mode 0 (ILV_NONE); JPEG/J2K give interleaved.
      const interleaved = encoding === 'jpeg-ls' && spp > 1 && isPlanarJpegLs(frame) ? planarToInterleaved(values, rows * columns, spp) : values;
      return { values: interleaved, convertedToRgb: spp === 3 && encoding !== 'jpeg-ls' };
    }
  }
}

/**
 * Runs a JavaScript decoder on a codestream. On corrupt data these fail inside themselves
 * ("Cannot read properties of undefined"), which tells a user nothing: say which codec gave up.
 */
function corruptCodestream<T>(codec: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof ImportError) throw error;
    const detail = error instanceof TypeError || error instanceof RangeError ? '' : `: ${errorMessage(error)}`;
    throw new ImportError(`${codec} codestream could not be decoded (corrupt or unsupported${detail})`);
  }
}

/** The JPEG SOF marker's sample precision and size, or undefined when no SOF comes before the data. */
function jpegFrameHeader(frame: Uint8Array): { precision: number; width: number; height: number } | undefined {
  for (let i = 2; i + 8 < frame.length; ) {
    if (frame[i] !== 0xff) return undefined;
    const marker = frame[i + 1];
    // SOF0..SOF15 (less DHT, JPG, DAC), and JPEG-LS's SOF55, which has the same fields.
    if ((marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7) {
      return { precision: frame[i + 4], height: (frame[i + 5] << 8) | frame[i + 6], width: (frame[i + 7] << 8) | frame[i + 8] };
    }
    i += 2 + ((frame[i + 2] << 8) | frame[i + 3]);
  }
  return undefined;
}

/** Sample precision from the JPEG SOF marker (8 for baseline, 8 or 12 for extended). */
function jpegPrecision(frame: Uint8Array): number {
  return jpegFrameHeader(frame)?.precision ?? 8;
}

/**
 * The codestream must be the size the DICOM header says, checked before decoding: a lossless
 * codestream claiming 20000×20000 in a 512×512 file would otherwise decode to hundreds of megabytes
 * and be cut down to a flat band of its first rows.
 */
function checkCodestreamSize(frame: Uint8Array, rows: number, columns: number): void {
  const header = jpegFrameHeader(frame);
  if (header && (header.width !== columns || header.height !== rows)) {
    throw new ImportError(`codestream is ${header.width}x${header.height} but the header says ${columns}x${rows}`);
  }
}

/** JPEG-LS SOS interleave mode byte: 0 = by plane. */
function isPlanarJpegLs(frame: Uint8Array): boolean {
  for (let i = 2; i + 4 < frame.length; ) {
    if (frame[i] !== 0xff) return false;
    const marker = frame[i + 1];
    const length = (frame[i + 2] << 8) | frame[i + 3];
    if (marker === 0xda) {
      const components = frame[i + 4];
      return frame[i + 4 + 1 + 2 * components + 1] === 0;
    }
    i += 2 + length;
  }
  return false;
}

/**
 * Whether a 3-component JPEG holds YCbCr that must be converted. libjpeg-turbo always guesses
 * YCbCr when there is no JFIF/Adobe marker, which turns DICOM "RGB" JPEGs (no colour transform,
 * PS3.5 8.2.1) into garbage, so colour JPEGs go through jpeg-js where the transform is explicit.
 */
function jpegNeedsColourTransform(frame: Uint8Array, photometric: string): boolean {
  for (let i = 2; i + 4 < frame.length; ) {
    if (frame[i] !== 0xff) break;
    const marker = frame[i + 1];
    const length = (frame[i + 2] << 8) | frame[i + 3];
    if (marker === 0xee && length >= 12 && String.fromCharCode(...frame.subarray(i + 4, i + 9)) === 'Adobe') return frame[i + 15] !== 0;
    if (marker === 0xe0 && String.fromCharCode(...frame.subarray(i + 4, i + 8)) === 'JFIF') return true;
    if (marker === 0xda) break;
    i += 2 + length;
  }
  return photometric.startsWith('YBR');
}

function decodeColourJpeg(frame: Uint8Array, rows: number, columns: number, photometric: string): StoredFrame {
  const colorTransform = jpegNeedsColourTransform(frame, photometric);
  const decoded = corruptCodestream('JPEG', () => decodeJpegJs(frame, { useTArray: true, formatAsRGBA: false, colorTransform, maxResolutionInMP: 100 }));
  if (decoded.width !== columns || decoded.height !== rows) {
    throw new ImportError(`codestream is ${decoded.width}x${decoded.height} but the header says ${columns}x${rows}`);
  }
  // With colorTransform off the samples are still whatever the file holds (RGB, or YBR_FULL when
  // the photometric says so); convertedToRgb tells the caller whether a YBR→RGB step remains.
  return { values: Int32Array.from(decoded.data), convertedToRgb: colorTransform };
}
