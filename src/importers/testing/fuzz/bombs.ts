/**
 * Decompression bombs, built cheaply: a stream that inflates to gigabytes of zeros is written
 * without ever holding those gigabytes. fflate deflates 1 MiB of zeros into ~1 KB; after a sync
 * flush the output is byte-aligned, and once the window is all zeros every further MiB compresses
 * to the very same bytes, so that block is repeated instead of recomputed. (Test helper only.)
 */
import { Deflate } from 'fflate';
import { crc32 } from '../../formats/inflate';

const MIB = 1 << 20;

function collect(deflate: Deflate, parts: Uint8Array[], action: () => void): Uint8Array {
  const before = parts.length;
  action();
  return join(parts.slice(before));
}

export function join(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, c) => sum + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Raw deflate of `prefix` followed by `zeros` zero bytes (zeros may be gigabytes). */
export function deflateWithZeros(prefix: Uint8Array, zeros: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const deflate = new Deflate({ level: 9 }, (chunk) => parts.push(chunk));
  const out: Uint8Array[] = [];
  if (prefix.length) out.push(collect(deflate, parts, () => (deflate.push(prefix, false), deflate.flush(true))));
  const block = new Uint8Array(MIB);
  let left = zeros;
  let previous: Uint8Array | undefined;
  while (left >= MIB) {
    const next = collect(deflate, parts, () => (deflate.push(block, false), deflate.flush(true)));
    left -= MIB;
    out.push(next);
    if (previous && equal(previous, next)) {
      // Steady state: every further MiB of zeros is this block again.
      const repeats = Math.floor(left / MIB);
      for (let i = 0; i < repeats; i++) out.push(next);
      left -= repeats * MIB;
      break;
    }
    previous = next;
  }
  out.push(collect(deflate, parts, () => deflate.push(new Uint8Array(left), true)));
  return join(out);
}

const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/** zlib (PNG IDAT) wrapping; the Adler-32 of prefix + zeros is computed without the zeros. */
export function zlibWithZeros(prefix: Uint8Array, zeros: number): Uint8Array {
  let a = 1;
  let b = 0;
  for (const byte of prefix) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  // Each zero byte leaves a unchanged and adds a to b.
  b = (b + Number((BigInt(a) * BigInt(zeros)) % 65521n)) % 65521;
  const body = deflateWithZeros(prefix, zeros);
  const out = new Uint8Array(2 + body.length + 4);
  out.set([0x78, 0xda]);
  out.set(body, 2);
  new DataView(out.buffer).setUint32(2 + body.length, ((b << 16) | a) >>> 0);
  return out;
}

/**
 * gzip of prefix + zeros. The CRC is of the prefix only (computing it over gigabytes would cost
 * seconds): a reader that inflates to the end must refuse the member anyway.
 */
export function gzipWithZeros(prefix: Uint8Array, zeros: number): Uint8Array {
  const body = deflateWithZeros(prefix, zeros);
  const out = new Uint8Array(10 + body.length + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
  out.set(body, 10);
  const view = new DataView(out.buffer);
  view.setUint32(10 + body.length, crc32(prefix), true);
  view.setUint32(14 + body.length, (prefix.length + zeros) % 2 ** 32, true);
  return out;
}

export interface ZipInput {
  name: string;
  /** Deflated bytes (method 8) or stored bytes (method 0). */
  data: Uint8Array;
  method: 0 | 8;
  /** The uncompressed size the archive declares (may lie). */
  size: number;
  crc: number;
}

/** A zip archive of the given entries, sizes as declared (32-bit fields: < 4 GiB). */
export function writeZip(entries: readonly ZipInput[]): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = new TextEncoder().encode(entry.name);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, entry.method, true);
    lv.setUint32(14, entry.crc, true);
    lv.setUint32(18, entry.data.length, true);
    lv.setUint32(22, entry.size, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const central = new Uint8Array(46 + name.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, entry.method, true);
    cv.setUint32(16, entry.crc, true);
    cv.setUint32(20, entry.data.length, true);
    cv.setUint32(24, entry.size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    central.set(name, 46);
    locals.push(local, entry.data);
    centrals.push(central);
    offset += local.length + entry.data.length;
  }
  const directory = join(centrals);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, directory.length, true);
  ev.setUint32(16, offset, true);
  return join([...locals, directory, end]);
}

/**
 * A zip entry holding `prefix` then `zeros` zero bytes, deflated cheaply. Its CRC covers the
 * prefix only (the entry is a bomb meant to be refused before its end) unless `exactCrc`, which
 * costs a pass over the zeros.
 */
export function zipEntryWithZeros(name: string, prefix: Uint8Array, zeros: number, declaredSize = prefix.length + zeros, exactCrc = false): ZipInput {
  let crc = crc32(prefix);
  if (exactCrc) {
    const block = new Uint8Array(MIB);
    for (let left = zeros; left > 0; left -= MIB) crc = crc32(left >= MIB ? block : block.subarray(0, left), crc);
  }
  return { name, data: deflateWithZeros(prefix, zeros), method: 8, size: declaredSize, crc };
}
