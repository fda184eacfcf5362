/**
 * The entries of a ZIP archive without copying the stored ones: a stored entry (the run file's
 * float data) comes back as a view of the archive's bytes, a deflated one (its JSON) inflated by
 * fflate. fflate's unzipSync copies every entry, which for a 300 MB run file means holding the
 * archive twice; reading the central directory (APPNOTE.txt 4.3.12 and 4.3.16) gives each entry's
 * place instead. Entries' integrity is the caller's to check (the run file's manifest names a
 * SHA-256 for every part); ZIP64 archives (over 4 GB) are refused.
 */
import { inflateSync } from 'fflate';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export class ZipReadError extends Error {
  override name = 'ZipReadError';
}

export function readZipEntries(bytes: Uint8Array): Record<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (reason: string): never => {
    throw new ZipReadError(reason);
  };
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 65535); at--) {
    if (view.getUint32(at, true) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail('no end-of-archive record (the file is not a ZIP, or it is truncated)');
  const count = view.getUint16(eocd + 10, true);
  const centralSize = view.getUint32(eocd + 12, true);
  const centralOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || centralOffset === 0xffffffff) fail('ZIP64 archives are not supported');
  if (centralOffset + centralSize > eocd) fail('the central directory lies outside the archive');
  const names = new TextDecoder();
  const entries: Record<string, Uint8Array> = {};
  let at = centralOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || view.getUint32(at, true) !== CENTRAL) fail(`central directory entry ${i + 1} is damaged`);
    const method = view.getUint16(at + 10, true);
    const compressed = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = names.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL) fail(`"${name}": its local header is missing or damaged`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + compressed > bytes.length) fail(`"${name}" runs past the end of the archive`);
    const data = bytes.subarray(start, start + compressed);
    if (method === 0) {
      if (compressed !== size) fail(`"${name}" is stored but its sizes disagree`);
      entries[name] = data;
    } else if (method === 8) {
      try {
        entries[name] = inflateSync(data, { out: new Uint8Array(size) });
      } catch (error) {
        fail(`"${name}" does not inflate (${(error as Error).message})`);
      }
      if (entries[name].length !== size) fail(`"${name}" inflates to ${entries[name].length} bytes, not ${size}`);
    } else fail(`"${name}" uses compression method ${method}, which this reader does not support`);
  }
  return entries;
}
