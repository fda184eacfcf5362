/**
 * Small hand-built files for the fuzz corpus and the import-defect tests: DICOM with any transfer
 * syntax and attributes, NIfTI-1 with any header, PNG with any chunks, npz from raw entries.
 * Everything is written in the test, nothing copied from ../shared. (Test helper only.)
 */
import { deflateSync, zlibSync } from 'fflate';
import { crc32 } from '../../formats/inflate';
import { writeNpy, type NpyWritable } from '../../npy';
import { join, writeZip, type ZipInput } from './bombs';

export type DicomElement = [group: number, element: number, vr: string, value: string | Uint8Array | number];

const LONG_VRS = ['OB', 'OW', 'OF', 'SQ', 'UN', 'UT'];

/** Explicit VR little endian elements, in the order given. */
export function encodeElements(elements: readonly DicomElement[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [group, element, vr, value] of elements) {
    let bytes = value instanceof Uint8Array ? value : typeof value === 'number' ? new Uint8Array(new Uint16Array([value]).buffer) : new TextEncoder().encode(value);
    if (bytes.length % 2) bytes = join([bytes, new Uint8Array([vr === 'UI' || vr === 'OB' ? 0 : 0x20])]);
    const long = LONG_VRS.includes(vr);
    const head = new Uint8Array(long ? 12 : 8);
    const view = new DataView(head.buffer);
    view.setUint16(0, group, true);
    view.setUint16(2, element, true);
    head[4] = vr.charCodeAt(0);
    head[5] = vr.charCodeAt(1);
    if (long) view.setUint32(8, bytes.length, true);
    else view.setUint16(6, bytes.length, true);
    parts.push(head, bytes);
  }
  return join(parts);
}

export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const DEFLATED_LE = '1.2.840.10008.1.2.1.99';

/** A Part 10 file: preamble, meta group naming `transferSyntax`, then `dataSet` as given (already encoded). */
export function dicomFile(transferSyntax: string, dataSet: Uint8Array): Uint8Array {
  const meta = encodeElements([[0x0002, 0x0010, 'UI', transferSyntax]]);
  const groupLength = encodeElements([[0x0002, 0x0000, 'UL', new Uint8Array(new Uint32Array([meta.length]).buffer)]]);
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  return join([preamble, groupLength, meta, dataSet]);
}

export interface ImageDicomOptions {
  rows?: number;
  columns?: number;
  frames?: number | string;
  /** One value per pixel of every frame (16-bit). */
  pixels?: Uint16Array;
  modality?: string;
  burnedIn?: string;
  extra?: DicomElement[];
}

/** A 16-bit MONOCHROME2 image, uncompressed explicit VR LE. */
export function imageDicom(options: ImageDicomOptions = {}): Uint8Array {
  const rows = options.rows ?? 16;
  const columns = options.columns ?? 16;
  const frameCount = typeof options.frames === 'number' ? options.frames : 1;
  const pixels = options.pixels ?? Uint16Array.from({ length: rows * columns * frameCount }, (_, i) => (i * 37) % 4096);
  const elements: DicomElement[] = [
    [0x0008, 0x0060, 'CS', options.modality ?? 'CT'],
    [0x0028, 0x0002, 'US', 1],
    [0x0028, 0x0004, 'CS', 'MONOCHROME2'],
    ...(options.frames !== undefined ? [[0x0028, 0x0008, 'IS', String(options.frames)] as DicomElement] : []),
    [0x0028, 0x0010, 'US', rows],
    [0x0028, 0x0011, 'US', columns],
    [0x0028, 0x0100, 'US', 16],
    [0x0028, 0x0101, 'US', 12],
    [0x0028, 0x0102, 'US', 11],
    [0x0028, 0x0103, 'US', 0],
    ...(options.burnedIn !== undefined ? [[0x0028, 0x0301, 'CS', options.burnedIn] as DicomElement] : []),
    ...(options.extra ?? []),
    [0x7fe0, 0x0010, 'OW', new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength)],
  ];
  elements.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return dicomFile(EXPLICIT_LE, encodeElements(elements));
}

/** A deflated-transfer-syntax file whose data set is already raw-deflated. */
export function deflatedDicom(deflatedDataSet: Uint8Array): Uint8Array {
  return dicomFile(DEFLATED_LE, deflatedDataSet);
}

/** The same image as imageDicom, written with the deflated transfer syntax. */
export function deflatedImageDicom(options: ImageDicomOptions = {}): Uint8Array {
  const plain = imageDicom(options);
  const header = dicomFile(EXPLICIT_LE, new Uint8Array(0)).length;
  return deflatedDicom(deflateSync(plain.subarray(header)));
}

export interface NiftiOptions {
  dims: number[];
  datatype?: number;
  bitpix?: number;
  voxOffset?: number;
}

/** A NIfTI-1 header (352 bytes with the empty extension flag), little endian. */
export function niftiHeader({ dims, datatype = 2, bitpix = 8, voxOffset = 352 }: NiftiOptions): Uint8Array {
  const header = new Uint8Array(352);
  const view = new DataView(header.buffer);
  view.setInt32(0, 348, true);
  view.setInt16(40, dims.length, true);
  dims.forEach((d, i) => view.setInt16(42 + 2 * i, d, true));
  for (let i = dims.length; i < 7; i++) view.setInt16(42 + 2 * i, 1, true);
  view.setInt16(70, datatype, true);
  view.setInt16(72, bitpix, true);
  for (let i = 0; i < 8; i++) view.setFloat32(76 + 4 * i, 1, true);
  view.setFloat32(108, voxOffset, true);
  view.setFloat32(112, 1, true); // scl_slope
  header.set([0x6e, 0x2b, 0x31, 0x00], 344); // "n+1\0"
  return header;
}

/** A uint8 NIfTI-1 volume with a gradient in it, so its slices are not blank. */
export function niftiVolume(dims: number[]): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  return join([niftiHeader({ dims }), Uint8Array.from({ length: count }, (_, i) => (i * 7) % 251)]);
}

/** A PNG from chunks given as [type, data]; the signature and CRCs are written here. */
export function pngFromChunks(chunks: readonly [string, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const [type, data] of chunks) {
    const head = new Uint8Array(8);
    const view = new DataView(head.buffer);
    view.setUint32(0, data.length);
    for (let i = 0; i < 4; i++) head[4 + i] = type.charCodeAt(i);
    const body = join([head.subarray(4), data]);
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, crc32(body));
    parts.push(head, data, crc);
  }
  return join(parts);
}

export function ihdr(width: number, height: number, depth: number, colourType: number): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([depth, colourType, 0, 0, 0], 8);
  return data;
}

/** An 8-bit palette PNG of `width`×`height` with the given indices and PLTE entries (none: no PLTE chunk). */
export function palettePng(width: number, height: number, indices: (i: number) => number, paletteEntries: number): Uint8Array {
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = indices(y * width + x);
  const plte = Uint8Array.from({ length: paletteEntries * 3 }, (_, i) => (i * 40) % 256);
  return pngFromChunks([['IHDR', ihdr(width, height, 8, 3)], ...(paletteEntries ? [['PLTE', plte] as [string, Uint8Array]] : []), ['IDAT', zlibSync(raw)], ['IEND', new Uint8Array(0)]]);
}

/** An npz written entry by entry (stored), so shapes may disagree on purpose. */
export function npzOf(arrays: Record<string, NpyWritable>, extra: ZipInput[] = []): Uint8Array {
  const entries: ZipInput[] = Object.entries(arrays).map(([key, array]) => {
    const data = writeNpy(array);
    return { name: `${key}.npy`, data, method: 0, size: data.length, crc: crc32(data) };
  });
  return writeZip([...entries, ...extra]);
}

/** The header of an .npy holding `shape` of dtype `descr`, for entries whose data is appended separately. */
export function npyHeader(descr: string, shape: number[]): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  return out;
}
