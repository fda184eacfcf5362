/**
 * Grey images as PNG data URLs, so a report holds its pictures inside the one HTML file (no
 * remote resource, nothing to lose when the file is mailed or printed). Pure: runs in Node tests.
 */
import { encode } from 'fast-png';

/** Tiles `count` images of size² grey pixels into one image, `cols` across, 2 px dark gutters. */
export function tileGrid(pixels: Uint8Array, count: number, size: number, cols: number): { data: Uint8Array; width: number; height: number } {
  const gap = 2;
  const c = Math.max(1, Math.min(cols, count));
  const rows = Math.max(1, Math.ceil(count / c));
  const width = c * size + (c - 1) * gap;
  const height = rows * size + (rows - 1) * gap;
  const data = new Uint8Array(width * height);
  for (let i = 0; i < count; i++) {
    const x0 = (i % c) * (size + gap);
    const y0 = Math.floor(i / c) * (size + gap);
    for (let y = 0; y < size; y++) data.set(pixels.subarray(i * size * size + y * size, i * size * size + (y + 1) * size), (y0 + y) * width + x0);
  }
  return { data, width, height };
}

export function pngDataUrl(image: { data: Uint8Array; width: number; height: number }): string {
  const bytes = encode({ width: image.width, height: image.height, data: image.data, channels: 1, depth: 8 });
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:image/png;base64,${btoa(binary)}`;
}

/** One image of a stack, as a PNG data URL. */
export const imageDataUrl = (pixels: Uint8Array, index: number, size: number) =>
  pngDataUrl({ data: pixels.subarray(index * size * size, (index + 1) * size * size), width: size, height: size });
