/**
 * Just enough of the WebAssembly binary format to assemble small SIMD kernels in TS (no toolchain,
 * no binary blob to trust): LEB128, locals and integer instructions, the SIMD opcode prefix, sections,
 * vectors, names and function bodies. Every hand-assembled kernel (src/compute/wasm's training
 * kernels, src/metrics/linalg's dot kernel) builds on these, so it lives in src/core, below both.
 * Kernel-specific SIMD opcodes are spelt where they are used, as simd(opcode). Encodings from the
 * WebAssembly core spec 2.0 and the relaxed-SIMD proposal (phase 5; Chromium 114+, Node ≥ 22 or
 * Node 20 with --experimental-wasm-relaxed-simd).
 */

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32.const). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

export const get = (i: number): number[] => [0x20, ...uleb(i)];
export const set = (i: number): number[] => [0x21, ...uleb(i)];
export const tee = (i: number): number[] => [0x22, ...uleb(i)];
export const i32 = (n: number): number[] => [0x41, ...sleb(n)];
/** A SIMD instruction: the 0xfd prefix and its opcode as unsigned LEB128. */
export const simd = (op: number): number[] => [0xfd, ...uleb(op)];

/** Structured control: `loop` and `if` with an empty block type; `br_if 0` jumps back to the loop head. */
export const LOOP = [0x03, 0x40];
export const IF = [0x04, 0x40];
export const END = [0x0b];
export const BR_IF_LOOP = [0x0d, 0x00];

export const I32_ADD = [0x6a];
export const I32_SUB = [0x6b];
export const I32_MUL = [0x6c];
export const I32_SHR_U = [0x76];
export const I32_LT_U = [0x49];
export const I32_LT_S = [0x48];
export const I32_GT_S = [0x4a];
export const I32_EQ = [0x46];
export const I32_SHL = [0x74];
export const SELECT = [0x1b];
/** i32.load with alignment 4 and a constant byte offset. */
export const i32Load = (offset: number): number[] => [0x28, 2, ...uleb(offset)];
/** v128.load / v128.store with alignment hint 1 (tensor data need not be 16-aligned) and a constant byte offset. */
export const v128Load = (offset: number): number[] => [...simd(0x00), 0, ...uleb(offset)];
export const v128Store = (offset: number): number[] => [...simd(0x0b), 0, ...uleb(offset)];
/** v128.load32_splat: one float32 from memory into all four lanes. */
export const load32Splat = (offset: number): number[] => [...simd(0x09), 2, ...uleb(offset)];
export const F32X4_NEG = simd(0xe1);
export const F32X4_ADD = simd(0xe4);
export const F32X4_SUB = simd(0xe5);
export const F32X4_MUL = simd(0xe6);
export const F32X4_DIV = simd(0xe7);
export const F32X4_SQRT = simd(0xe3);
/** f32x4.splat: the f32 on the stack into all four lanes. */
export const F32X4_SPLAT = simd(0x13);
/** f32x4.relaxed_madd(a, b, c) = a·b + c, fused where the CPU has FMA (relaxed SIMD). */
export const F32X4_RELAXED_MADD = simd(0x105);

export function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

/** A vector: its length, then its items. */
export function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** A name (UTF-8 bytes with their length). */
export function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** A function body: local declarations (count, type) then code, with its size prefix. */
export function body(locals: [number, number][], code: number[]): number[] {
  const content = [...uleb(locals.length), ...locals.flatMap(([count, type]) => [...uleb(count), type]), ...code, ...END];
  return [...uleb(content.length), ...content];
}

/** The import of env.memory: shared for the threaded tfjs build, else plain. */
export function memoryImport(sharedMemory: boolean): number[] {
  const limits = sharedMemory ? [0x03, ...uleb(1), ...uleb(65536)] : [0x00, ...uleb(1)];
  return [...name('env'), ...name('memory'), 0x02, ...limits];
}

export const WASM_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
