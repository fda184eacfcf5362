/**
 * 3×3 stride-1 convolutions by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray 2016,
 * "Fast Algorithms for Convolutional Neural Networks"): each 2×2 block of outputs costs 16
 * multiply-adds per (Ci, Co) pair instead of 36, at the price of additions-only transforms of the
 * input tiles and of the results. The direct loops of ./convForwardSimd.ts already run near what
 * 128-bit SIMD gives one core, so fewer multiplies was the way left to speed up the U-Net's 3×3
 * convolutions (forward, and the input gradient, which is a 3×3 stride-1 convolution too).
 *
 * The filter is transformed here, on the calling thread (U = G g Gᵀ, 16 planes of [Ci, Co]);
 * the images are split across the helper threads (./simdHelpers.ts) and each share pads,
 * transforms, multiplies and transforms back its own images (./winogradShare.ts).
 *
 * F(2×2, 3×3) stays close to the direct sum in float32 (its transforms' entries are 0, ±1, ±½);
 * the larger tiles of F(4×4, 3×3) would save more multiplies but lose about a decimal digit.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { DirectConvGeometry } from './convGeometry';
import { convForwardFor } from './convForwardSimd';
import { runConvTask, TASK_WINOGRAD } from './convTasks';
import type { ConvTask } from './convTasks';
import { heapMemory } from './groupNormSiluKernel';
import { imageShares, MIN_SHARED_FLOPS, readyHelpers, runShared } from './simdHelpers';
import { planeTiles, winogradShareArgs } from './winogradShare';
import type { WinogradShare } from './winogradShare';
import { winogradTransforms } from './winogradTransformsSimd';
import { heapOffset } from './wasmHeap';
import type { WasmAllocator } from './wasmHeap';

type Shape4D = [number, number, number, number];

/**
 * Floats added to the stride between planes of U and M: planes a multiple of 4 KB apart made
 * every access alias in the L1 cache (the filter transform of a 64 → 32 filter took 5× as long).
 */
export const PLANE_SKEW_FLOATS = 16;

/** Bytes of V and M planes a band may fill (both together): well inside a core's L2 (1–2 MB). */
const BAND_BYTES = 64 * 1024;

let enabled = true;
/** For A/B benches and tests: false sends every convolution and filter gradient to the direct loops. */
export function setWinogradConv(on: boolean): void {
  enabled = on;
}
export function winogradEnabled(): boolean {
  return enabled;
}

/** Tile rows per band, and the tiles a band's planes hold, for a layer of this size and these channels. */
export function winogradBands(tilesHigh: number, tilesWide: number, inChannels: number, outChannels: number): { bandRows: number; tiles: number } {
  const bandTiles = Math.max(4, Math.floor(BAND_BYTES / (16 * 4 * (inChannels + outChannels))));
  const bandRows = Math.min(tilesHigh, Math.max(1, Math.ceil(bandTiles / tilesWide)));
  return { bandRows, tiles: planeTiles(bandRows * tilesWide) };
}

/** Whether a conv of this filter shape [KH, KW, Ci, Co] and geometry can run as F(2×2, 3×3) tiles. */
export function winogradFits(filterShape: readonly number[], g: DirectConvGeometry): boolean {
  const [filterHeight, filterWidth, inChannels, outChannels] = filterShape;
  return filterHeight === 3 && filterWidth === 3 && g.strideHeight === 1 && g.strideWidth === 1
    && g.outHeight % 2 === 0 && g.outWidth % 2 === 0 && g.outHeight > 0 && g.outWidth > 0
    && inChannels % 4 === 0 && outChannels % 4 === 0;
}

/** Whether a conv of this input, filter and geometry can run as F(2×2, 3×3) tiles. */
export function winogradApplies(x: TensorInfo, filter: TensorInfo, g: DirectConvGeometry): boolean {
  return x.dtype === 'float32' && filter.dtype === 'float32' && x.shape.length === 4 && x.shape[3] === filter.shape[2]
    && winogradFits(filter.shape, g);
}

/**
 * Whether the GEMMs run relaxed-SIMD loops, for `inChannels` on this heap; null where Winograd is
 * switched off or the engine lacks the loops (the mode of setConvSimdMode applies, as for the direct loops).
 */
export function winogradRelaxed(memory: WebAssembly.Memory, inChannels: number): boolean | null {
  if (!enabled || !winogradTransforms(memory)) return null;
  return convForwardFor(memory, 16 * inChannels * 4)?.relaxed ?? null;
}

/** Where a Winograd convolution's operands lie on the heap (bytes) and their shapes. */
export interface WinogradOperands {
  /** x [images, inHeight, inWidth, inChannels]. */
  x: number;
  images: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  /** [3, 3, inChannels, outChannels]. */
  filter: number;
  /** outChannels floats, or 0 for no bias. */
  bias: number;
  /** y [images, g.outHeight, g.outWidth, outChannels]. */
  y: number;
  outChannels: number;
}

/**
 * U[ξ, ci, co] = (G g Gᵀ)[ξ] for filter g [3, 3, Ci, Co] (HWIO), written at `target`, plane ξ at
 * ξ · `plane` floats (plane ≥ pairs = Ci · Co):
 *   G = | 1    0    0  |
 *       | ½    ½    ½  |
 *       | ½   −½    ½  |
 *       | 0    0    1  |
 */
export function transformFilter(source: Float32Array, target: Float32Array, pairs: number, plane = pairs): void {
  for (let k = 0; k < pairs; k++) {
    const g00 = source[k], g01 = source[pairs + k], g02 = source[2 * pairs + k];
    const g10 = source[3 * pairs + k], g11 = source[4 * pairs + k], g12 = source[5 * pairs + k];
    const g20 = source[6 * pairs + k], g21 = source[7 * pairs + k], g22 = source[8 * pairs + k];
    // Rows of G g (4 × 3), each then times Gᵀ (3 → 4 columns); scalars only (arrays per pair
    // made this 5× slower).
    const r10 = 0.5 * (g00 + g10 + g20), r11 = 0.5 * (g01 + g11 + g21), r12 = 0.5 * (g02 + g12 + g22);
    const r20 = 0.5 * (g00 - g10 + g20), r21 = 0.5 * (g01 - g11 + g21), r22 = 0.5 * (g02 - g12 + g22);
    row(target, plane, k, 0, g00, g01, g02);
    row(target, plane, k, 1, r10, r11, r12);
    row(target, plane, k, 2, r20, r21, r22);
    row(target, plane, k, 3, g20, g21, g22);
  }
}

/** Row i of U for pair k: (a, b, c) times Gᵀ. */
function row(target: Float32Array, plane: number, k: number, i: number, a: number, b: number, c: number): void {
  const at = 4 * i * plane + k;
  target[at] = a;
  target[at + plane] = 0.5 * (a + b + c);
  target[at + 2 * plane] = 0.5 * (a - b + c);
  target[at + 3 * plane] = c;
}

/**
 * y = conv(x, filter) + bias for a 3×3 filter at stride 1 by F(2×2, 3×3), or null where it does not
 * apply (see winogradApplies) or is switched off; the caller then runs the direct loops.
 */
export function winogradConv2d(
  backend: BackendWasm, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | null, g: DirectConvGeometry,
): TensorInfo | null {
  const memory = heapMemory(backend.wasm);
  if (!memory || !winogradApplies(x, filter, g)) return null;
  const [images, inHeight, inWidth, inChannels] = x.shape as Shape4D;
  const relaxed = winogradRelaxed(memory, inChannels);
  if (relaxed === null) return null;
  const outChannels = filter.shape[3];
  const y = backend.makeOutput([images, g.outHeight, g.outWidth, outChannels], 'float32');
  winogradConvAt(backend, {
    x: heapOffset(backend, x), images, inHeight, inWidth, inChannels, filter: heapOffset(backend, filter),
    bias: bias === null ? 0 : heapOffset(backend, bias), y: heapOffset(backend, y), outChannels,
  }, g, relaxed);
  return y;
}

/**
 * The convolution of `o` by F(2×2, 3×3), where winogradFits and winogradRelaxed allow it; also for
 * ./conv2dDirect.ts's filters widened to a multiple of 4 out-channels (the U-Net's 1-channel output).
 */
export function winogradConvAt(backend: BackendWasm, o: WinogradOperands, g: DirectConvGeometry, relaxed: boolean): void {
  const { images, inHeight, inWidth, inChannels, outChannels } = o;
  if (images === 0) return; // an empty batch: y is empty too, and there is no share to run
  const memory = heapMemory(backend.wasm)!;
  const paddedHeight = g.outHeight + 2;
  const paddedWidth = g.outWidth + 2;
  const inPlace = g.padTop === 0 && g.padLeft === 0 && paddedHeight === inHeight && paddedWidth === inWidth;
  const tilesHigh = g.outHeight / 2;
  const tilesWide = g.outWidth / 2;
  const { bandRows, tiles } = winogradBands(tilesHigh, tilesWide, inChannels, outChannels);
  const vFloats = 16 * tiles * inChannels;
  const scratchFloats = vFloats + 16 * (tiles * outChannels + PLANE_SKEW_FLOATS);

  const flops = 2 * images * g.outHeight * g.outWidth * 9 * inChannels * outChannels;
  const team = flops >= MIN_SHARED_FLOPS ? readyHelpers(memory) : [];
  const parts = Math.min(team.length + 1, images);

  const module = backend.wasm as unknown as WasmAllocator;
  const pairs = inChannels * outChannels;
  const uPlane = pairs + PLANE_SKEW_FLOATS;
  const padded = inPlace ? 0 : module._malloc(images * paddedHeight * paddedWidth * inChannels * 4);
  const u = module._malloc(16 * uPlane * 4);
  const constants = module._malloc(2 * outChannels * 4); // bias, then zeros
  const scratch = module._malloc(parts * scratchFloats * 4);
  try {
    // Views after the allocations (which may grow, and so detach, the heap).
    const heap = memory.buffer;
    transformFilter(new Float32Array(heap, o.filter, 9 * pairs), new Float32Array(heap, u, 16 * uPlane), pairs, uPlane);
    const biasAndZeros = new Float32Array(heap, constants, 2 * outChannels).fill(0);
    if (o.bias !== 0) biasAndZeros.set(new Float32Array(heap, o.bias, outChannels));

    const xRow = paddedWidth * inChannels * 4;
    const xImage = paddedHeight * xRow;
    const yRow = g.outWidth * outChannels * 4;
    const yImage = g.outHeight * yRow;
    const xFrom = inPlace ? o.x : padded;
    const imageBytes = inHeight * inWidth * inChannels * 4;
    const task = ([first, count]: [number, number], part: number): ConvTask => {
      const share: WinogradShare = {
        x: xFrom + first * xImage, xImage, xRow, u, uPlane: uPlane * 4, bias: constants, zeros: constants + outChannels * 4,
        y: o.y + first * yImage, yImage, yRow, images: count, tilesHigh, tilesWide, bandRows,
        inChannels, outChannels,
        v: scratch + part * scratchFloats * 4, m: scratch + (part * scratchFloats + vFloats) * 4,
        mPlane: (tiles * outChannels + PLANE_SKEW_FLOATS) * 4,
      };
      const padding = inPlace ? null : {
        source: o.x + first * imageBytes, height: inHeight, width: inWidth, channels: inChannels,
        paddedHeight, paddedWidth, padTop: g.padTop, padLeft: g.padLeft,
      };
      return { kind: TASK_WINOGRAD, relaxed, args: winogradShareArgs(share, padding) };
    };
    const tasks = imageShares(images, parts).map(task);
    if (tasks.length > 1) runShared(memory, team, tasks);
    else runConvTask(memory, tasks[0].kind, tasks[0].relaxed, tasks[0].args);
  } finally {
    for (const pointer of [padded, u, constants, scratch]) if (pointer !== 0) module._free(pointer);
  }
}
