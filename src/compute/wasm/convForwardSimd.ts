/**
 * A 2-D convolution (NHWC, dilation 1) as a direct WebAssembly SIMD loop on the tfjs wasm heap,
 * over an input already padded (the caller copies x into a zero border, so the loop never tests
 * an edge), with the bias added, for out-channels a multiple of 4 and output widths a multiple of 4
 * (./conv2dDirect.ts widens other channel counts and widths to those, into scratch):
 *
 *   y[n, oh, ow, co] = b[co] + Σ_{kh, kw, ci} xPadded[n, oh·sh + kh, ow·sw + kw, ci] · w[kh, kw, ci, co]
 *
 * The tile of ./convFilterGradSimd.ts turned around: 4 output pixels × 8 (or 4) out-channels stay
 * in 8 (or 4) SIMD registers while the loop walks the filter. For one filter row kh, a pixel's
 * inputs over (kw, ci) are KW·Ci consecutive floats and the filter's rows over (kw, ci) are Co
 * floats apart, so the inner loop is one run of KW·Ci steps: per step, one or two loads of w, four
 * splat loads of x (one per pixel, at constant offsets: the module is assembled per pixel step
 * sw·Ci) and 8 (4) multiply-adds. XNNPACK's route (an indirection buffer and a packed GEMM per call)
 * ran DDPM-32's small-channel convolutions at 25–38 GFLOP/s on one core; this one at ~40.
 *
 * The same loop is Conv2DBackpropInput's stride-1 case (a convolution of dy with the flipped,
 * transposed filter), see ./conv2dBackpropInput.ts. With relaxed SIMD (where WebAssembly.validate
 * accepts it) the multiply-add is f32x4.relaxed_madd (fused on x64 and arm64); else mul + add.
 */
import {
  BR_IF_LOOP, body, END, F32X4_ADD, F32X4_MUL, F32X4_RELAXED_MADD, get, I32, i32, I32_ADD, I32_LT_U, I32_MUL,
  I32_SHL, I32_SUB, load32Splat, LOOP, memoryImport, name, section, set, tee, V128, v128Load, v128Store,
  WASM_HEADER,
} from '../../core/wasmAssembly';
import { convSimdMode } from './convFilterGradSimd';

// Parameters of conv8 / conv4 (all i32; addresses and sizes in bytes).
const X = 0; // xPadded[n0, 0, 0, 0]
const W = 1; // w[0, 0, 0, 0]
const B = 2; // bias[0] (Co floats; zeros where the conv has none)
const Y = 3; // y[n0, 0, 0, 0]
const IMAGES = 4;
const X_IMAGE = 5; // bytes per padded image
const Y_IMAGE = 6; // bytes per output image
const OH = 7;
const OW_BLOCKS = 8; // output width / 4
const CO_BYTES = 9;
const X_ROW_STEP = 10; // bytes between the padded input rows of consecutive output rows (sh · row)
const X_ROW = 11; // bytes per padded input row (for the next filter row kh)
const KH = 12;
const RUN_BYTES = 13; // KW · Ci · 4: a pixel's inputs for one filter row
const W_KH = 14; // bytes per filter row kh: KW · Ci · Co · 4
const PARAMS = 15;
// i32 locals.
const N = 15;
const OHI = 16;
const XR = 17;
const YR = 18;
const CB = 19;
const XB = 20;
const YB = 21;
const BLK = 22;
const XK = 23;
const WK = 24;
const KHI = 25;
const XP = 26;
const WP = 27;
const XEND = 28;
const I32_LOCALS = 14;
const V = PARAMS + I32_LOCALS;
/** Output pixels per tile. */
const PIXELS = 4;

function convCode(coVecs: number, pixelBytes: number, relaxed: boolean): number[] {
  const acc = (p: number, j: number) => V + p * coVecs + j;
  const d = (j: number) => V + PIXELS * coVecs + j;
  const s = V + PIXELS * coVecs + coVecs;
  const bias = (j: number) => s + 1 + j;
  const tile = (f: (p: number, j: number) => number[]) => Array.from({ length: PIXELS }, (_, p) =>
    Array.from({ length: coVecs }, (_, j) => f(p, j)).flat()).flat();
  const multiplyAdd = (p: number, j: number) => (relaxed
    ? [...get(s), ...get(d(j)), ...get(acc(p, j)), ...F32X4_RELAXED_MADD, ...set(acc(p, j))]
    : [...get(acc(p, j)), ...get(s), ...get(d(j)), ...F32X4_MUL, ...F32X4_ADD, ...set(acc(p, j))]);
  const pixelAddress = (p: number) => (p === 0 ? get(YB) : [...get(YB), ...get(CO_BYTES), ...i32(p), ...I32_MUL, ...I32_ADD]);

  const runLoop = [
    ...get(XK), ...set(XP),
    ...get(WK), ...set(WP),
    ...get(XK), ...get(RUN_BYTES), ...I32_ADD, ...set(XEND),
    ...LOOP,
    ...Array.from({ length: coVecs }, (_, j) => [...get(WP), ...v128Load(16 * j), ...set(d(j))]).flat(),
    ...Array.from({ length: PIXELS }, (_, p) => [
      ...get(XP), ...load32Splat(p * pixelBytes), ...set(s),
      ...Array.from({ length: coVecs }, (_, j) => multiplyAdd(p, j)).flat(),
    ]).flat(),
    ...get(WP), ...get(CO_BYTES), ...I32_ADD, ...set(WP),
    ...get(XP), ...i32(4), ...I32_ADD, ...tee(XP), ...get(XEND), ...I32_LT_U, ...BR_IF_LOOP,
    ...END,
  ];
  const filterRowLoop = [
    ...get(XB), ...set(XK),
    ...get(W), ...get(CB), ...I32_ADD, ...set(WK),
    ...get(KH), ...set(KHI),
    ...LOOP,
    ...runLoop,
    ...get(XK), ...get(X_ROW), ...I32_ADD, ...set(XK),
    ...get(WK), ...get(W_KH), ...I32_ADD, ...set(WK),
    ...get(KHI), ...i32(1), ...I32_SUB, ...tee(KHI), ...BR_IF_LOOP,
    ...END,
  ];
  const pixelBlockLoop = [
    ...get(XR), ...set(XB),
    ...get(YR), ...get(CB), ...I32_ADD, ...set(YB),
    ...get(OW_BLOCKS), ...set(BLK),
    ...LOOP,
    ...tile((p, j) => [...get(bias(j)), ...set(acc(p, j))]),
    ...filterRowLoop,
    ...tile((p, j) => [...pixelAddress(p), ...get(acc(p, j)), ...v128Store(16 * j)]),
    ...get(XB), ...i32(PIXELS * pixelBytes), ...I32_ADD, ...set(XB),
    ...get(YB), ...get(CO_BYTES), ...i32(2), ...I32_SHL, ...I32_ADD, ...set(YB),
    ...get(BLK), ...i32(1), ...I32_SUB, ...tee(BLK), ...BR_IF_LOOP,
    ...END,
  ];
  const channelTileLoop = [
    ...i32(0), ...set(CB),
    ...LOOP,
    ...Array.from({ length: coVecs }, (_, j) => [...get(B), ...get(CB), ...I32_ADD, ...v128Load(16 * j), ...set(bias(j))]).flat(),
    ...pixelBlockLoop,
    ...get(CB), ...i32(16 * coVecs), ...I32_ADD, ...tee(CB), ...get(CO_BYTES), ...I32_LT_U, ...BR_IF_LOOP,
    ...END,
  ];
  return [
    ...get(IMAGES), ...set(N),
    ...LOOP,
    ...get(X), ...set(XR),
    ...get(Y), ...set(YR),
    ...get(OH), ...set(OHI),
    ...LOOP,
    ...channelTileLoop,
    ...get(XR), ...get(X_ROW_STEP), ...I32_ADD, ...set(XR),
    // Next output row: OW · Co · 4 bytes = OW_BLOCKS · 4 · CO_BYTES.
    ...get(YR), ...get(OW_BLOCKS), ...get(CO_BYTES), ...I32_MUL, ...i32(2), ...I32_SHL, ...I32_ADD, ...set(YR),
    ...get(OHI), ...i32(1), ...I32_SUB, ...tee(OHI), ...BR_IF_LOOP,
    ...END,
    ...get(X), ...get(X_IMAGE), ...I32_ADD, ...set(X),
    ...get(Y), ...get(Y_IMAGE), ...I32_ADD, ...set(Y),
    ...get(N), ...i32(1), ...I32_SUB, ...tee(N), ...BR_IF_LOOP,
    ...END,
  ];
}

/**
 * The module's bytes: conv8 (Co a multiple of 8) and conv4 (of 4), for inputs `pixelBytes` apart
 * between consecutive output pixels (stride · Ci · 4; the splat loads take it as a constant offset).
 */
export function convForwardModuleBytes(sharedMemory: boolean, relaxed: boolean, pixelBytes: number): Uint8Array<ArrayBuffer> {
  const funcType = [0x60, PARAMS, ...new Array<number>(PARAMS).fill(I32), 0];
  const locals = (coVecs: number): [number, number][] => [[I32_LOCALS, I32], [PIXELS * coVecs + 2 * coVecs + 1, V128]];
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, [1, ...funcType]),
    ...section(2, [1, ...memoryImport(sharedMemory)]),
    ...section(3, [2, 0, 0]),
    ...section(7, [2, ...name('conv8'), 0x00, 0, ...name('conv4'), 0x00, 1]),
    ...section(10, [2, ...body(locals(2), convCode(2, pixelBytes, relaxed)), ...body(locals(1), convCode(1, pixelBytes, relaxed))]),
  ]);
}

export type ConvForwardLoop = (
  x: number, w: number, bias: number, y: number, images: number, xImage: number, yImage: number,
  outHeight: number, outWidthBlocks: number, coBytes: number, xRowStep: number, xRow: number,
  filterHeight: number, runBytes: number, filterRowBytes: number,
) => void;

export interface ConvForwardSimd {
  /** Whether the multiply-adds are relaxed-SIMD fused ones. */
  readonly relaxed: boolean;
  conv8: ConvForwardLoop;
  conv4: ConvForwardLoop;
}

/** Per heap: per (relaxed, pixel step) the instantiated loops, or null where the engine refused them. */
const instances = new WeakMap<WebAssembly.Memory, Map<string, ConvForwardSimd | null>>();

function instantiate(memory: WebAssembly.Memory, relaxed: boolean, pixelBytes: number): ConvForwardSimd | null {
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const bytes = convForwardModuleBytes(shared, relaxed, pixelBytes);
    if (!WebAssembly.validate(bytes)) return null;
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as ConvForwardSimd;
    return { relaxed, conv8: exports.conv8, conv4: exports.conv4 };
  } catch {
    return null;
  }
}

let forwardEnabled = true;
/**
 * For A/B benches: false sends forward convolutions and Conv2DBackpropInput back to XNNPACK while
 * the filter-gradient loops stay (setConvSimdMode('off') switches off both).
 */
export function setDirectConvForward(on: boolean): void {
  forwardEnabled = on;
}

/** The loops bound to `memory` for inputs `pixelBytes` apart, relaxed SIMD or plain, or null where the engine refuses them (kept per heap). */
export function convForwardLoops(memory: WebAssembly.Memory, relaxed: boolean, pixelBytes: number): ConvForwardSimd | null {
  let byKey = instances.get(memory);
  if (byKey === undefined) {
    byKey = new Map();
    instances.set(memory, byKey);
  }
  const key = `${relaxed}/${pixelBytes}`;
  if (!byKey.has(key)) byKey.set(key, instantiate(memory, relaxed, pixelBytes));
  return byKey.get(key) ?? null;
}

/**
 * The loops bound to `memory` (the tfjs wasm heap) for inputs `pixelBytes` apart, in the current
 * mode of setConvSimdMode, or null (mode 'off', or no SIMD).
 */
export function convForwardFor(memory: WebAssembly.Memory, pixelBytes: number): ConvForwardSimd | null {
  const mode = convSimdMode();
  if (mode === 'off' || !forwardEnabled) return null;
  return (mode === 'auto' ? convForwardLoops(memory, true, pixelBytes) : null) ?? convForwardLoops(memory, false, pixelBytes);
}
