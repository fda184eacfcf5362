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
import { filterGradLoops } from './convFilterGradSimd';
import { convForwardLoops } from './convForwardSimd';
import { padImages, PADDING_KEYS } from './paddedImages';
import type { PaddingShare } from './paddedImages';
import { winogradTransforms } from './winogradTransformsSimd';

/** What both kinds of share have: the padded input's tiles, band by band (bytes for addresses and sizes). */
interface TiledInput {
  /** Padded input of the share's first image (the share pads into it first where padding is set). */
  x: number;
  xImage: number;
  xRow: number;
  images: number;
  tilesHigh: number;
  tilesWide: number;
  /** Tile rows per band (the last band may have fewer). */
  bandRows: number;
  inChannels: number;
  outChannels: number;
  /** Scratch for the band's transformed input V [tile, ξ, Ci], planeTiles(bandRows · tilesWide) tiles. */
  v: number;
}

/** Where a share's data lie and its geometry. */
export interface WinogradShare extends TiledInput {
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
  /** Scratch for the band's GEMM results M [ξ, tile, Co], planes `mPlane` bytes apart. */
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

/** A share's task arguments: its numbers in `keys` order, then (optionally) how it pads its images into x. */
function shareArgs<S extends TiledInput>(keys: readonly (keyof S)[], share: S, padding: PaddingShare | null): number[] {
  return [...keys.map((k) => share[k] as number), ...(padding ? PADDING_KEYS.map((k) => padding[k]) : [])];
}

/**
 * The share's numbers back from its task arguments; where padding follows them, its images are
 * padded into share.x first (this thread's part of the copy).
 */
function decodeAndPad<S extends TiledInput>(memory: WebAssembly.Memory, keys: readonly (keyof S)[], args: ArrayLike<number>): S {
  const share = Object.fromEntries(keys.map((k, i) => [k, args[i]])) as unknown as S;
  if (args.length > keys.length) {
    const padding = Object.fromEntries(PADDING_KEYS.map((k, i) => [k, args[keys.length + i]])) as unknown as PaddingShare;
    padImages(memory, padding, share.x, share.images);
  }
  return share;
}

function noLoops(): never {
  throw new Error('src/compute/wasm/winogradShare.ts: no SIMD Winograd loops on this engine');
}

export function winogradShareArgs(share: WinogradShare, padding: PaddingShare | null): number[] {
  return shareArgs(WINOGRAD_SHARE_KEYS, share, padding);
}

/** Runs a share described by winogradShareArgs on `memory` (throws where the engine lacks SIMD). */
export function runWinogradShare(memory: WebAssembly.Memory, relaxed: boolean, args: ArrayLike<number>): void {
  const transforms = winogradTransforms(memory) ?? noLoops();
  const s = decodeAndPad<WinogradShare>(memory, WINOGRAD_SHARE_KEYS, args);
  const ciBytes = s.inChannels * 4;
  const coBytes = s.outChannels * 4;
  // The GEMM's "pixels" are tiles, 16 · Ci floats apart in V.
  const gemm = convForwardLoops(memory, relaxed, 16 * ciBytes) ?? noLoops();
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

/**
 * One thread's share of a Winograd filter gradient (./conv2dWinogradFilterGrad.ts): for some
 * images, dU[ξ] += Σ_tiles V[ξ, t]ᵀ G[ξ, t], V the input tiles transformed as in the forward pass
 * and G = A e Aᵀ the output gradient's 2×2 tiles transformed; each product is a 1×1 filter gradient
 * over the band's tiles, by the direct loops of ./convFilterGradSimd.ts.
 */
export interface WinogradFilterGradShare extends TiledInput {
  /** dy of the share's first image. */
  dy: number;
  dyImage: number;
  dyRow: number;
  /** Scratch for the band's transformed dy G [ξ, tile, Co], planes `gPlane` bytes apart. */
  g: number;
  gPlane: number;
  /** This share's dU, 16 planes of [Ci, Co] `uPlane` bytes apart, zeroed by the caller and added into. */
  du: number;
  uPlane: number;
  /** 3 int32 of scratch: the loop's one-entry table (offsets 0 and the band's tile count). */
  table: number;
}

export const WINOGRAD_FILTER_GRAD_SHARE_KEYS = [
  'x', 'xImage', 'xRow', 'dy', 'dyImage', 'dyRow', 'images', 'tilesHigh', 'tilesWide', 'bandRows', 'inChannels', 'outChannels',
  'v', 'g', 'gPlane', 'du', 'uPlane', 'table',
] as const;

export function winogradFilterGradShareArgs(share: WinogradFilterGradShare, padding: PaddingShare | null): number[] {
  return shareArgs(WINOGRAD_FILTER_GRAD_SHARE_KEYS, share, padding);
}

/** Runs a share described by winogradFilterGradShareArgs on `memory` (throws where the engine lacks SIMD). */
export function runWinogradFilterGradShare(memory: WebAssembly.Memory, relaxed: boolean, args: ArrayLike<number>): void {
  const transforms = winogradTransforms(memory) ?? noLoops();
  const loops = filterGradLoops(memory, relaxed) ?? noLoops();
  const s = decodeAndPad<WinogradFilterGradShare>(memory, WINOGRAD_FILTER_GRAD_SHARE_KEYS, args);
  const ciBytes = s.inChannels * 4;
  const coBytes = s.outChannels * 4;
  const accumulate = coBytes % 32 === 0 ? loops.filterGrad8 : loops.filterGrad4;
  const vTile = 16 * ciBytes;
  for (let n = 0; n < s.images; n++) {
    for (let row = 0; row < s.tilesHigh; row += s.bandRows) {
      const rows = Math.min(s.bandRows, s.tilesHigh - row);
      transforms.inputTiles(s.x + n * s.xImage + 2 * row * s.xRow, s.v, rows, s.tilesWide, s.xRow, ciBytes, ciBytes, vTile);
      transforms.gradTiles(s.dy + n * s.dyImage + 2 * row * s.dyRow, s.g, rows, s.tilesWide, s.dyRow, coBytes, s.gPlane, coBytes);
      // The loop's table (one "kw"): V and G from their starts, over all of the band's tiles.
      new Int32Array(memory.buffer, s.table, 3).set([0, 0, rows * s.tilesWide]);
      for (let plane = 0; plane < 16; plane++) {
        accumulate(s.v + plane * ciBytes, s.g + plane * s.gPlane, s.du + plane * s.uPlane, s.table, 1, ciBytes, coBytes, 1, 0, 0, vTile);
      }
    }
  }
}
