/**
 * One thread's share of a Winograd F(2×2, 3×3) convolution (./conv2dWinograd.ts): some images,
 * each taken a band of tile rows at a time so that the band's 16 transformed planes stay in the
 * core's cache: input transform → 16 GEMMs (plane ξ of V times plane ξ of U, by the direct 1×1
 * loops of ./convForwardSimd.ts) → output transform (./winogradTransformsSimd.ts).
 *
 * The bias rides on plane 5 (ξ = row 1, column 1): Aᵀ has a 1 in column 1 of both rows, so a
 * constant added to M[1, 1] reaches all four outputs of the tile, and the other planes' GEMMs
 * add zeros.
 */
import { convForwardLoops } from './convForwardSimd';
import { padImages, PADDING_KEYS } from './paddedImages';
import type { PaddingShare } from './paddedImages';
import { winogradTransforms } from './winogradTransformsSimd';

/** Where a share's data lie (bytes for addresses and sizes) and its geometry. */
export interface WinogradShare {
  /** Padded input of the share's first image (the share pads into it first where padding is set). */
  x: number;
  xImage: number;
  xRow: number;
  /** The filter's 16 planes U[ξ] = (G g Gᵀ)[ξ], each [Ci, Co], `uPlane` bytes apart. */
  u: number;
  uPlane: number;
  /** Co floats of bias (zeros where the conv has none) and Co zeros. */
  bias: number;
  zeros: number;
  /** y of the share's first image. */
  y: number;
  yImage: number;
  yRow: number;
  images: number;
  tilesHigh: number;
  tilesWide: number;
  /** Tile rows per band (the last band may have fewer). */
  bandRows: number;
  inChannels: number;
  outChannels: number;
  /** This share's scratch: V and M for planeTiles(bandRows · tilesWide) tiles, 16 planes each (M's `mPlane` bytes apart). */
  v: number;
  m: number;
  mPlane: number;
}

export const WINOGRAD_SHARE_KEYS = [
  'x', 'xImage', 'xRow', 'u', 'uPlane', 'bias', 'zeros', 'y', 'yImage', 'yRow', 'images', 'tilesHigh', 'tilesWide', 'bandRows',
  'inChannels', 'outChannels', 'v', 'm', 'mPlane',
] as const;

/** Tiles per plane: the GEMM makes 4 tiles at a time, so a band's planes are rounded up to 4. */
export function planeTiles(bandTiles: number): number {
  return Math.ceil(bandTiles / 4) * 4;
}

/** The task arguments: the share, then (optionally) how it pads its images into share.x. */
export function winogradShareArgs(share: WinogradShare, padding: PaddingShare | null): number[] {
  return [...WINOGRAD_SHARE_KEYS.map((k) => share[k]), ...(padding ? PADDING_KEYS.map((k) => padding[k]) : [])];
}

/** Runs a share described by winogradShareArgs on `memory` (throws where the engine lacks SIMD). */
export function runWinogradShare(memory: WebAssembly.Memory, relaxed: boolean, args: ArrayLike<number>): void {
  const s = Object.fromEntries(WINOGRAD_SHARE_KEYS.map((k, i) => [k, args[i]])) as unknown as WinogradShare;
  const ciBytes = s.inChannels * 4;
  const coBytes = s.outChannels * 4;
  const transforms = winogradTransforms(memory);
  // The GEMM's "pixels" are tiles, 16 · Ci floats apart in V.
  const gemm = convForwardLoops(memory, relaxed, 16 * ciBytes);
  if (!transforms || !gemm) throw new Error('src/compute/wasm/winogradShare.ts: no SIMD Winograd loops on this engine');
  if (args.length > WINOGRAD_SHARE_KEYS.length) {
    const base = WINOGRAD_SHARE_KEYS.length;
    const padding = Object.fromEntries(PADDING_KEYS.map((k, i) => [k, args[base + i]])) as unknown as PaddingShare;
    padImages(memory, padding, s.x, s.images);
  }
  const multiply = s.outChannels % 8 === 0 ? gemm.conv8 : gemm.conv4;
  // V [tile, ξ, Ci]; M [ξ, tile, Co] (see ./winogradTransformsSimd.ts).
  const vTile = 16 * ciBytes;
  for (let n = 0; n < s.images; n++) {
    for (let row = 0; row < s.tilesHigh; row += s.bandRows) {
      const rows = Math.min(s.bandRows, s.tilesHigh - row);
      const blocks = Math.ceil((rows * s.tilesWide) / 4);
      transforms.inputTiles(s.x + n * s.xImage + 2 * row * s.xRow, s.v, rows, s.tilesWide, s.xRow, ciBytes, ciBytes, vTile);
      for (let plane = 0; plane < 16; plane++) {
        // A 1×1 convolution of `blocks` · 4 tiles: one output row, one filter row of Ci taps.
        multiply(s.v + plane * ciBytes, s.u + plane * s.uPlane, plane === 5 ? s.bias : s.zeros, s.m + plane * s.mPlane,
          1, 0, 0, 1, blocks, coBytes, 0, 0, 1, ciBytes, 0);
      }
      transforms.outputTiles(s.m, s.y + n * s.yImage + 2 * row * s.yRow, rows, s.tilesWide, s.yRow, coBytes, s.mPlane, coBytes);
    }
  }
}
