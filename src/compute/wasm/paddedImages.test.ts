import { describe, expect, it } from 'vitest';
import { padImages } from './paddedImages';
import type { PaddingShare } from './paddedImages';

/** The padded buffer as a plain loop would fill it: zeros, then x[n, r − padTop, c − padLeft, ch] where that exists. */
function reference(x: Float32Array, images: number, p: Omit<PaddingShare, 'source'>): Float32Array {
  const out = new Float32Array(images * p.paddedHeight * p.paddedWidth * p.channels);
  for (let n = 0; n < images; n++) {
    for (let r = 0; r < p.paddedHeight; r++) {
      for (let c = 0; c < p.paddedWidth; c++) {
        const sr = r - p.padTop;
        const sc = c - p.padLeft;
        if (sr < 0 || sr >= p.height || sc < 0 || sc >= p.width) continue;
        for (let ch = 0; ch < p.channels; ch++) {
          out[((n * p.paddedHeight + r) * p.paddedWidth + c) * p.channels + ch] = x[((n * p.height + sr) * p.width + sc) * p.channels + ch];
        }
      }
    }
  }
  return out;
}

describe('padImages (a conv share pads its own images)', () => {
  const geometries: [string, Omit<PaddingShare, 'source'>][] = [
    ['same padding of a 3×3 conv', { height: 5, width: 6, channels: 3, paddedHeight: 7, paddedWidth: 8, padTop: 1, padLeft: 1 }],
    ['padding after only (stride 2, "same")', { height: 4, width: 4, channels: 2, paddedHeight: 5, paddedWidth: 5, padTop: 0, padLeft: 0 }],
    ['negative padding (a transposed conv phase crops dy)', { height: 6, width: 5, channels: 2, paddedHeight: 4, paddedWidth: 4, padTop: -1, padLeft: -1 }],
    ['a row widened past the input (zero columns on the right)', { height: 3, width: 3, channels: 4, paddedHeight: 5, paddedWidth: 9, padTop: 1, padLeft: 2 }],
  ];
  for (const [what, geometry] of geometries) {
    it(`matches a plain loop for images 1–2 of 3: ${what}`, () => {
      const memory = new WebAssembly.Memory({ initial: 1 });
      const imageFloats = geometry.height * geometry.width * geometry.channels;
      const paddedFloats = geometry.paddedHeight * geometry.paddedWidth * geometry.channels;
      const x = new Float32Array(memory.buffer, 0, 3 * imageFloats);
      for (let i = 0; i < x.length; i++) x[i] = i + 1;
      const target = 4 * 4096;
      // Stale values where the border goes: padImages must zero them, not rely on a fresh buffer.
      new Float32Array(memory.buffer, target, 3 * paddedFloats).fill(-7);
      // The second share of a split: images 1 and 2, written after image 0's padded slot.
      padImages(memory, { ...geometry, source: imageFloats * 4 }, target + paddedFloats * 4, 2);
      const got = new Float32Array(memory.buffer, target + paddedFloats * 4, 2 * paddedFloats);
      expect(Array.from(got)).toEqual(Array.from(reference(x.subarray(imageFloats), 2, geometry)));
      // Image 0's slot belongs to the other share: untouched.
      expect(new Float32Array(memory.buffer, target, paddedFloats).every((v) => v === -7)).toBe(true);
    });
  }
});
