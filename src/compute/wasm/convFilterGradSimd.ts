/**
 * The filter gradient of a 2-D convolution as a direct WebAssembly SIMD loop on the tfjs wasm heap
 * (the module imports its memory), for NHWC data with in- and out-channels multiples of 4:
 *
 *   dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh·sh + kh − pt, ow·sw + kw − pl, ci] · dy[n, oh, ow, co]
 *
 * Each filter tap (kh, kw) is a (Ci × Co) outer-product sum over the output pixels whose input pixel
 * lies inside x, a plain GEMM with a long inner dimension. A tile of 4 in-channels × 8 (or 4)
 * out-channels stays in 8 (or 4) SIMD registers while the loop walks the pixels: per pixel, one or two
 * loads of dy, four splat loads of x and 8 (4) multiply-adds. The XNNPACK route it replaces
 * (./conv2dBackpropFilter.ts) ran the same sum as a convolution whose inner runs were only N
 * (the batch) values long, plus three transposes, at about half the speed of the forward conv.
 *
 * One call handles one input row against one output row for every kw, every channel tile and every
 * image (the valid ow range of each kw, the same for all rows and images, comes in a small table);
 * the caller loops over (oh, kh). With relaxed SIMD (where WebAssembly.validate accepts it) the
 * multiply-add is f32x4.relaxed_madd, a fused multiply-add on x64 and arm64; else mul + add.
 */
import {
  BR_IF_LOOP, body, END, F32X4_ADD, F32X4_MUL, F32X4_RELAXED_MADD, get, I32, i32, I32_ADD, I32_GT_S, I32_LT_U, I32_MUL,
  I32_SHR_U, I32_SUB, i32Load, IF, load32Splat, LOOP, memoryImport, name, section, set, tee, V128, v128Load, v128Store,
  WASM_HEADER,
} from '../../core/wasmAssembly';

// Parameters of filterGrad8 / filterGrad4 (all i32; addresses and sizes in bytes).
const X = 0; // x[0, ih, 0, 0]
const DY = 1; // dy[0, oh, 0, 0]
const DW = 2; // dW[kh, 0, 0, 0], accumulated into
const TABLE = 3; // per kw: int32 x offset, dy offset (bytes, from the row starts) and pixel count of the valid ow range
const KW_COUNT = 4;
const CI_BYTES = 5;
const CO_BYTES = 6;
const IMAGES = 7;
const X_IMAGE = 8; // bytes per image of x
const DY_IMAGE = 9; // bytes per image of dy
const X_STEP = 10; // bytes between the x pixels of consecutive ow (stride · Ci · 4)
const PARAMS = 11;
// i32 locals.
const KW = 11;
const X_OFF = 12;
const DY_OFF = 13;
const CNT_BYTES = 14;
const CB = 15;
const OB = 16;
const ACC = 17;
const N = 18;
const XP = 19;
const DP = 20;
const D_END = 21;
const TAP = 22;
const TP = 23;
const XN = 24;
const DN = 25;
const TAP_BYTES = 26;
const I32_LOCALS = 16;
// v128 locals: the tile (4 rows × coVecs), the dy vectors, the x splat.
const V = PARAMS + I32_LOCALS;
const ROWS = 4;

function filterGradCode(coVecs: number, relaxed: boolean): number[] {
  const acc = (r: number, j: number) => V + r * coVecs + j;
  const d = (j: number) => V + ROWS * coVecs + j;
  const s = V + ROWS * coVecs + coVecs;
  const rowAddress = (r: number) => (r === 0 ? get(ACC) : [...get(ACC), ...get(CO_BYTES), ...i32(r), ...I32_MUL, ...I32_ADD]);
  const tile = (f: (r: number, j: number) => number[]) => Array.from({ length: ROWS }, (_, r) =>
    Array.from({ length: coVecs }, (_, j) => f(r, j)).flat()).flat();
  const multiplyAdd = (r: number, j: number) => (relaxed
    ? [...get(s), ...get(d(j)), ...get(acc(r, j)), ...F32X4_RELAXED_MADD, ...set(acc(r, j))]
    : [...get(acc(r, j)), ...get(s), ...get(d(j)), ...F32X4_MUL, ...F32X4_ADD, ...set(acc(r, j))]);

  const pixelLoop = [
    ...LOOP,
    ...Array.from({ length: coVecs }, (_, j) => [...get(DP), ...v128Load(16 * j), ...set(d(j))]).flat(),
    ...Array.from({ length: ROWS }, (_, r) => [
      ...get(XP), ...load32Splat(4 * r), ...set(s),
      ...Array.from({ length: coVecs }, (_, j) => multiplyAdd(r, j)).flat(),
    ]).flat(),
    ...get(XP), ...get(X_STEP), ...I32_ADD, ...set(XP),
    ...get(DP), ...get(CO_BYTES), ...I32_ADD, ...tee(DP), ...get(D_END), ...I32_LT_U, ...BR_IF_LOOP,
    ...END,
  ];
  const imageLoop = [
    ...get(X), ...get(X_OFF), ...I32_ADD, ...get(CB), ...I32_ADD, ...set(XN),
    ...get(DY), ...get(DY_OFF), ...I32_ADD, ...get(OB), ...I32_ADD, ...set(DN),
    ...get(IMAGES), ...set(N),
    ...LOOP,
    ...get(XN), ...set(XP),
    ...get(DN), ...tee(DP), ...get(CNT_BYTES), ...I32_ADD, ...set(D_END),
    ...pixelLoop,
    ...get(XN), ...get(X_IMAGE), ...I32_ADD, ...set(XN),
    ...get(DN), ...get(DY_IMAGE), ...I32_ADD, ...set(DN),
    ...get(N), ...i32(1), ...I32_SUB, ...tee(N), ...BR_IF_LOOP,
    ...END,
  ];
  const tileLoop = [
    ...LOOP,
    // ACC = TAP + ci·Co·4 + OB, with CB = ci·4.
    ...get(TAP), ...get(CB), ...get(CO_BYTES), ...I32_MUL, ...i32(2), ...I32_SHR_U, ...I32_ADD, ...get(OB), ...I32_ADD, ...set(ACC),
    ...tile((r, j) => [...rowAddress(r), ...v128Load(16 * j), ...set(acc(r, j))]),
    ...imageLoop,
    ...tile((r, j) => [...rowAddress(r), ...get(acc(r, j)), ...v128Store(16 * j)]),
    ...get(OB), ...i32(16 * coVecs), ...I32_ADD, ...tee(OB), ...get(CO_BYTES), ...I32_LT_U, ...BR_IF_LOOP,
    ...END,
  ];
  return [
    ...get(CI_BYTES), ...get(CO_BYTES), ...I32_MUL, ...i32(2), ...I32_SHR_U, ...set(TAP_BYTES),
    ...get(TABLE), ...set(TP),
    ...get(DW), ...set(TAP),
    ...LOOP,
    ...get(TP), ...i32Load(0), ...set(X_OFF),
    ...get(TP), ...i32Load(4), ...set(DY_OFF),
    ...get(TP), ...i32Load(8), ...get(CO_BYTES), ...I32_MUL, ...tee(CNT_BYTES), ...i32(0), ...I32_GT_S,
    ...IF,
    ...i32(0), ...set(CB),
    ...LOOP,
    ...i32(0), ...set(OB),
    ...tileLoop,
    ...get(CB), ...i32(16), ...I32_ADD, ...tee(CB), ...get(CI_BYTES), ...I32_LT_U, ...BR_IF_LOOP,
    ...END,
    ...END,
    ...get(TP), ...i32(12), ...I32_ADD, ...set(TP),
    ...get(TAP), ...get(TAP_BYTES), ...I32_ADD, ...set(TAP),
    ...get(KW), ...i32(1), ...I32_ADD, ...tee(KW), ...get(KW_COUNT), ...I32_LT_U, ...BR_IF_LOOP,
    ...END,
  ];
}

/** The module's bytes: filterGrad8 (Co a multiple of 8) and filterGrad4 (of 4). */
export function convFilterGradModuleBytes(sharedMemory: boolean, relaxed: boolean): Uint8Array<ArrayBuffer> {
  const funcType = [0x60, PARAMS, ...new Array<number>(PARAMS).fill(I32), 0];
  const locals = (coVecs: number): [number, number][] => [[I32_LOCALS, I32], [ROWS * coVecs + coVecs + 1, V128]];
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, [1, ...funcType]),
    ...section(2, [1, ...memoryImport(sharedMemory)]),
    ...section(3, [2, 0, 0]),
    ...section(7, [2, ...name('filterGrad8'), 0x00, 0, ...name('filterGrad4'), 0x00, 1]),
    ...section(10, [2, ...body(locals(2), filterGradCode(2, relaxed)), ...body(locals(1), filterGradCode(1, relaxed))]),
  ]);
}

type FilterGradLoop = (
  x: number, dy: number, dw: number, table: number, kwCount: number, ciBytes: number, coBytes: number,
  images: number, xImage: number, dyImage: number, xStep: number,
) => void;

export interface ConvFilterGradSimd {
  /** Whether the multiply-adds are relaxed-SIMD fused ones. */
  readonly relaxed: boolean;
  filterGrad8: FilterGradLoop;
  filterGrad4: FilterGradLoop;
}

/** 'auto': relaxed SIMD where the engine validates it, else plain SIMD; 'simd': plain SIMD only; 'off': none (the XNNPACK route). */
export type ConvSimdMode = 'auto' | 'simd' | 'off';

let mode: ConvSimdMode = 'auto';
/** For A/B benches and tests: which loops the conv kernels may use. */
export function setConvSimdMode(next: ConvSimdMode): void {
  mode = next;
}
export function convSimdMode(): ConvSimdMode {
  return mode;
}

const instances = new WeakMap<WebAssembly.Memory, Map<boolean, ConvFilterGradSimd | null>>();

function instantiate(memory: WebAssembly.Memory, relaxed: boolean): ConvFilterGradSimd | null {
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = convFilterGradModuleBytes(shared, relaxed);
    if (!WebAssembly.validate(bytes)) return null;
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as ConvFilterGradSimd;
    return { relaxed, filterGrad8: exports.filterGrad8, filterGrad4: exports.filterGrad4 };
  } catch {
    return null;
  }
}

/** The loops bound to `memory`, relaxed SIMD or plain, or null where the engine refuses them (kept per heap). */
export function filterGradLoops(memory: WebAssembly.Memory, relaxed: boolean): ConvFilterGradSimd | null {
  let byRelaxed = instances.get(memory);
  if (byRelaxed === undefined) {
    byRelaxed = new Map();
    instances.set(memory, byRelaxed);
  }
  if (!byRelaxed.has(relaxed)) byRelaxed.set(relaxed, instantiate(memory, relaxed));
  return byRelaxed.get(relaxed) ?? null;
}

/** The loops bound to `memory` (the tfjs wasm heap) in the current mode, or null (mode 'off', or no SIMD). */
export function convFilterGradFor(memory: WebAssembly.Memory): ConvFilterGradSimd | null {
  if (mode === 'off') return null;
  return (mode === 'auto' ? filterGradLoops(memory, true) : null) ?? filterGradLoops(memory, false);
}

/** What filterGradRows needs besides the loops, all numbers (so a helper thread can be sent them). */
export interface FilterGradRows {
  x: number; dy: number; dw: number; table: number; filterWidth: number; ciBytes: number; coBytes: number;
  images: number; xImage: number; dyImage: number; xStep: number;
  outHeight: number; filterHeight: number; strideHeight: number; padTop: number; inHeight: number;
  xRow: number; dyRow: number; tapRow: number;
}

export const FILTER_GRAD_ROWS_KEYS: readonly (keyof FilterGradRows)[] = [
  'x', 'dy', 'dw', 'table', 'filterWidth', 'ciBytes', 'coBytes', 'images', 'xImage', 'dyImage', 'xStep',
  'outHeight', 'filterHeight', 'strideHeight', 'padTop', 'inHeight', 'xRow', 'dyRow', 'tapRow',
];

/**
 * Adds `images` images' share of dW: per (output row, filter row) whose input row lies inside x, one
 * call of the loop for every kw, channel tile and image.
 */
export function filterGradRows(loops: ConvFilterGradSimd, a: FilterGradRows): void {
  const loop = a.coBytes % 32 === 0 ? loops.filterGrad8 : loops.filterGrad4;
  for (let oh = 0; oh < a.outHeight; oh++) {
    for (let kh = 0; kh < a.filterHeight; kh++) {
      const ih = oh * a.strideHeight + kh - a.padTop;
      if (ih < 0 || ih >= a.inHeight) continue;
      loop(a.x + ih * a.xRow, a.dy + oh * a.dyRow, a.dw + kh * a.tapRow, a.table, a.filterWidth, a.ciBytes, a.coBytes,
        a.images, a.xImage, a.dyImage, a.xStep);
    }
  }
}
