/**
 * Tiled dot products between the rows of two matrices, in Float64: the shared engine of KID,
 * PRDC, k-NN search (row-by-row products of feature vectors) and covariance (products of the
 * centred columns). No N x N result is ever held: visitors fold each tile into what they keep
 * (sums, k-NN lists, counts, a D x D block) and the tile buffer is reused.
 *
 * The products run in a WebAssembly SIMD kernel (dotKernelWasm.ts) where the runtime has one,
 * with a plain JS loop as the fallback.
 */
import type { FeatureMatrix } from '../types';
import { dotKernelModule, type DotsFunction } from './dotKernelWasm';

export interface DenseRows {
  data: Float64Array;
  rows: number;
  cols: number;
}

export function toDenseRows(m: FeatureMatrix): DenseRows {
  return { data: m.data instanceof Float64Array ? m.data : Float64Array.from(m.data), rows: m.rows, cols: m.cols };
}

export function squaredNorms(m: DenseRows): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) {
    let s = 0;
    const off = r * m.cols;
    for (let c = 0; c < m.cols; c++) s += m.data[off + c] * m.data[off + c];
    out[r] = s;
  }
  return out;
}

/**
 * A tile of dot products: dots[(i - i0) * stride + (j - j0)] = a_i · b_j. The buffer is reused
 * for the next tile, so visitors must not keep it. With `symmetric` (a === b), only tiles on or
 * above the diagonal are visited and the visitor must itself skip j <= i inside diagonal tiles.
 */
export type TileVisitor = (i0: number, i1: number, j0: number, j1: number, dots: Float64Array, stride: number) => void;

/**
 * Rows of A per tile (even) and rows of B per tile (a multiple of 4): the kernel's 2x4 block.
 * Exported because accumulators keep one partial sum per row tile (a "row block"), which makes
 * their totals independent of how the rows are split between workers.
 */
export const TILE_ROWS = 32;
const TILE_COLS = 128;

interface TileEngine {
  /** Fills the tile buffer for a_i · b_j, i in [i0, i1), j in [j0, j1). */
  compute(i0: number, i1: number, j0: number, j1: number): void;
  readonly dots: Float64Array;
  readonly stride: number;
}

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;
const WASM_PAGE = 65536;

/**
 * Both matrices copied into one wasm memory, rows padded with zeros to a multiple of 4 and
 * columns to a multiple of 2 (the kernel's block and lane widths; zeros add nothing to a dot
 * product), followed by the tile buffer. A fresh memory per scan: it is garbage once the scan
 * ends instead of staying at its high-water mark for the life of the worker.
 */
function wasmEngine(module: WebAssembly.Module, a: DenseRows, b: DenseRows): TileEngine | null {
  const cols = roundUp(Math.max(a.cols, 1), 2);
  const rowBytes = cols * 8;
  const packedBytes = (m: DenseRows) => roundUp(m.rows, 4) * rowBytes;
  const aOffset = 0;
  const bOffset = b === a ? aOffset : packedBytes(a);
  const outOffset = bOffset + (b === a ? packedBytes(a) : packedBytes(b));
  const total = outOffset + TILE_ROWS * TILE_COLS * 8;
  if (total > 2 ** 31) return null;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: Math.ceil(total / WASM_PAGE) });
  } catch {
    return null; // Out of address space: the JS path needs no second copy.
  }
  const heap = new Float64Array(memory.buffer);
  const pack = (m: DenseRows, offset: number) => {
    if (m.cols === cols) heap.set(m.data.subarray(0, m.rows * m.cols), offset / 8);
    else for (let r = 0; r < m.rows; r++) heap.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), offset / 8 + r * cols);
  };
  pack(a, aOffset);
  if (b !== a) pack(b, bOffset);
  const dots = new WebAssembly.Instance(module, { env: { memory } }).exports.dots as DotsFunction;
  return {
    dots: heap.subarray(outOffset / 8, outOffset / 8 + TILE_ROWS * TILE_COLS),
    stride: TILE_COLS,
    compute(i0, i1, j0, j1) {
      dots(aOffset + i0 * rowBytes, bOffset + j0 * rowBytes, outOffset, roundUp(i1 - i0, 2), roundUp(j1 - j0, 4), rowBytes, TILE_COLS * 8);
    },
  };
}

/** Plain JS: one A row against four B rows per pass, so each load of a_i feeds four products. */
function jsEngine(a: DenseRows, b: DenseRows): TileEngine {
  const d = a.cols;
  const A = a.data;
  const B = b.data;
  const dots = new Float64Array(TILE_ROWS * TILE_COLS);
  return {
    dots,
    stride: TILE_COLS,
    compute(i0, i1, j0, j1) {
      for (let i = i0; i < i1; i++) {
        const ai = i * d;
        const outRow = (i - i0) * TILE_COLS - j0;
        let j = j0;
        for (; j + 3 < j1; j += 4) {
          const b0 = j * d;
          const b1 = b0 + d;
          const b2 = b1 + d;
          const b3 = b2 + d;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let k = 0; k < d; k++) {
            const x = A[ai + k];
            s0 += x * B[b0 + k];
            s1 += x * B[b1 + k];
            s2 += x * B[b2 + k];
            s3 += x * B[b3 + k];
          }
          dots[outRow + j] = s0;
          dots[outRow + j + 1] = s1;
          dots[outRow + j + 2] = s2;
          dots[outRow + j + 3] = s3;
        }
        for (; j < j1; j++) {
          const bj = j * d;
          let s = 0;
          for (let k = 0; k < d; k++) s += A[ai + k] * B[bj + k];
          dots[outRow + j] = s;
        }
      }
    },
  };
}

export type DotEngineKind = 'wasm-simd' | 'js';

/** Which engine scans will use here (WebAssembly SIMD unless the runtime lacks it). */
export function dotEngineKind(): DotEngineKind {
  return dotKernelModule() ? 'wasm-simd' : 'js';
}

/** Rows [start, end) of A; start must be a multiple of TILE_ROWS, so tiles fall where a full scan puts them. */
export interface RowRange {
  start: number;
  end: number;
}

/**
 * Visits the tiles of A's rows (all, or `rows`) against B, column block by column block. A scan
 * of a row range visits exactly the tiles, in the same order, that a full scan visits for those rows.
 */
export function scanDotTiles(a: DenseRows, b: DenseRows, symmetric: boolean, visit: TileVisitor, engineKind: DotEngineKind = dotEngineKind(), rows?: RowRange): void {
  if (a.rows === 0 || b.rows === 0) return;
  const first = rows?.start ?? 0;
  const last = Math.min(a.rows, rows?.end ?? a.rows);
  if (first % TILE_ROWS !== 0) throw new RangeError(`scanDotTiles: a row range must start at a multiple of ${TILE_ROWS}, got ${first}`);
  if (first >= last) return;
  const module = engineKind === 'wasm-simd' ? dotKernelModule() : null;
  const source = symmetric ? a : b;
  const engine = (module && wasmEngine(module, a, source)) || jsEngine(a, source);
  // Column blocks wholly left of the first row hold only pairs j < i, which a symmetric scan skips.
  const firstColumn = symmetric ? Math.floor(first / TILE_COLS) * TILE_COLS : 0;
  for (let j0 = firstColumn; j0 < source.rows; j0 += TILE_COLS) {
    const j1 = Math.min(source.rows, j0 + TILE_COLS);
    const iLimit = symmetric ? Math.min(last, j1) : last;
    for (let i0 = first; i0 < iLimit; i0 += TILE_ROWS) {
      const i1 = Math.min(iLimit, i0 + TILE_ROWS);
      engine.compute(i0, i1, j0, j1);
      visit(i0, i1, j0, j1, engine.dots, engine.stride);
    }
  }
}

