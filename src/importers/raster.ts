/** PNG (8/16-bit, grey/RGB, with or without alpha, palette) and JPEG → IntensityImage in [0, 1]. */
import { decode as decodePngBytes } from 'fast-png';
import { decode as decodeJpegBytes } from 'jpeg-js';
import { checkPng } from './formats/pngChunks';
import { MAX_IMAGE_SIDE } from './limits';
import { ImportError, type IntensityImage } from './types';

export const isPng = (b: Uint8Array) => b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
export const isJpeg = (b: Uint8Array) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

function checkSize(width: number, height: number): void {
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) throw new ImportError(`image is ${width}x${height}, over the ${MAX_IMAGE_SIDE} px limit`);
  if (width < 1 || height < 1) throw new ImportError('image has no pixels');
}

export function decodePng(bytes: Uint8Array): IntensityImage {
  if (bytes.length < 24) throw new ImportError('PNG is truncated (no IHDR)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Size first, from IHDR, so a 40k-px PNG is refused without inflating anything.
  checkSize(view.getUint32(16), view.getUint32(20));
  const header = checkPng(bytes);
  let png;
  try {
    png = decodePngBytes(bytes);
  } catch (error) {
    throw new ImportError(`PNG could not be decoded (${(error as Error).message})`);
  }
  const { width, height, depth } = png;
  let channels = png.channels;
  let data: ArrayLike<number> = png.data;
  if (png.palette) {
    // Indexed colour: expand through the palette (RGB or RGBA entries).
    const rgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) {
      const entry = png.palette[png.data[i]];
      // An index past the table's end has no colour; the file is corrupt, not black there.
      if (!entry) throw new ImportError(`palette PNG uses colour ${png.data[i]} but its PLTE holds only ${header.paletteEntries} entries`);
      rgb[3 * i] = entry[0];
      rgb[3 * i + 1] = entry[1];
      rgb[3 * i + 2] = entry[2];
    }
    data = rgb;
    channels = 3;
  }
  const max = png.palette ? 255 : 2 ** depth - 1;
  const colour = channels >= 3;
  const outChannels: 1 | 3 = colour ? 3 : 1;
  const pixels = new Float32Array(width * height * outChannels);
  // Alpha is dropped: medical PNGs use it (if at all) as a constant, and compositing onto an
  // arbitrary background would invent intensities.
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < outChannels; c++) pixels[p * outChannels + c] = data[p * channels + c] / max;
  }
  const expected = width * height * channels;
  if (data.length < expected) throw new ImportError('PNG is truncated');
  return {
    width,
    height,
    channels: outChannels,
    pixels,
    meta: { format: 'png', width, height, bitsStored: depth, photometricInterpretation: colour ? 'RGB' : 'MONOCHROME2' },
  };
}

export function decodeJpeg(bytes: Uint8Array): IntensityImage {
  let decoded;
  try {
    decoded = decodeJpegBytes(bytes, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: 64, maxMemoryUsageInMB: 1024 });
  } catch (error) {
    throw new ImportError(`JPEG could not be decoded (${(error as Error).message})`);
  }
  const { width, height, data } = decoded;
  checkSize(width, height);
  const samples = data.length / (width * height);
  // jpeg-js returns greyscale as RGB; keep one channel when all three agree everywhere.
  let grey = samples === 1;
  if (samples === 3) {
    grey = true;
    for (let i = 0; i < data.length && grey; i += 3) grey = data[i] === data[i + 1] && data[i] === data[i + 2];
  }
  const channels: 1 | 3 = grey ? 1 : 3;
  const pixels = new Float32Array(width * height * channels);
  for (let p = 0; p < width * height; p++) for (let c = 0; c < channels; c++) pixels[p * channels + c] = data[p * samples + c] / 255;
  return { width, height, channels, pixels, meta: { format: 'jpeg', width, height, bitsStored: 8, photometricInterpretation: grey ? 'MONOCHROME2' : 'RGB' } };
}
