/**
 * A PNG's chunk structure, read before the decoder sees the file. fast-png inflates the image
 * data without a ceiling and quietly decodes a palette image that has no palette (as grey), so
 * both are checked here: the image data may inflate only to what IHDR's size needs, and a palette
 * image must carry its PLTE.
 */
import { formatBytes } from '../limits';
import { ImportError } from '../types';
import { inflateCapped } from './inflate';

export interface PngHeader {
  width: number;
  height: number;
  depth: number;
  colourType: number;
  interlaced: boolean;
  /** Entries in PLTE (0 when there is none). */
  paletteEntries: number;
}

const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Walk the chunks: IHDR's fields, the PLTE size, and the concatenated IDAT bytes. */
function walk(bytes: Uint8Array): { header: PngHeader; idat: Uint8Array[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 33 || view.getUint32(12) !== 0x49484452) throw new ImportError('PNG is truncated (no IHDR)');
  const header: PngHeader = {
    width: view.getUint32(16),
    height: view.getUint32(20),
    depth: bytes[24],
    colourType: bytes[25],
    interlaced: bytes[28] === 1,
    paletteEntries: 0,
  };
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]);
    if (at + 12 + length > bytes.length) break; // truncated: the decoder reports it
    if (type === 'PLTE') header.paletteEntries = Math.floor(length / 3);
    if (type === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + length));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  return { header, idat };
}

/** Bytes of filtered scanlines IHDR's size needs (with room for Adam7's per-pass rounding). */
export function pngRawBytes(header: PngHeader): number {
  const samples = SAMPLES[header.colourType];
  if (!samples || ![1, 2, 4, 8, 16].includes(header.depth)) throw new ImportError(`PNG has an invalid colour type ${header.colourType} / bit depth ${header.depth}`);
  const rowBytes = Math.ceil((header.width * samples * header.depth) / 8);
  const plain = header.height * (1 + rowBytes);
  // Adam7 splits each row into up to 7 passes, each with its own filter byte and rounding.
  return header.interlaced ? plain + 14 * header.height + 64 : plain;
}

/**
 * The header, once the image data has been inflated under the size IHDR needs (so a 1×1 PNG whose
 * IDAT inflates to gigabytes stops after a few bytes) and a palette image was found to have PLTE.
 */
export function checkPng(bytes: Uint8Array): PngHeader {
  const { header, idat } = walk(bytes);
  const need = pngRawBytes(header);
  if (header.colourType === 3 && header.paletteEntries === 0) throw new ImportError('palette PNG without its PLTE palette (colours unknown)');
  const total = idat.reduce((sum, chunk) => sum + chunk.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const chunk of idat) {
    joined.set(chunk, at);
    at += chunk.length;
  }
  try {
    inflateCapped(joined, 'zlib', { what: 'the PNG image data', cap: need });
  } catch (error) {
    if (error instanceof ImportError && /inflates to more/.test(error.message)) {
      throw new ImportError(`PNG image data inflates past the ${formatBytes(need)} a ${header.width}x${header.height} image needs (a decompression bomb or a corrupt file)`);
    }
    throw error;
  }
  return header;
}
