/**
 * DICOM RLE Lossless (PS3.5 Annex G). No maintained npm decoder fits a worker without pulling in a
 * whole viewer, and the format is small: a 64-byte header of segment offsets, then one PackBits
 * segment per byte plane (most significant byte first, sample by sample).
 */
import { ImportError } from '../types';

function decodePackBitsSegment(src: Uint8Array, start: number, end: number, out: Uint8Array): void {
  let i = start;
  let o = 0;
  while (i < end && o < out.length) {
    const n = (src[i++] << 24) >> 24; // signed byte
    if (n >= 0) {
      const count = n + 1;
      if (i + count > end) throw new ImportError('RLE segment is truncated');
      out.set(src.subarray(i, i + Math.min(count, out.length - o)), o);
      i += count;
      o += count;
    } else if (n !== -128) {
      const count = 1 - n;
      const value = src[i++];
      out.fill(value, o, Math.min(o + count, out.length));
      o += count;
    }
  }
  if (o < out.length) throw new ImportError(`RLE segment decoded ${o} of ${out.length} bytes`);
}

/**
 * Decode one RLE frame into little-endian interleaved bytes (the same layout as native
 * Explicit VR Little Endian pixel data with planar configuration 0).
 */
export function decodeRleFrame(frame: Uint8Array, rows: number, columns: number, samplesPerPixel: number, bitsAllocated: number): Uint8Array {
  if (frame.length < 64) throw new ImportError('RLE frame shorter than its 64-byte header');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segmentCount = view.getUint32(0, true);
  const bytesPerSample = bitsAllocated / 8;
  if (segmentCount !== samplesPerPixel * bytesPerSample) {
    throw new ImportError(`RLE frame has ${segmentCount} segments, expected ${samplesPerPixel * bytesPerSample}`);
  }
  const pixelCount = rows * columns;
  const out = new Uint8Array(pixelCount * samplesPerPixel * bytesPerSample);
  const plane = new Uint8Array(pixelCount);
  for (let s = 0; s < segmentCount; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segmentCount ? view.getUint32(8 + 4 * s, true) : frame.length;
    decodePackBitsSegment(frame, start, end, plane);
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample); // segment 0 is the MSB
    const stride = samplesPerPixel * bytesPerSample;
    let o = sample * bytesPerSample + byteInSample;
    for (let p = 0; p < pixelCount; p++, o += stride) out[o] = plane[p];
  }
  return out;
}
