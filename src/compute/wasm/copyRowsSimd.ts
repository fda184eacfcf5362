/**
 * A strided row copy on the tfjs wasm heap, as hand-assembled WebAssembly SIMD: the inner loop of
 * a concatenation or split along an inner axis (./concatSplitRows.ts). The U-Net's skip connections
 * concatenate along channels, [16,32,32,16] twice: 16,384 rows of 64 bytes per input. Stock wasm
 * Concat copies each row with a `subarray` + `set` in JS (an object per row, ~1 ms a call) and its
 * SplitV reads the whole input out of the heap once per piece; here one call copies every row.
 *
 *   copyRows(src, dst, rows, rowBytes, srcStride, dstStride): for r < rows, copies rowBytes bytes
 *     from src + r·srcStride to dst + r·dstStride (byte offsets in the heap). rowBytes must be a
 *     positive multiple of 16 and rows positive (the caller checks).
 */
import {
  BR_IF_LOOP, body, END, get, I32, i32, I32_ADD as ADD, I32_LT_U as LT_U, I32_SUB as SUB, LOOP,
  memoryImport, name, section, set, tee, v128Load, v128Store, WASM_HEADER,
} from '../../core/wasmAssembly';

/** Params src 0, dst 1, rows 2, rowBytes 3, srcStride 4, dstStride 5; local i 6 (byte in the row). */
const COPY_ROWS_BODY = [
  ...LOOP,
  ...i32(0), ...set(6),
  ...LOOP,
  ...get(1), ...get(6), ...ADD,
  ...get(0), ...get(6), ...ADD, ...v128Load(0),
  ...v128Store(0),
  ...get(6), ...i32(16), ...ADD, ...tee(6), ...get(3), ...LT_U, ...BR_IF_LOOP,
  ...END,
  ...get(0), ...get(4), ...ADD, ...set(0),
  ...get(1), ...get(5), ...ADD, ...set(1),
  ...get(2), ...i32(1), ...SUB, ...tee(2), ...BR_IF_LOOP,
  ...END,
];

/** The module's bytes, importing env.memory as shared (threaded tfjs build) or not. */
export function copyRowsModuleBytes(sharedMemory: boolean): Uint8Array<ArrayBuffer> {
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...memoryImport(sharedMemory)]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('copyRows'), 0x00, 0]),
    ...section(10, [1, ...body([[1, I32]], COPY_ROWS_BODY)]),
  ]);
}

export interface CopyRowsSimd {
  copyRows(src: number, dst: number, rows: number, rowBytes: number, srcStride: number, dstStride: number): void;
}

const instances = new WeakMap<WebAssembly.Memory, CopyRowsSimd | null>();

/** The copy loop bound to `memory` (the tfjs wasm heap), or null where WebAssembly SIMD is missing. */
export function copyRowsFor(memory: WebAssembly.Memory): CopyRowsSimd | null {
  let instance = instances.get(memory);
  if (instance === undefined) {
    try {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      const module = new WebAssembly.Module(copyRowsModuleBytes(shared));
      instance = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as CopyRowsSimd;
    } catch {
      instance = null;
    }
    instances.set(memory, instance);
  }
  return instance;
}
