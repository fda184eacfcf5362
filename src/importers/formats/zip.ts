/**
 * A zip reader for .npz archives that looks before it inflates: entry sizes come from the central
 * directory, each entry is checked against the import's limits before a byte of it is inflated, the
 * inflate itself is capped at the size the entry declared, and the CRC is verified. fflate's
 * unzipSync trusts the declared sizes and grows past them, which let a 3 GB junk entry through.
 */
import { formatBytes, MAX_INFLATED_BYTES } from '../limits';
import { ImportError } from '../types';
import { crc32, inflateCapped } from './inflate';

export interface ZipEntryInfo {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** The central directory's entries (zip64 sizes included). */
export function listZip(bytes: Uint8Array, archive: string): ZipEntryInfo[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new ImportError(`${archive}: not a readable .npz/zip (no end-of-central-directory record; truncated?)`);
  let count = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  if (offset === 0xffffffff || count === 0xffff) {
    // Zip64: the locator sits just before the EOCD and points at the zip64 end record.
    const locator = end - 20;
    if (locator < 0 || view.getUint32(locator, true) !== 0x07064b50) throw new ImportError(`${archive}: zip64 archive without its locator`);
    const record = Number(view.getBigUint64(locator + 8, true));
    if (record + 56 > bytes.length || view.getUint32(record, true) !== 0x06064b50) throw new ImportError(`${archive}: zip64 end record is missing`);
    count = Number(view.getBigUint64(record + 32, true));
    offset = Number(view.getBigUint64(record + 48, true));
  }
  const entries: ZipEntryInfo[] = [];
  let at = offset;
  for (let n = 0; n < count; n++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL) throw new ImportError(`${archive}: zip central directory is corrupt (entry ${n + 1} of ${count})`);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const entry: ZipEntryInfo = {
      name,
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localOffset: view.getUint32(at + 42, true),
    };
    readZip64Extra(view, at + 46 + nameLength, extraLength, entry);
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Zip64 extended information: the 64-bit values, in order, for each 32-bit field set to 0xffffffff. */
function readZip64Extra(view: DataView, start: number, length: number, entry: ZipEntryInfo): void {
  for (let at = start; at + 4 <= start + length; ) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === 0x0001) {
      let field = at + 4;
      const next = () => {
        const value = Number(view.getBigUint64(field, true));
        field += 8;
        return value;
      };
      if (entry.size === 0xffffffff) entry.size = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localOffset === 0xffffffff) entry.localOffset = next();
      return;
    }
    at += 4 + size;
  }
}

/** One entry's bytes, refused before inflating when it declares more than `cap`, and checked by CRC after. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntryInfo, archive: string, cap = MAX_INFLATED_BYTES): Uint8Array {
  const where = `${archive}/${entry.name}`;
  if (entry.size > cap) throw new ImportError(`${where} declares ${formatBytes(entry.size)}, over the ${formatBytes(cap)} limit for one entry`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const local = entry.localOffset;
  if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL) throw new ImportError(`${where}: zip local header is missing (truncated or corrupt archive)`);
  const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
  if (dataStart + entry.compressedSize > bytes.length) throw new ImportError(`${where} is truncated (needs ${entry.compressedSize} bytes, the archive ends first)`);
  const raw = bytes.subarray(dataStart, dataStart + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) data = inflateCapped(raw, 'deflate', { what: where, cap: entry.size });
  else throw new ImportError(`${where} uses zip compression method ${entry.method}; only stored and deflate are supported`);
  if (data.length !== entry.size) throw new ImportError(`${where} holds ${data.length} bytes but declares ${entry.size} (corrupt archive)`);
  if (crc32(data) !== entry.crc) throw new ImportError(`${where} fails its CRC check (corrupt archive)`);
  return data;
}
