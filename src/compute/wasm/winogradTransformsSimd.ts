/**
 * The two data transforms of a Winograd F(2×2, 3×3) convolution (Lavin & Gray 2016) as WebAssembly
 * SIMD loops, 4 channels per vector, on the tfjs wasm heap. ./conv2dWinograd.ts runs them around
 * 16 small GEMMs (the direct 1×1 loops of ./convForwardSimd.ts):
 *
 *   inputTiles:  V[ξ, t, c] = (Bᵀ d_t B)[ξ]  for each 4×4 input tile d_t (tiles 2 apart), channel c
 *   outputTiles: y_t = Aᵀ M_t A               for each tile's 16 GEMM results M_t[ξ, c]: 2×2 outputs
 *   gradTiles:   G[ξ, t, c] = (A e_t Aᵀ)[ξ]   for each 2×2 tile e_t of an output gradient dy
 *
 * (the filter gradient is then dU[ξ] = Σ_t V[ξ, t]ᵀ G[ξ, t], see ./conv2dWinogradFilterGrad.ts).
 *
 *   Bᵀ = | 1  0 −1  0 |      Aᵀ = | 1  1  1  0 |
 *        | 0  1  1  0 |           | 0  1 −1 −1 |
 *        | 0 −1  1  0 |
 *        | 0  1  0 −1 |
 *
 * All three are additions only (32, 24 and 16 per tile and channel); ξ = 4·row + column. Where the 16
 * planes of a tile lie is given by two strides, `plane` (ξ to ξ + 1) and `tile` (tile to tile):
 * ./winogradShare.ts keeps V tile by tile ([tile, ξ, Ci]: the input transform writes one stream;
 * 16 streams a plane apart ran it 6× slower) and M plane by plane ([ξ, tile, Co], as the GEMM
 * writes it), and each GEMM reads its plane of V at a stride of 16 · Ci.
 */
import {
  BR_IF_LOOP, body, END, F32X4_ADD, F32X4_NEG, F32X4_SUB, get, I32, i32, I32_ADD, I32_LT_U, I32_SHL, I32_SUB, LOOP,
  memoryImport, name, section, set, tee, V128, v128Load, v128Store, WASM_HEADER,
} from '../../core/wasmAssembly';
import { perHeap } from './heapModules';

// Parameters of inputTiles and outputTiles (i32; addresses and sizes in bytes).
const SRC = 0; // inputTiles: padded x at the band's first row; outputTiles: M plane 0
const DST = 1; // inputTiles: V plane 0; outputTiles: y at the band's first row
const TILE_ROWS = 2;
const TILES_WIDE = 3;
const ROW = 4; // bytes per row of x (inputTiles) or of y (outputTiles)
const CHANNEL_BYTES = 5; // Ci · 4 (inputTiles) or Co · 4 (outputTiles)
const PLANE = 6; // bytes from one plane ξ of a tile to the next in V or M
const TILE_BYTES = 7; // bytes from one tile to the next in V or M
const PARAMS = 8;
// i32 locals.
const ROW_AT = 8; // first row of the current tile row, in x or y
const TILE_AT = 9; // current tile in x or y
const PLANE_AT = 10; // current tile's plane 0 in V or M
const ROWS_LEFT = 11;
const TILES_LEFT = 12;
const C = 13; // channel byte offset
const A = 14; // address scratch
const R = 15; // R + a: row a of the current input tile (inputTiles)
const CHANNEL_BYTES_2 = 19; // 2 · and 3 · CHANNEL_BYTES: the tile's columns 2 and 3
const CHANNEL_BYTES_3 = 20;
const I32_LOCALS = 13;
// v128 locals: outputTiles' 16 loaded values and 8 intermediates (inputTiles uses 4 of T).
const D = PARAMS + I32_LOCALS;
const T = D + 16;
const V128_LOCALS = 32;

const vec = (op: number[], a: number, b: number): number[] => [...get(a), ...get(b), ...op];

/** The loops over tile rows, tiles and channel vectors around `perVector` (which may use A, C, TILE_AT, PLANE_AT). */
function tileLoops(perVector: number[], srcIsTiles: boolean): number[] {
  // inputTiles walks x (tiles 2 pixels apart) and V (tiles 1 apart); outputTiles walks M and y.
  const [xLike, planeLike] = srcIsTiles ? [SRC, DST] : [DST, SRC];
  return [
    ...get(CHANNEL_BYTES), ...i32(1), ...I32_SHL, ...tee(CHANNEL_BYTES_2), ...get(CHANNEL_BYTES), ...I32_ADD, ...set(CHANNEL_BYTES_3),
    ...get(xLike), ...set(ROW_AT),
    ...get(planeLike), ...set(PLANE_AT),
    ...get(TILE_ROWS), ...set(ROWS_LEFT),
    ...LOOP,
    ...get(ROW_AT), ...set(TILE_AT),
    ...get(TILES_WIDE), ...set(TILES_LEFT),
    ...LOOP,
    ...i32(0), ...set(C),
    ...LOOP,
    ...perVector,
    ...get(C), ...i32(16), ...I32_ADD, ...tee(C), ...get(CHANNEL_BYTES), ...I32_LT_U, ...BR_IF_LOOP,
    ...END,
    // Next tile: 2 pixels on in x / y, one tile on in V / M.
    ...get(TILE_AT), ...get(CHANNEL_BYTES_2), ...I32_ADD, ...set(TILE_AT),
    ...get(PLANE_AT), ...get(TILE_BYTES), ...I32_ADD, ...set(PLANE_AT),
    ...get(TILES_LEFT), ...i32(1), ...I32_SUB, ...tee(TILES_LEFT), ...BR_IF_LOOP,
    ...END,
    // Next tile row: 2 rows on.
    ...get(ROW_AT), ...get(ROW), ...i32(1), ...I32_SHL, ...I32_ADD, ...set(ROW_AT),
    ...get(ROWS_LEFT), ...i32(1), ...I32_SUB, ...tee(ROWS_LEFT), ...BR_IF_LOOP,
    ...END,
  ];
}

/**
 * Transforms the 4×4 tile at TILE_AT + C and stores its 16 planes. Row i of Bᵀ d combines two rows
 * of the tile, so each row of the result is made from those two rows, loaded again (L1 hits), with
 * 4 vectors of Bᵀ d live at a time: holding the whole tile and Bᵀ d (32 vectors) spilled x64's 16
 * SIMD registers, and this transform took 7× as long as the output transform.
 */
function inputVector(): number[] {
  const t = (j: number) => T + j;
  const columnOffset = [[], get(CHANNEL_BYTES), get(CHANNEL_BYTES_2), get(CHANNEL_BYTES_3)];
  const load = (a: number, j: number) => [...get(R + a), ...(j > 0 ? [...columnOffset[j], ...I32_ADD] : []), ...v128Load(0)];
  const code: number[] = [...get(TILE_AT), ...get(C), ...I32_ADD, ...set(R)];
  for (let a = 1; a < 4; a++) code.push(...get(R + a - 1), ...get(ROW), ...I32_ADD, ...set(R + a));
  code.push(...get(PLANE_AT), ...get(C), ...I32_ADD, ...set(A));
  // Row i of Bᵀ: d0 − d2, d1 + d2, d2 − d1, d1 − d3.
  const rowsOfBt: [number, number, number[]][] = [[0, 2, F32X4_SUB], [1, 2, F32X4_ADD], [2, 1, F32X4_SUB], [1, 3, F32X4_SUB]];
  rowsOfBt.forEach(([a, b, op], i) => {
    for (let j = 0; j < 4; j++) code.push(...load(a, j), ...load(b, j), ...op, ...set(t(j)));
    // Row i of V = (Bᵀ d) B: t0 − t2, t1 + t2, t2 − t1, t1 − t3, each stored to its plane.
    const values = [vec(F32X4_SUB, t(0), t(2)), vec(F32X4_ADD, t(1), t(2)), vec(F32X4_SUB, t(2), t(1)), vec(F32X4_SUB, t(1), t(3))];
    values.forEach((value, j) => {
      code.push(...get(A), ...value, ...v128Store(0));
      if (i < 3 || j < 3) code.push(...get(A), ...get(PLANE), ...I32_ADD, ...set(A));
    });
  });
  return code;
}

/** Loads a tile's 16 planes at PLANE_AT + C into D, transforms them, stores the 2×2 outputs at TILE_AT + C. */
function outputVector(): number[] {
  const m = (i: number, j: number) => D + 4 * i + j;
  const s = (i: number, j: number) => T + 4 * i + j; // rows 0..1 of Aᵀ M
  const load: number[] = [...get(PLANE_AT), ...get(C), ...I32_ADD, ...set(A)];
  for (let k = 0; k < 16; k++) {
    load.push(...get(A), ...v128Load(0), ...set(D + k));
    if (k < 15) load.push(...get(A), ...get(PLANE), ...I32_ADD, ...set(A));
  }
  const columns: number[] = [];
  for (let j = 0; j < 4; j++) {
    columns.push(
      ...vec(F32X4_ADD, m(0, j), m(1, j)), ...get(m(2, j)), ...F32X4_ADD, ...set(s(0, j)),
      ...vec(F32X4_SUB, m(1, j), m(2, j)), ...get(m(3, j)), ...F32X4_SUB, ...set(s(1, j)),
    );
  }
  const store: number[] = [];
  for (let i = 0; i < 2; i++) {
    // A = output row i of the tile.
    store.push(...get(TILE_AT), ...get(C), ...I32_ADD);
    if (i === 1) store.push(...get(ROW), ...I32_ADD);
    store.push(...set(A));
    store.push(...get(A), ...vec(F32X4_ADD, s(i, 0), s(i, 1)), ...get(s(i, 2)), ...F32X4_ADD, ...v128Store(0));
    store.push(...get(A), ...get(CHANNEL_BYTES), ...I32_ADD,
      ...vec(F32X4_SUB, s(i, 1), s(i, 2)), ...get(s(i, 3)), ...F32X4_SUB, ...v128Store(0));
  }
  return [...load, ...columns, ...store];
}

/** Loads the 2×2 tile of dy at TILE_AT + C, stores its 16 planes A e Aᵀ (A = Aᵀ's transpose, 4 × 2). */
function gradVector(): number[] {
  const e = (i: number, j: number) => D + 2 * i + j;
  const [c0, c1] = [T, T + 1];
  const code: number[] = [
    ...get(TILE_AT), ...get(C), ...I32_ADD, ...tee(A), ...v128Load(0), ...set(e(0, 0)),
    ...get(A), ...get(CHANNEL_BYTES), ...I32_ADD, ...v128Load(0), ...set(e(0, 1)),
    ...get(A), ...get(ROW), ...I32_ADD, ...tee(A), ...v128Load(0), ...set(e(1, 0)),
    ...get(A), ...get(CHANNEL_BYTES), ...I32_ADD, ...v128Load(0), ...set(e(1, 1)),
    ...get(PLANE_AT), ...get(C), ...I32_ADD, ...set(A),
  ];
  // Row r of A e: e0, e0 + e1, e0 − e1, −e1 (over the tile's two columns c0, c1) ...
  const rows: number[][][] = [
    [get(e(0, 0)), get(e(0, 1))],
    [vec(F32X4_ADD, e(0, 0), e(1, 0)), vec(F32X4_ADD, e(0, 1), e(1, 1))],
    [vec(F32X4_SUB, e(0, 0), e(1, 0)), vec(F32X4_SUB, e(0, 1), e(1, 1))],
    [[...get(e(1, 0)), ...F32X4_NEG], [...get(e(1, 1)), ...F32X4_NEG]],
  ];
  rows.forEach(([first, second], r) => {
    code.push(...first, ...set(c0), ...second, ...set(c1));
    // ... then times Aᵀ: c0, c0 + c1, c0 − c1, −c1, each stored to its plane.
    const values = [get(c0), vec(F32X4_ADD, c0, c1), vec(F32X4_SUB, c0, c1), [...get(c1), ...F32X4_NEG]];
    values.forEach((value, j) => {
      code.push(...get(A), ...value, ...v128Store(0));
      if (r < 3 || j < 3) code.push(...get(A), ...get(PLANE), ...I32_ADD, ...set(A));
    });
  });
  return code;
}

/** The module's bytes: inputTiles, outputTiles and gradTiles, on a shared heap (the threaded tfjs build) or a plain one. */
export function winogradTransformsModuleBytes(sharedMemory: boolean): Uint8Array<ArrayBuffer> {
  const funcType = [0x60, PARAMS, ...new Array<number>(PARAMS).fill(I32), 0];
  const locals: [number, number][] = [[I32_LOCALS, I32], [V128_LOCALS, V128]];
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, [1, ...funcType]),
    ...section(2, [1, ...memoryImport(sharedMemory)]),
    ...section(3, [3, 0, 0, 0]),
    ...section(7, [3, ...name('inputTiles'), 0x00, 0, ...name('outputTiles'), 0x00, 1, ...name('gradTiles'), 0x00, 2]),
    ...section(10, [3, ...body(locals, tileLoops(inputVector(), true)), ...body(locals, tileLoops(outputVector(), false)),
      ...body(locals, tileLoops(gradVector(), true))]),
  ]);
}

/**
 * src: padded x at the first input row of the band (inputTiles), M's first tile (outputTiles) or
 * dy at the band's first row (gradTiles); dst: V's first tile, y at the band's first output row, or
 * G's first tile. Channels a multiple of 4.
 */
export type WinogradTransform = (
  src: number, dst: number, tileRows: number, tilesWide: number, rowBytes: number, channelBytes: number,
  planeBytes: number, tileBytes: number,
) => void;

export interface WinogradTransforms {
  inputTiles: WinogradTransform;
  outputTiles: WinogradTransform;
  gradTiles: WinogradTransform;
}

/** The transforms bound to `memory`, or null where the engine refuses SIMD (kept per heap). */
export const winogradTransforms = perHeap<WinogradTransforms>(winogradTransformsModuleBytes);
