/**
 * Decompression with a ceiling. fflate's one-shot functions grow their output for as long as the
 * stream goes on, so a few megabytes of deflated zeros become gigabytes before anyone can look.
 * These stream the input in small slices and stop the moment the output passes the cap, so a
 * decompression bomb costs at most `cap` bytes (plus one slice's output) before it is refused.
 */
import { Gunzip, Inflate, Unzlib } from 'fflate';
import { formatBytes, MAX_INFLATED_BYTES } from '../limits';
import { ImportError } from '../types';
import { errorMessage } from '../../core/errorMessage';

/** Compressed bytes handed to the decoder per step: 16 KiB of deflate inflates to at most ~17 MB. */
const SLICE = 16 * 1024;

export type Compression = 'deflate' | 'zlib' | 'gzip';

export interface InflateOptions {
  /** Largest output accepted; defaults to MAX_INFLATED_BYTES. */
  cap?: number;
  /** What is being inflated, for messages ("the .nii.gz", "zip entry train_images.npy"). */
  what: string;
  /** Stop quietly once this many bytes are out (reading a header); the result is then a prefix. */
  prefix?: number;
}

class Enough extends Error {}

/** Inflate `input` or refuse with an ImportError naming `what` and the cap. */
export function inflateCapped(input: Uint8Array, format: Compression, options: InflateOptions): Uint8Array {
  const cap = Math.min(options.cap ?? MAX_INFLATED_BYTES, MAX_INFLATED_BYTES);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const ondata = (chunk: Uint8Array, final: boolean) => {
    chunks.push(chunk);
    total += chunk.length;
    if (final) ended = true;
    if (options.prefix !== undefined && total >= options.prefix) throw new Enough();
    if (total > cap) {
      throw new ImportError(`${options.what} inflates to more than ${formatBytes(cap)} (the import's limit for one stream; a decompression bomb or a corrupt file)`);
    }
  };
  const stream = format === 'deflate' ? new Inflate(ondata) : format === 'zlib' ? new Unzlib(ondata) : new Gunzip(ondata);
  try {
    for (let at = 0; at < input.length && !ended; at += SLICE) stream.push(input.subarray(at, at + SLICE), at + SLICE >= input.length);
  } catch (error) {
    if (error instanceof ImportError) throw error;
    if (!(error instanceof Enough)) throw new ImportError(`${options.what} could not be decompressed (${errorMessage(error)})`);
    ended = true;
  }
  if (!ended && options.prefix === undefined) throw new ImportError(`${options.what} is truncated (the compressed stream ends early)`);
  return concat(chunks, total);
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE, as gzip and zip use it). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

export const isGzip = (b: Uint8Array) => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;

/**
 * A whole .gz member, checked against its trailer: fflate does not verify the CRC, and a flipped
 * byte in the deflated data can inflate "successfully" to different voxels.
 */
export function gunzipChecked(input: Uint8Array, what: string): Uint8Array {
  const out = inflateCapped(input, 'gzip', { what });
  if (input.length >= 18) {
    const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
    const expectedCrc = view.getUint32(input.length - 8, true);
    const expectedSize = view.getUint32(input.length - 4, true);
    if (expectedSize !== out.length % 2 ** 32 || crc32(out) !== expectedCrc) throw new ImportError(`${what} fails its gzip CRC/size check (the compressed data is corrupt)`);
  }
  return out;
}
