/**
 * The fused Adam and EMA updates (./adamUpdateKernel.ts, ./emaUpdateKernel.ts) as WebAssembly SIMD
 * loops on the tfjs wasm heap, 4 floats per instruction. Their JS loops took 1.6 ms (Adam) and
 * 0.4 ms (EMA) of a 70 ms DDPM-32 step on one thread, all of it on the compute worker while the
 * helper threads waited; the same loops in JS as models/kernels/adamUpdate.ts and emaUpdate.ts:
 *
 *   adam: m' = β1·m + (1 − β1)·g,  v' = β2·v + (1 − β2)·g²,  w' = w − step·m' / (√v' + ε̂)
 *   ema:  s' = d·s + (1 − d)·w
 *
 * in float32 throughout (the JS loops form some sums in float64 first: results differ in the last
 * bit at most, well inside the 1e-6 the fused-Adam test allows). Lengths are in bytes, a positive
 * multiple of 16; the kernels run the last 0–3 floats of a tensor in JS.
 */
import {
  BR_IF_LOOP, body, END, F32, F32X4_ADD, F32X4_DIV, F32X4_MUL, F32X4_SPLAT, F32X4_SQRT, F32X4_SUB, get, I32, i32, I32_ADD,
  I32_LT_U, LOOP, memoryImport, name, section, set, tee, V128, v128Load, v128Store, WASM_HEADER,
} from '../../core/wasmAssembly';
import { perHeap } from './heapModules';

// adam's parameters: w, m, v, g, wOut, mOut, vOut, bytes (i32), then β1, 1 − β1, β2, 1 − β2, step, ε̂ (f32).
const ADAM_PARAMS = [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32];
// Locals after the parameters: off (i32); the six constants splatted, g, m', v' (v128).
const A_OFF = 14;
const A_CONST = 15; // + 0..5: β1, 1 − β1, β2, 1 − β2, step, ε̂
const A_G = 21;
const A_M = 22;
const A_V = 23;

function adamCode(): number[] {
  const at = (pointer: number) => [...get(pointer), ...get(A_OFF), ...I32_ADD];
  return [
    ...Array.from({ length: 6 }, (_, k) => [...get(8 + k), ...F32X4_SPLAT, ...set(A_CONST + k)]).flat(),
    ...i32(0), ...set(A_OFF),
    ...LOOP,
    ...at(3), ...v128Load(0), ...set(A_G),
    ...get(A_CONST), ...at(1), ...v128Load(0), ...F32X4_MUL, ...get(A_CONST + 1), ...get(A_G), ...F32X4_MUL, ...F32X4_ADD, ...set(A_M),
    ...get(A_CONST + 2), ...at(2), ...v128Load(0), ...F32X4_MUL,
    ...get(A_CONST + 3), ...get(A_G), ...F32X4_MUL, ...get(A_G), ...F32X4_MUL, ...F32X4_ADD, ...set(A_V),
    ...at(5), ...get(A_M), ...v128Store(0),
    ...at(6), ...get(A_V), ...v128Store(0),
    ...at(4),
    ...at(0), ...v128Load(0),
    ...get(A_CONST + 4), ...get(A_M), ...F32X4_MUL, ...get(A_V), ...F32X4_SQRT, ...get(A_CONST + 5), ...F32X4_ADD, ...F32X4_DIV,
    ...F32X4_SUB, ...v128Store(0),
    ...get(A_OFF), ...i32(16), ...I32_ADD, ...tee(A_OFF), ...get(7), ...I32_LT_U, ...BR_IF_LOOP,
    ...END,
  ];
}

// ema's parameters: shadow, w, out, bytes (i32), d, 1 − d (f32). Locals: off (i32); d, 1 − d (v128).
const EMA_PARAMS = [I32, I32, I32, I32, F32, F32];
const E_OFF = 6;
const E_D = 7;
const E_E = 8;

function emaCode(): number[] {
  const at = (pointer: number) => [...get(pointer), ...get(E_OFF), ...I32_ADD];
  return [
    ...get(4), ...F32X4_SPLAT, ...set(E_D),
    ...get(5), ...F32X4_SPLAT, ...set(E_E),
    ...i32(0), ...set(E_OFF),
    ...LOOP,
    ...at(2),
    ...at(0), ...v128Load(0), ...get(E_D), ...F32X4_MUL,
    ...at(1), ...v128Load(0), ...get(E_E), ...F32X4_MUL, ...F32X4_ADD, ...v128Store(0),
    ...get(E_OFF), ...i32(16), ...I32_ADD, ...tee(E_OFF), ...get(3), ...I32_LT_U, ...BR_IF_LOOP,
    ...END,
  ];
}

/** The module's bytes (adam, ema), on a shared heap (the threaded tfjs build) or a plain one. */
export function optimizerUpdatesModuleBytes(sharedMemory: boolean): Uint8Array<ArrayBuffer> {
  const type = (params: number[]) => [0x60, params.length, ...params, 0];
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, [2, ...type(ADAM_PARAMS), ...type(EMA_PARAMS)]),
    ...section(2, [1, ...memoryImport(sharedMemory)]),
    ...section(3, [2, 0, 1]),
    ...section(7, [2, ...name('adam'), 0x00, 0, ...name('ema'), 0x00, 1]),
    ...section(10, [2, ...body([[1, I32], [9, V128]], adamCode()), ...body([[1, I32], [2, V128]], emaCode())]),
  ]);
}

export interface OptimizerUpdatesSimd {
  adam(
    w: number, m: number, v: number, g: number, wOut: number, mOut: number, vOut: number, bytes: number,
    beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number, stepSize: number, epsilonHat: number,
  ): void;
  ema(shadow: number, w: number, out: number, bytes: number, decay: number, oneMinusDecay: number): void;
}

/** The loops bound to `memory`, or null where the engine refuses SIMD (kept per heap). */
export const optimizerUpdatesFor = perHeap<OptimizerUpdatesSimd>(optimizerUpdatesModuleBytes);
