/**
 * NumPy .npy (format versions 1–3) reader/writer and .npz (a zip of .npy) on fflate.
 * Only the dtypes image datasets use are supported (numbers, and unicode strings for class names);
 * anything else is refused with its dtype named.
 */
import { zipSync } from 'fflate';
import { ImportError } from './types';
import { listZip, readZipEntry } from './formats/zip';
import { formatBytes, MAX_INFLATED_BYTES } from './limits';

export type NpyNumericData = Uint8Array | Int16Array | Uint16Array | Int32Array | Float32Array | Float64Array | Int8Array | BigInt64Array;
/** One array; `data` is a string list for numpy's unicode dtype ('<U12'), a typed array otherwise. */
export type NpyArray = { dtype: string; shape: number[]; data: NpyNumericData | string[] };
/** What the writer accepts: bytes, floats, or strings (written as '<U{longest}', which numpy reads as str). */
export type NpyWritable = { data: Uint8Array | Float32Array | Float64Array | readonly string[]; shape: number[] };

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function parseNpy(bytes: Uint8Array, name = 'array'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new ImportError(`${name}: not a .npy array (bad magic)`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new ImportError(`${name}: unreadable .npy header`);
  if (fortran === 'True') throw new ImportError(`${name}: Fortran-ordered arrays are not supported`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new ImportError(`${name}: .npy shape (${shapeText}) is not a list of non-negative integers`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLength;
  const little = descr[0] !== '>';
  const kind = descr.replace(/^[<>|=]/, '');
  const unicode = /^U(\d+)$/.exec(kind);
  const width: Record<string, number> = { u1: 1, i1: 1, b1: 1, i2: 2, u2: 2, i4: 4, f4: 4, f8: 8, i8: 8 };
  const size = unicode ? 4 * Number(unicode[1]) : width[kind];
  if (!size) throw new ImportError(`${name}: unsupported dtype ${descr}`);
  if (dataStart + count * size > bytes.length) throw new ImportError(`${name}: .npy data is truncated`);
  if (unicode) return { dtype: kind, shape, data: decodeUnicode(bytes.subarray(dataStart, dataStart + count * size), count, Number(unicode[1]), little) };
  // Copy through the Uint8Array constructor: a Node Buffer's slice() is a view into a shared pool,
  // whose .buffer would start at the wrong offset.
  const raw = new Uint8Array(bytes.subarray(dataStart, dataStart + count * size));
  if (!little && size > 1) {
    for (let i = 0; i < raw.length; i += size) raw.subarray(i, i + size).reverse();
  }
  const buffer = raw.buffer;
  const data =
    kind === 'u1' || kind === 'b1' ? raw
    : kind === 'i1' ? new Int8Array(buffer)
    : kind === 'i2' ? new Int16Array(buffer)
    : kind === 'u2' ? new Uint16Array(buffer)
    : kind === 'i4' ? new Int32Array(buffer)
    : kind === 'f4' ? new Float32Array(buffer)
    : kind === 'f8' ? new Float64Array(buffer)
    : new BigInt64Array(buffer);
  return { dtype: kind, shape, data };
}

/** numpy's 'U' dtype: `chars` UTF-32 code units per element, NUL-padded (numpy strips the padding on read). */
function decodeUnicode(bytes: Uint8Array, count: number, chars: number, little: boolean): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = '';
    for (let c = 0; c < chars; c++) {
      const code = view.getUint32((i * chars + c) * 4, little);
      if (code === 0) break;
      if (code > 0x10ffff) throw new ImportError(`unicode array holds an invalid code point ${code}`);
      text += String.fromCodePoint(code);
    }
    out.push(text);
  }
  return out;
}

function isStringList(data: NpyWritable['data']): data is readonly string[] {
  return Array.isArray(data);
}

/** The dtype and raw little-endian bytes of an array to write. */
function encodeData(data: NpyWritable['data']): { descr: string; bytes: Uint8Array } {
  if (isStringList(data)) {
    const points = data.map((text) => Array.from(text, (ch) => ch.codePointAt(0)!));
    const chars = Math.max(1, ...points.map((p) => p.length));
    const bytes = new Uint8Array(data.length * chars * 4);
    const view = new DataView(bytes.buffer);
    points.forEach((p, i) => p.forEach((code, c) => view.setUint32((i * chars + c) * 4, code, true)));
    return { descr: `<U${chars}`, bytes };
  }
  if (data instanceof Uint8Array) return { descr: '|u1', bytes: data };
  // Through a DataView so the file is little-endian whatever the host's byte order.
  const itemSize = data.BYTES_PER_ELEMENT;
  const bytes = new Uint8Array(data.length * itemSize);
  const view = new DataView(bytes.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(i * 4, v, true));
  else data.forEach((v, i) => view.setFloat64(i * 8, v, true));
  return { descr: data instanceof Float32Array ? '<f4' : '<f8', bytes };
}

/** Write a C-ordered array as .npy v1.0 (header padded to 64 bytes as NumPy does). */
export function writeNpy({ data, shape }: NpyWritable): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`writeNpy: shape (${shape.join(', ')}) holds ${count} values but ${data.length} were given`);
  const { descr, bytes } = encodeData(data);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + bytes.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(bytes, 10 + header.length);
  return out;
}

/**
 * The arrays of an .npz. Only `.npy` entries are inflated, each after its declared size (and the
 * archive's total) passed the import's limit, so a junk or oversized entry costs nothing.
 */
export function readNpz(bytes: Uint8Array, name = 'archive.npz'): Map<string, NpyArray> {
  const entries = listZip(bytes, name).filter((entry) => entry.name.endsWith('.npy'));
  const declared = entries.reduce((sum, entry) => sum + entry.size, 0);
  if (declared > MAX_INFLATED_BYTES) {
    throw new ImportError(`${name}: its arrays declare ${formatBytes(declared)} together, over the ${formatBytes(MAX_INFLATED_BYTES)} limit for one file`);
  }
  const arrays = new Map<string, NpyArray>();
  for (const entry of entries) arrays.set(entry.name.slice(0, -4), parseNpy(readZipEntry(bytes, entry, name), `${name}/${entry.name}`));
  return arrays;
}

export function writeNpz(arrays: Record<string, NpyWritable>): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [key, array] of Object.entries(arrays)) files[`${key}.npy`] = writeNpy(array);
  // Stored (level 0) like numpy.savez, so numpy can memory-map and the export stays fast.
  return zipSync(files, { level: 0 });
}
