/**
 * The loops of the fused GroupNorm + SiLU as WebAssembly SIMD, for sampling
 * (models/kernels/groupNormSilu.ts) and training (models/kernels/groupNormSiluGrad.ts), running on
 * the tfjs wasm backend's own heap (the module imports its memory). In JS the sampling kernel took
 * about 9 ns per element on the bench machine and was 38 % of a DDPM sampling pass; here four
 * channels go per instruction.
 *
 *   sums(x, acc, pixels, channels, 0): per channel, adds Σx and Σx² over `pixels` NHWC pixels, in
 *     float64, into acc (channels sums, then channels sums of squares).
 *   apply(x, out, params, pixels, channels): out = SiLU(x·scale_c + shift_c) for one image (params:
 *     channels scales, then channels shifts, float32). e^{−v} = 2^k·e^f with k = round(−v·log₂e)
 *     clamped to ±126 and e^f from its degree-6 Taylor series (|f| ≤ ln2/2, relative error ~1e-7),
 *     as the JS loop does.
 *   trainApply, gradDz, gradDx: the training forward (which also stores σ(z)) and the gradient's
 *     two passes (which read that σ(z) rather than computing the exp again); see each below.
 *
 * The module is assembled here (no toolchain needed); channels must be a multiple of 4.
 * Where WebAssembly SIMD is missing, simdFor returns null and the kernel keeps its JS loops.
 */

import {
  BR_IF_LOOP, body, END, get, I32, i32, I32_ADD as ADD, I32_EQ as EQ, I32_LT_U as LT_U, I32_MUL as MUL, I32_SHL as SHL, LOOP,
  memoryImport, name, section, SELECT, set, simd, tee, uleb, V128, WASM_HEADER,
} from '../../core/wasmAssembly';
import { perHeap } from './heapModules';

const LOAD = [...simd(0x00), 0, 0]; // v128.load align=1 offset=0 (heap offsets need not be 16-aligned)
const store = (offset: number) => [...simd(0x0b), 0, ...uleb(offset)];
const ZERO = [...simd(0x0c), ...new Array<number>(16).fill(0)];
const HIGH_HALF = [...simd(0x0d), 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
const PROMOTE_LOW = simd(0x5f);
const F64_ADD = simd(0xf0);
const F64_MUL = simd(0xf2);
const F32_ADD = simd(0xe4);
const F32_SUB = simd(0xe5);
const F32_MUL = simd(0xe6);
const F32_DIV = simd(0xe7);
const F32_MIN = simd(0xe8);
const F32_MAX = simd(0xe9);
const F32_NEAREST = simd(0x6a);
const I32X4_SPLAT = simd(0x11);
const I32X4_ADD = simd(0xae);
const I32X4_SHL = simd(0xab);
const TRUNC_SAT = simd(0xf8);
function splat(value: number): number[] {
  const bytes = new Uint8Array(new Float32Array([value]).buffer);
  return [0x43, ...bytes, ...simd(0x13)];
}

/**
 * sums(x 0, acc 1, pixels 2, channels 3, c 4 = first channel, 0) adds into acc: locals ptr 5, end 6,
 * stride 7, addr 8; a0 9, a1 10, q0 11, q1 12, v 13, lo 14, hi 15. Each block of four channels walks
 * the pixels with its sums in registers, so the caller passes a few dozen pixels at a time (their
 * rows stay in the L1 cache across the channel blocks).
 */
const [PTR, END_PTR, STRIDE, ADDR, A0, A1, Q0, Q1, V, LO, HI] = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const addInto = (addressCode: number[], offset: number, local: number) => [
  ...addressCode, ...tee(ADDR), ...get(ADDR), ...simd(0x00), 0, ...uleb(offset), ...get(local), ...F64_ADD, ...store(offset),
];
const SUM_ADDRESS = [...get(1), ...get(4), ...i32(3), ...SHL, ...ADD];
const SQUARE_ADDRESS = [...get(1), ...get(3), ...i32(3), ...SHL, ...ADD, ...get(4), ...i32(3), ...SHL, ...ADD];
const SUMS_BODY = [
  ...get(3), ...i32(2), ...SHL, ...set(STRIDE),
  ...LOOP,
  ...ZERO, ...set(A0), ...ZERO, ...set(A1), ...ZERO, ...set(Q0), ...ZERO, ...set(Q1),
  ...get(0), ...get(4), ...i32(2), ...SHL, ...ADD, ...set(PTR),
  ...get(PTR), ...get(2), ...get(STRIDE), ...MUL, ...ADD, ...set(END_PTR),
  ...LOOP,
  ...get(PTR), ...LOAD, ...tee(V), ...PROMOTE_LOW, ...set(LO),
  ...get(V), ...get(V), ...HIGH_HALF, ...PROMOTE_LOW, ...set(HI),
  ...get(A0), ...get(LO), ...F64_ADD, ...set(A0),
  ...get(A1), ...get(HI), ...F64_ADD, ...set(A1),
  ...get(Q0), ...get(LO), ...get(LO), ...F64_MUL, ...F64_ADD, ...set(Q0),
  ...get(Q1), ...get(HI), ...get(HI), ...F64_MUL, ...F64_ADD, ...set(Q1),
  ...get(PTR), ...get(STRIDE), ...ADD, ...tee(PTR), ...get(END_PTR), ...LT_U, ...BR_IF_LOOP,
  ...END,
  ...addInto(SUM_ADDRESS, 0, A0), ...addInto(SUM_ADDRESS, 16, A1),
  ...addInto(SQUARE_ADDRESS, 0, Q0), ...addInto(SQUARE_ADDRESS, 16, Q1),
  ...get(4), ...i32(4), ...ADD, ...tee(4), ...get(3), ...LT_U, ...BR_IF_LOOP,
  ...END,
];

/** apply(x 0, out 1, params 2, pixels 3, channels 4): locals off 5, end 6, cb 7, chBytes 8; v 9, t 10, k 11. */
const APPLY_BODY = [
  ...get(4), ...i32(2), ...SHL, ...set(8),
  ...get(3), ...get(8), ...MUL, ...set(6),
  ...LOOP,
  // v = x·scale + shift
  ...get(0), ...get(5), ...ADD, ...LOAD,
  ...get(2), ...get(7), ...ADD, ...LOAD, ...F32_MUL,
  ...get(2), ...get(8), ...ADD, ...get(7), ...ADD, ...LOAD, ...F32_ADD, ...set(9),
  // t = clamp(−v·log₂e, ±126); k = round(t); f = (t − k)·ln2
  ...get(9), ...splat(-Math.LOG2E), ...F32_MUL, ...splat(-126), ...F32_MAX, ...splat(126), ...F32_MIN, ...set(10),
  ...get(10), ...F32_NEAREST, ...set(11),
  ...get(10), ...get(11), ...F32_SUB, ...splat(Math.LN2), ...F32_MUL, ...set(10),
  // e^f by Horner, times 2^k built in the exponent bits, plus 1
  ...splat(1 / 720), ...get(10), ...F32_MUL, ...splat(1 / 120), ...F32_ADD,
  ...get(10), ...F32_MUL, ...splat(1 / 24), ...F32_ADD,
  ...get(10), ...F32_MUL, ...splat(1 / 6), ...F32_ADD,
  ...get(10), ...F32_MUL, ...splat(0.5), ...F32_ADD,
  ...get(10), ...F32_MUL, ...splat(1), ...F32_ADD,
  ...get(10), ...F32_MUL, ...splat(1), ...F32_ADD,
  ...get(11), ...TRUNC_SAT, ...i32(127), ...I32X4_SPLAT, ...I32X4_ADD, ...i32(23), ...I32X4_SHL,
  ...F32_MUL, ...splat(1), ...F32_ADD, ...set(10),
  // out = v / (1 + e^{−v})
  ...get(1), ...get(5), ...ADD, ...get(9), ...get(10), ...F32_DIV, ...store(0),
  // next four values; the channel offset wraps at the end of a pixel
  ...get(5), ...i32(16), ...ADD, ...set(5),
  ...get(7), ...i32(16), ...ADD, ...set(7),
  ...i32(0), ...get(7), ...get(7), ...get(8), ...EQ, ...SELECT, ...set(7),
  ...get(5), ...get(6), ...LT_U, ...BR_IF_LOOP,
  ...END,
];

/**
 * e^{−z} + 1 for v128 local z into local `out` (t, k scratch), exactly as in APPLY_BODY above and
 * sigmoidOf in models/kernels/groupNormSiluGrad.ts (used by trainApply).
 */
const onePlusExpNeg = (z: number, t: number, k: number, out: number) => [
  ...get(z), ...splat(-Math.LOG2E), ...F32_MUL, ...splat(-126), ...F32_MAX, ...splat(126), ...F32_MIN, ...set(t),
  ...get(t), ...F32_NEAREST, ...set(k),
  ...get(t), ...get(k), ...F32_SUB, ...splat(Math.LN2), ...F32_MUL, ...set(t),
  ...splat(1 / 720), ...get(t), ...F32_MUL, ...splat(1 / 120), ...F32_ADD,
  ...get(t), ...F32_MUL, ...splat(1 / 24), ...F32_ADD,
  ...get(t), ...F32_MUL, ...splat(1 / 6), ...F32_ADD,
  ...get(t), ...F32_MUL, ...splat(0.5), ...F32_ADD,
  ...get(t), ...F32_MUL, ...splat(1), ...F32_ADD,
  ...get(t), ...F32_MUL, ...splat(1), ...F32_ADD,
  ...get(k), ...TRUNC_SAT, ...i32(127), ...I32X4_SPLAT, ...I32X4_ADD, ...i32(23), ...I32X4_SHL,
  ...F32_MUL, ...splat(1), ...F32_ADD, ...set(out),
];

/**
 * The per-element loop shared by the training loops: `off` walks the image's bytes in steps of 16,
 * `cb` the channel bytes (wrapping at the end of a pixel). Locals off, end, cb, chBytes as given.
 */
const elementLoop = (pixels: number, channels: number, off: number, end: number, cb: number, chBytes: number, step: number[]) => [
  ...get(channels), ...i32(2), ...SHL, ...set(chBytes),
  ...get(pixels), ...get(chBytes), ...MUL, ...set(end),
  ...LOOP,
  ...step,
  ...get(off), ...i32(16), ...ADD, ...set(off),
  ...get(cb), ...i32(16), ...ADD, ...set(cb),
  ...i32(0), ...get(cb), ...get(cb), ...get(chBytes), ...EQ, ...SELECT, ...set(cb),
  ...get(off), ...get(end), ...LT_U, ...BR_IF_LOOP,
  ...END,
];
/** v128.load of params + cb + k·chBytes (params local p, cb, chBytes). */
const paramAt = (p: number, cb: number, chBytes: number, k: number) =>
  [...get(p), ...get(cb), ...ADD, ...(k > 0 ? [...get(chBytes), ...i32(k), ...MUL, ...ADD] : []), ...LOAD];

/**
 * trainApply(x 0, out 1, params 2, pixels 3, channels 4, sig 5): out = SiLU(z), z = (x − m_c)·s_c + β_c,
 * params m, s, β (channels float32 each), and σ(z) stored at sig for the gradient (which then needs
 * no exp: recomputing it made the gradient's first pass 1.3× the forward's cost). Centred on the
 * group mean so that a mean far from zero costs no precision in float32.
 * Locals off 6, end 7, cb 8, chBytes 9; z 10, t 11, k 12, σ 13.
 */
const TRAIN_APPLY_BODY = elementLoop(3, 4, 6, 7, 8, 9, [
  ...get(0), ...get(6), ...ADD, ...LOAD, ...paramAt(2, 8, 9, 0), ...F32_SUB,
  ...paramAt(2, 8, 9, 1), ...F32_MUL, ...paramAt(2, 8, 9, 2), ...F32_ADD, ...set(10),
  ...onePlusExpNeg(10, 11, 12, 13),
  ...splat(1), ...get(13), ...F32_DIV, ...set(13),
  ...get(5), ...get(6), ...ADD, ...get(13), ...store(0),
  // out = z·σ, as the JS loop computes it
  ...get(1), ...get(6), ...ADD, ...get(10), ...get(13), ...F32_MUL, ...store(0),
]);

/**
 * gradDz(dy 0, x 1, dz 2, params 3, acc 4, pixels 5, channels 6, sig 7): with xc = x − m_c,
 * z = xc·s_c + β_c (params m, s, β) and σ = σ(z) as the forward stored it at sig,
 * dz = dy·σ·(1 + z·(1 − σ)) is stored and, per channel, Σdz and Σdz·xc over these pixels added into
 * acc (channels float64 each). Each block of four channels walks the pixels with its two sums in
 * registers (float32) and adds them into acc once: adding into acc's float64 sums in memory for
 * every four values (the earlier loop) made this pass 1.6× as slow as the forward one. The caller
 * passes a few dozen pixels at a time, which keeps the float32 sums short and the rows in the L1
 * cache across the channel blocks.
 * Locals: chBytes 8, cb 9, ptr 10, end 11; m 12, s 13, β 14, xc 15, z 16, σ 17, d 18, Σdz 19, Σdz·xc 20.
 */
const [G_CH, G_CB, G_PTR, G_END] = [8, 9, 10, 11];
const [G_M, G_S, G_BETA, G_XC, G_Z, G_SIG, G_D, G_SUM, G_SUMX] = [12, 13, 14, 15, 16, 17, 18, 19, 20];
/** acc (float64) at byte `offsetCode` from acc + cb·2, plus the promoted low and high halves of v128 local `v`. */
const addHalves = (offsetCode: number[], v: number) => [
  ...get(4), ...get(G_CB), ...i32(1), ...SHL, ...ADD, ...offsetCode, ...tee(G_PTR), ...get(G_PTR), ...LOAD, ...get(v), ...PROMOTE_LOW, ...F64_ADD, ...store(0),
  ...get(G_PTR), ...get(G_PTR), ...simd(0x00), 0, 16, ...get(v), ...get(v), ...HIGH_HALF, ...PROMOTE_LOW, ...F64_ADD, ...store(16),
];
const GRAD_DZ_BODY = [
  ...get(6), ...i32(2), ...SHL, ...set(G_CH),
  ...get(5), ...get(G_CH), ...MUL, ...set(G_END),
  ...i32(0), ...set(G_CB),
  ...LOOP,
  ...paramAt(3, G_CB, G_CH, 0), ...set(G_M), ...paramAt(3, G_CB, G_CH, 1), ...set(G_S), ...paramAt(3, G_CB, G_CH, 2), ...set(G_BETA),
  ...ZERO, ...set(G_SUM), ...ZERO, ...set(G_SUMX),
  ...get(G_CB), ...set(G_PTR),
  ...LOOP,
  ...get(1), ...get(G_PTR), ...ADD, ...LOAD, ...get(G_M), ...F32_SUB, ...tee(G_XC),
  ...get(G_S), ...F32_MUL, ...get(G_BETA), ...F32_ADD, ...set(G_Z),
  ...get(7), ...get(G_PTR), ...ADD, ...LOAD, ...set(G_SIG),
  // d = dy·σ·(1 + z·(1 − σ))
  ...get(0), ...get(G_PTR), ...ADD, ...LOAD, ...get(G_SIG), ...F32_MUL,
  ...splat(1), ...get(G_Z), ...splat(1), ...get(G_SIG), ...F32_SUB, ...F32_MUL, ...F32_ADD, ...F32_MUL, ...set(G_D),
  ...get(2), ...get(G_PTR), ...ADD, ...get(G_D), ...store(0),
  ...get(G_SUM), ...get(G_D), ...F32_ADD, ...set(G_SUM),
  ...get(G_SUMX), ...get(G_D), ...get(G_XC), ...F32_MUL, ...F32_ADD, ...set(G_SUMX),
  ...get(G_PTR), ...get(G_CH), ...ADD, ...tee(G_PTR), ...get(G_END), ...LT_U, ...BR_IF_LOOP,
  ...END,
  ...addHalves([], G_SUM),
  ...addHalves([...get(G_CH), ...i32(1), ...SHL, ...ADD], G_SUMX),
  ...get(G_CB), ...i32(16), ...ADD, ...tee(G_CB), ...get(G_CH), ...LT_U, ...BR_IF_LOOP,
  ...END,
];

/**
 * gradDx(x 0, d 1, params 2, pixels 3, channels 4): in place, d = a_c·d + b_c·(x − m_c) + c_c
 * (params m, a, b, c). Locals off 5, end 6, cb 7, chBytes 8.
 */
const GRAD_DX_BODY = elementLoop(3, 4, 5, 6, 7, 8, [
  ...get(1), ...get(5), ...ADD,
  ...get(1), ...get(5), ...ADD, ...LOAD, ...paramAt(2, 7, 8, 1), ...F32_MUL,
  ...get(0), ...get(5), ...ADD, ...LOAD, ...paramAt(2, 7, 8, 0), ...F32_SUB, ...paramAt(2, 7, 8, 2), ...F32_MUL, ...F32_ADD,
  ...paramAt(2, 7, 8, 3), ...F32_ADD, ...store(0),
]);




/** The module's bytes, importing env.memory as shared (threaded tfjs build) or not. */
export function groupNormSiluModuleBytes(sharedMemory: boolean): Uint8Array<ArrayBuffer> {
  const funcType = (params: number) => [0x60, params, ...new Array<number>(params).fill(I32), 0];
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, [3, ...funcType(5), ...funcType(6), ...funcType(8)]),
    ...section(2, [1, ...memoryImport(sharedMemory)]),
    ...section(3, [5, 0, 0, 1, 2, 0]),
    ...section(7, [5, ...name('sums'), 0x00, 0, ...name('apply'), 0x00, 1,
      ...name('trainApply'), 0x00, 2, ...name('gradDz'), 0x00, 3, ...name('gradDx'), 0x00, 4]),
    ...section(10, [5,
      ...body([[4, I32], [7, V128]], SUMS_BODY),
      ...body([[4, I32], [3, V128]], APPLY_BODY),
      ...body([[4, I32], [4, V128]], TRAIN_APPLY_BODY),
      ...body([[4, I32], [9, V128]], GRAD_DZ_BODY),
      ...body([[4, I32]], GRAD_DX_BODY),
    ]),
  ]);
}

export interface GroupNormSiluSimd {
  /** Adds per-channel Σx, Σx² (float64) of `pixels` pixels at byte offset x into acc (2·channels doubles); firstChannel 0. */
  sums(x: number, acc: number, pixels: number, channels: number, firstChannel: number): void;
  /** out = SiLU(x·scale + shift) for one image; params: channels scales then channels shifts (float32). */
  apply(x: number, out: number, params: number, pixels: number, channels: number): void;
  /** Training forward, one image: out = SiLU(z), z = (x − m)·s + β, and σ(z) at sig; params: channels m, s, β (float32). */
  trainApply(x: number, out: number, params: number, pixels: number, channels: number, sig: number): void;
  /** Gradient pass 1, one image: dz = dy·SiLU'(z) stored, from the forward's σ(z) at sig; Σdz, Σdz·(x − m) added into acc (2·channels doubles); params m, s, β. */
  gradDz(dy: number, x: number, dz: number, params: number, acc: number, pixels: number, channels: number, sig: number): void;
  /** Gradient pass 2, one image, in place: d = a·d + b·(x − m) + c; params: channels m, a, b, c (float32). */
  gradDx(x: number, d: number, params: number, pixels: number, channels: number): void;
}

/** The SIMD loops bound to `memory` (the tfjs wasm heap), or null where WebAssembly SIMD is missing. */
export const simdFor = perHeap<GroupNormSiluSimd>(groupNormSiluModuleBytes);
