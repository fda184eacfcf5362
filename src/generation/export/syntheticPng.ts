/** One synthetic image as a PNG that says what it is: tEXt chunks `Software`, `Synthetic` = `true`, model, step, seed and class (syntheticMark.ts). */
import { encode } from 'fast-png';
import { pngTextEntries, syntheticFileBase, type ImageMark } from './syntheticMark';

export interface MarkedImage {
  /** size × size × channels bytes, 0..255. */
  pixels: Uint8Array;
  size: number;
  channels: 1 | 3;
  mark: ImageMark;
}

export function syntheticPngName(mark: ImageMark): string {
  return `${syntheticFileBase(mark)}.png`;
}

export function encodeSyntheticPng(image: MarkedImage): Uint8Array {
  return encode({ width: image.size, height: image.size, data: image.pixels, channels: image.channels, depth: 8, text: pngTextEntries(image.mark) });
}
