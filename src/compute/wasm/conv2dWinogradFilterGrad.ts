/**
 * The filter gradient of a 3×3 stride-1 convolution by Winograd's F(2×2, 3×3), the forward pass of
 * ./conv2dWinograd.ts turned around. With y_t = Aᵀ [Σ_ci U ⊙ V_t] A per 2×2 output tile t:
 *
 *   dU[ξ, ci, co] = Σ_t V_t[ξ, ci] · (A dy_t Aᵀ)[ξ, co]        dW = Gᵀ dU G   (per ci, co)
 *
 * so each of the 16 planes is a [Ci, Co] sum of outer products over the tiles, 16 multiply-adds per
 * tile and channel pair where the direct loops spend 36. The images are split across the helper
 * threads, each into a dU of its own (./winogradShare.ts); the caller sums them and transforms
 * dU to dW.
 */
import type { backend_util, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { PLANE_SKEW_FLOATS, winogradBands, winogradEnabled } from './conv2dWinograd';
import { filterGradLoops } from './convFilterGradSimd';
import { runConvTask, TASK_WINOGRAD_FILTER_GRAD } from './convTasks';
import type { ConvTask } from './convTasks';
import { heapMemory } from './groupNormSiluKernel';
import { imageShares, MIN_SHARED_FLOPS, readyHelpers, runShared } from './simdHelpers';
import { winogradFilterGradShareArgs } from './winogradShare';
import { winogradTransforms } from './winogradTransformsSimd';
import { heapOffset } from './wasmHeap';
import type { WasmAllocator } from './wasmHeap';

/** Whether the filter gradient of this convolution can run as F(2×2, 3×3) tiles. */
export function winogradFilterGradApplies(info: backend_util.Conv2DInfo): boolean {
  return info.filterHeight === 3 && info.filterWidth === 3 && info.strideHeight === 1 && info.strideWidth === 1
    && info.dilationHeight === 1 && info.dilationWidth === 1 && info.outHeight % 2 === 0 && info.outWidth % 2 === 0
    && info.outHeight > 0 && info.outWidth > 0 && info.inChannels % 4 === 0 && info.outChannels % 4 === 0;
}

/**
 * dW[kh, kw, ci, co] = (Gᵀ dU G)[kh, kw] for one (ci, co) pair k, from dU's 16 planes (`plane`
 * floats apart) into `target` [3, 3, Ci, Co]:
 *   Gᵀ = | 1  ½   ½  0 |
 *        | 0  ½  −½  0 |
 *        | 0  ½   ½  1 |
 */
export function transformFilterGradient(du: Float32Array, target: Float32Array, pairs: number, plane = pairs): void {
  for (let k = 0; k < pairs; k++) {
    // Row i of dU · G (4 × 3): (a + (b + c)/2, (b − c)/2, (b + c)/2 + d) of dU's row (a, b, c, d).
    // Scalars only: arrays per pair made this 4× slower.
    const r0 = k, r1 = 4 * plane + k, r2 = 8 * plane + k, r3 = 12 * plane + k;
    const h00 = du[r0] + 0.5 * (du[r0 + plane] + du[r0 + 2 * plane]), h01 = 0.5 * (du[r0 + plane] - du[r0 + 2 * plane]);
    const h02 = 0.5 * (du[r0 + plane] + du[r0 + 2 * plane]) + du[r0 + 3 * plane];
    const h10 = du[r1] + 0.5 * (du[r1 + plane] + du[r1 + 2 * plane]), h11 = 0.5 * (du[r1 + plane] - du[r1 + 2 * plane]);
    const h12 = 0.5 * (du[r1 + plane] + du[r1 + 2 * plane]) + du[r1 + 3 * plane];
    const h20 = du[r2] + 0.5 * (du[r2 + plane] + du[r2 + 2 * plane]), h21 = 0.5 * (du[r2 + plane] - du[r2 + 2 * plane]);
    const h22 = 0.5 * (du[r2 + plane] + du[r2 + 2 * plane]) + du[r2 + 3 * plane];
    const h30 = du[r3] + 0.5 * (du[r3 + plane] + du[r3 + 2 * plane]), h31 = 0.5 * (du[r3 + plane] - du[r3 + 2 * plane]);
    const h32 = 0.5 * (du[r3 + plane] + du[r3 + 2 * plane]) + du[r3 + 3 * plane];
    // Then Gᵀ · (dU G): the same combination down each column.
    target[k] = h00 + 0.5 * (h10 + h20);
    target[pairs + k] = h01 + 0.5 * (h11 + h21);
    target[2 * pairs + k] = h02 + 0.5 * (h12 + h22);
    target[3 * pairs + k] = 0.5 * (h10 - h20);
    target[4 * pairs + k] = 0.5 * (h11 - h21);
    target[5 * pairs + k] = 0.5 * (h12 - h22);
    target[6 * pairs + k] = 0.5 * (h10 + h20) + h30;
    target[7 * pairs + k] = 0.5 * (h11 + h21) + h31;
    target[8 * pairs + k] = 0.5 * (h12 + h22) + h32;
  }
}

/**
 * dW for x [N, H, W, Ci] and dy [N, OH, OW, Co] by F(2×2, 3×3), or null where it does not apply
 * (winogradFilterGradApplies), is switched off or the engine lacks the loops; the caller then runs
 * the direct loops.
 */
export function winogradFilterGrad(
  backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo, relaxed: boolean,
): TensorInfo | null {
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || !winogradFilterGradReady(backend, info, relaxed)) return null;
  const dw = backend.makeOutput([3, 3, info.inChannels, info.outChannels], 'float32');
  winogradFilterGradAt(backend, heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, dw), info, relaxed);
  return dw;
}

/** Whether winogradFilterGradAt can run this filter gradient now (shape, switch, engine). */
export function winogradFilterGradReady(backend: BackendWasm, info: backend_util.Conv2DInfo, relaxed: boolean): boolean {
  const memory = heapMemory(backend.wasm);
  return winogradEnabled() && winogradFilterGradApplies(info) && memory !== undefined
    && winogradTransforms(memory) !== null && filterGradLoops(memory, relaxed) !== null;
}

/**
 * dW at `dwAt` from x at `xAt` and dy at `dyAt` (bytes on the heap, `info`'s shapes), where
 * winogradFilterGradReady; also for ./conv2dBackpropFilter.ts's copies with channels widened to 4.
 */
export function winogradFilterGradAt(
  backend: BackendWasm, xAt: number, dyAt: number, dwAt: number, info: backend_util.Conv2DInfo, relaxed: boolean,
): void {
  const { batchSize: images, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, padInfo } = info;
  const memory = heapMemory(backend.wasm)!;
  if (images === 0) {
    // An empty batch contributes nothing: dW = 0, and there is no share to run.
    new Float32Array(memory.buffer, dwAt, 9 * inChannels * outChannels).fill(0);
    return;
  }

  const paddedHeight = outHeight + 2;
  const paddedWidth = outWidth + 2;
  const inPlace = padInfo.top === 0 && padInfo.left === 0 && paddedHeight === inHeight && paddedWidth === inWidth;
  const tilesHigh = outHeight / 2;
  const tilesWide = outWidth / 2;
  const { bandRows, tiles } = winogradBands(tilesHigh, tilesWide, inChannels, outChannels);
  const pairs = inChannels * outChannels;
  const uPlane = pairs + PLANE_SKEW_FLOATS;
  const gPlane = tiles * outChannels + PLANE_SKEW_FLOATS;
  // Per share: V, G, dU, and the loop's 3-int table (rounded to 4 floats).
  const shareFloats = 16 * tiles * inChannels + 16 * gPlane + 16 * uPlane + 4;

  const flops = 2 * images * outHeight * outWidth * 9 * pairs;
  const team = flops >= MIN_SHARED_FLOPS ? readyHelpers(memory) : [];
  const parts = Math.min(team.length + 1, images);

  const module = backend.wasm as unknown as WasmAllocator;
  const padded = inPlace ? 0 : module._malloc(images * paddedHeight * paddedWidth * inChannels * 4);
  const scratch = module._malloc(parts * shareFloats * 4);
  try {
    // Views after the allocations (which may grow, and so detach, the heap).
    const heap = memory.buffer;
    const xRow = paddedWidth * inChannels * 4;
    const xImage = paddedHeight * xRow;
    const dyRow = outWidth * outChannels * 4;
    const dyImage = outHeight * dyRow;
    const xFrom = inPlace ? xAt : padded;
    const imageBytes = inHeight * inWidth * inChannels * 4;
    const duOf = (part: number) => scratch + (part * shareFloats + 16 * tiles * inChannels + 16 * gPlane) * 4;
    for (let part = 0; part < parts; part++) new Float32Array(heap, duOf(part), 16 * uPlane).fill(0);
    const task = ([first, count]: [number, number], part: number): ConvTask => {
      const v = scratch + part * shareFloats * 4;
      const g = v + 16 * tiles * inChannels * 4;
      const du = duOf(part);
      const padding = inPlace ? null : {
        source: xAt + first * imageBytes, height: inHeight, width: inWidth, channels: inChannels,
        paddedHeight, paddedWidth, padTop: padInfo.top, padLeft: padInfo.left,
      };
      return {
        kind: TASK_WINOGRAD_FILTER_GRAD, relaxed,
        args: winogradFilterGradShareArgs({
          x: xFrom + first * xImage, xImage, xRow, dy: dyAt + first * dyImage, dyImage, dyRow, images: count,
          tilesHigh, tilesWide, bandRows, inChannels, outChannels, v, g, gPlane: gPlane * 4, du, uPlane: uPlane * 4,
          table: du + 16 * uPlane * 4,
        }, padding),
      };
    };
    const tasks = imageShares(images, parts).map(task);
    if (tasks.length > 1) runShared(memory, team, tasks);
    else runConvTask(memory, tasks[0].kind, tasks[0].relaxed, tasks[0].args);
    const total = new Float32Array(heap, duOf(0), 16 * uPlane);
    for (let part = 1; part < parts; part++) {
      const partial = new Float32Array(heap, duOf(part), 16 * uPlane);
      for (let i = 0; i < total.length; i++) total[i] += partial[i];
    }
    transformFilterGradient(total, new Float32Array(heap, dwAt, 9 * pairs), pairs, uPlane);
  } finally {
    for (const pointer of [padded, scratch]) if (pointer !== 0) module._free(pointer);
  }
}
