/**
 * The one hot loop of KID/PRDC/k-NN — tiles of row-by-row dot products — as a tiny hand-assembled
 * WebAssembly SIMD module. Plain JS tops out near 0.9 G multiply-adds/s on Float64Array (bounds
 * checks, no vectors); f64x2 lanes with a 2x4 register block run several times faster, and the
 * 5,000 vs 5,000 comparison needs ~2·10¹⁰ of them. Float64 throughout, so PRDC's strict ball
 * tests see the same numbers they would in plain JS up to summation order.
 *
 * The module is assembled here from named opcodes (no toolchain, no binary blob to trust):
 *
 *   dots(a, b, out, m, n, rowBytes, outStride)
 *     for i in 0..m step 2, j in 0..n step 4:
 *       out[i + r][j + c] = Σ_k a[i + r][k] · b[j + c][k]       (r < 2, c < 4)
 *
 * Pointers are byte offsets into the imported memory; rows are rowBytes apart (a multiple of 16,
 * i.e. the feature count padded to even with zeros), m is even and n a multiple of 4 (callers pad
 * with zero rows), outStride is in bytes. Lanes accumulate even and odd k separately and are added
 * at the end: a fixed, deterministic order.
 */

import { body, get, I32, i32, name, section, set, simd, uleb, V128, vector, WASM_HEADER } from '../../core/wasmAssembly';

const OP = {
  loop: 0x03,
  brIf: 0x0d,
  end: 0x0b,
  localTee: 0x22,
  f64Store: 0x39,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Mul: 0x6c,
  f64Add: 0xa0,
} as const;
const SIMD_OP = { load: 0x00, const: 0x0c, f64x2ExtractLane: 0x21, f64x2Add: 0xf0, f64x2Mul: 0xf2 } as const;

// Parameters.
const A = 0, B = 1, OUT = 2, M = 3, N = 4, ROW_BYTES = 5, OUT_STRIDE = 6;
// i32 locals.
const I = 7, J = 8, K = 9, PA0 = 10, PA1 = 11, PB0 = 12, PB1 = 13, PB2 = 14, PB3 = 15, PO = 16;
// v128 locals: 8 accumulators acc[r][c] = ACC + 4r + c, then x0, x1, y.
const ACC = 17, X0 = 25, X1 = 26, Y = 27;

const add = (dst: number, x: number, y: number) => [...get(x), ...get(y), OP.i32Add, ...set(dst)];
// v128.load with alignment 2^3 (8 bytes: f64 rows are only 8-byte aligned in general) and offset 0.
const loadV = (ptr: number) => [...get(ptr), ...get(K), OP.i32Add, ...simd(SIMD_OP.load), 3, 0];


function multiplyAccumulate(acc: number, x: number): number[] {
  return [...get(acc), ...get(x), ...get(Y), ...simd(SIMD_OP.f64x2Mul), ...simd(SIMD_OP.f64x2Add), ...set(acc)];
}

function storeLaneSum(acc: number, offsetBytes: number): number[] {
  return [
    ...get(PO),
    ...get(acc), ...simd(SIMD_OP.f64x2ExtractLane), 0,
    ...get(acc), ...simd(SIMD_OP.f64x2ExtractLane), 1,
    OP.f64Add,
    OP.f64Store, 3, ...uleb(offsetBytes),
  ];
}

function dotsBody(): number[] {
  const zeroV = [...simd(SIMD_OP.const), ...new Array<number>(16).fill(0)];
  const kLoop = [
    OP.loop, 0x40,
    ...loadV(PA0), ...set(X0),
    ...loadV(PA1), ...set(X1),
    ...[PB0, PB1, PB2, PB3].flatMap((pb, c) => [...loadV(pb), ...set(Y), ...multiplyAccumulate(ACC + c, X0), ...multiplyAccumulate(ACC + 4 + c, X1)]),
    ...get(K), ...i32(16), OP.i32Add, OP.localTee, ...uleb(K), ...get(ROW_BYTES), OP.i32LtU, OP.brIf, 0,
    OP.end,
  ];
  const jLoop = [
    OP.loop, 0x40,
    // pb0 = b + j·rowBytes; pb1..3 follow one row apart.
    ...get(B), ...get(J), ...get(ROW_BYTES), OP.i32Mul, OP.i32Add, ...set(PB0),
    ...add(PB1, PB0, ROW_BYTES), ...add(PB2, PB1, ROW_BYTES), ...add(PB3, PB2, ROW_BYTES),
    ...Array.from({ length: 8 }, (_, a) => [...zeroV, ...set(ACC + a)]).flat(),
    ...i32(0), ...set(K),
    ...kLoop,
    // po = out + i·outStride + j·8; row r + 1 is outStride further.
    ...get(OUT), ...get(I), ...get(OUT_STRIDE), OP.i32Mul, OP.i32Add, ...get(J), ...i32(8), OP.i32Mul, OP.i32Add, ...set(PO),
    ...[0, 1, 2, 3].flatMap((c) => storeLaneSum(ACC + c, 8 * c)),
    ...add(PO, PO, OUT_STRIDE),
    ...[0, 1, 2, 3].flatMap((c) => storeLaneSum(ACC + 4 + c, 8 * c)),
    ...get(J), ...i32(4), OP.i32Add, OP.localTee, ...uleb(J), ...get(N), OP.i32LtU, OP.brIf, 0,
    OP.end,
  ];
  const iLoop = [
    OP.loop, 0x40,
    ...get(A), ...get(I), ...get(ROW_BYTES), OP.i32Mul, OP.i32Add, ...set(PA0),
    ...add(PA1, PA0, ROW_BYTES),
    ...i32(0), ...set(J),
    ...jLoop,
    ...get(I), ...i32(2), OP.i32Add, OP.localTee, ...uleb(I), ...get(M), OP.i32LtU, OP.brIf, 0,
    OP.end,
  ];
  // The loops are do-while: callers never pass an empty tile (m, n > 0, rowBytes >= 16).
  return body([[PO - I + 1, I32], [Y - ACC + 1, V128]], [...i32(0), ...set(I), ...iLoop]);
}

/** The assembled module: imports env.memory, exports dots. */
export function dotKernelModuleBytes(): Uint8Array<ArrayBuffer> {
  const type = section(1, vector([[0x60, ...uleb(7), ...new Array<number>(7).fill(I32), 0]]));
  const imports = section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 1]]));
  const functions = section(3, vector([[0]]));
  const exports = section(7, vector([[...name('dots'), 0x00, 0]]));
  const code = section(10, vector([dotsBody()]));
  return Uint8Array.from([...WASM_HEADER, ...type, ...imports, ...functions, ...exports, ...code]);
}

export type DotsFunction = (a: number, b: number, out: number, m: number, n: number, rowBytes: number, outStride: number) => void;

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable (callers fall back to JS). */
export function dotKernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = dotKernelModuleBytes();
    compiled = typeof WebAssembly !== 'undefined' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}
