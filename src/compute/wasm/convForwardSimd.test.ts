/**
 * The direct WebAssembly SIMD convolution loops of ./convForwardSimd.ts (through ./conv2dDirect.ts)
 * against the cpu backend: FusedConv2D with and without a bias, Conv2D, and Conv2DBackpropInput
 * (whose phases run through Conv2D), on shapes that stress the padding copy and the loop
 * bookkeeping: stride 1, 2 and 3, 'same', 'valid' and explicit padding, 1×1 and non-square
 * filters, non-square images, one in-channel, out-channels a multiple of 8, of only 4 and of
 * neither (1, 3, 6: run on a zero-padded filter), and output widths not a multiple of 4 (5, 7, 14:
 * run on rows widened to a multiple of 4, alone and with widened channels; declined, to XNNPACK,
 * where a 1- or 2-channel output would be widened too). Each case runs in mode 'auto' (relaxed SIMD where validated), 'simd'
 * and 'off' (stock XNNPACK), so every path stays checked.
 */
import { setFlagsFromString } from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { relativeError, seeded } from '../../testing/seededTensors';
import { useWasmBackend } from '../../testing/wasmBackend';
import { setConvSimdMode } from './convFilterGradSimd';
import type { ConvSimdMode } from './convFilterGradSimd';
import { convForwardFor, convForwardModuleBytes } from './convForwardSimd';
import { heapMemory } from './groupNormSiluKernel';

type Shape4D = [number, number, number, number];
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface ConvCase { x: Shape4D; filter: Shape4D; stride: number | [number, number]; pad: Pad; direct: boolean }

const CASES: ConvCase[] = [
  { x: [2, 8, 8, 4], filter: [3, 3, 4, 8], stride: 1, pad: 'same', direct: true },
  { x: [3, 9, 10, 8], filter: [3, 3, 8, 16], stride: 1, pad: 'valid', direct: true },
  { x: [2, 16, 16, 16], filter: [3, 3, 16, 16], stride: 2, pad: 'same', direct: true },
  { x: [2, 9, 9, 4], filter: [4, 4, 4, 8], stride: 2, pad: 'same', direct: true },
  { x: [1, 11, 12, 12], filter: [3, 5, 12, 12], stride: [3, 2], pad: 'same', direct: true },
  { x: [1, 7, 8, 16], filter: [1, 1, 16, 8], stride: 1, pad: 'valid', direct: true },
  { x: [2, 8, 8, 1], filter: [3, 3, 1, 16], stride: 1, pad: 'same', direct: true },
  { x: [1, 6, 9, 4], filter: [3, 3, 4, 8], stride: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]], direct: true },
  { x: [2, 4, 4, 4], filter: [5, 5, 4, 4], stride: 1, pad: 'same', direct: true },
  { x: [2, 8, 8, 16], filter: [3, 3, 16, 1], stride: 1, pad: 'same', direct: true },
  { x: [2, 8, 8, 4], filter: [3, 3, 4, 6], stride: 2, pad: 'same', direct: true },
  { x: [1, 9, 8, 5], filter: [2, 3, 5, 3], stride: 1, pad: 'valid', direct: true },
  { x: [2, 7, 7, 8], filter: [3, 3, 8, 8], stride: 1, pad: 'same', direct: true },
  { x: [2, 14, 14, 8], filter: [4, 4, 8, 16], stride: 2, pad: 'same', direct: true }, // DCGAN-28's D: 14 → 7
  { x: [2, 28, 28, 1], filter: [4, 4, 1, 8], stride: 2, pad: 'same', direct: true }, // 28 → 14, one in-channel
  { x: [1, 9, 11, 4], filter: [3, 3, 4, 6], stride: 2, pad: 'valid', direct: true }, // width 5, channels 6
  { x: [1, 6, 6, 8], filter: [3, 3, 8, 8], stride: 1, pad: 'valid', direct: true }, // width 4 from 6: in place
  { x: [2, 7, 7, 8], filter: [3, 3, 8, 1], stride: 1, pad: 'same', direct: false }, // width 7 and 1 channel: declined
  { x: [4, 16, 16, 32], filter: [3, 3, 32, 16], stride: 1, pad: 'same', direct: true },
];

setFlagsFromString('--experimental-wasm-relaxed-simd');

beforeAll(async () => {
  await useWasmBackend();
});

afterEach(() => {
  setConvSimdMode('auto');
});

function describeCase(c: ConvCase): string {
  return `x ${c.x} filter ${c.filter} stride ${c.stride} pad ${JSON.stringify(c.pad)}`;
}

type Op = 'fused' | 'fused-no-bias' | 'conv2d' | 'backprop-input';

async function run(backend: 'cpu' | 'wasm', c: ConvCase, op: Op, mode: ConvSimdMode = 'auto'): Promise<Float32Array> {
  await tf.setBackend(backend);
  setConvSimdMode(mode);
  return tf.tidy(() => {
    const x = seeded(c.x, 1) as tf.Tensor4D;
    const filter = seeded(c.filter, 2) as tf.Tensor4D;
    const pad = c.pad as 'same';
    if (op === 'fused') return tf.fused.conv2d({ x, filter, strides: c.stride, pad, bias: seeded([c.filter[3]], 3) }).dataSync() as Float32Array;
    if (op === 'fused-no-bias') return tf.fused.conv2d({ x, filter, strides: c.stride, pad }).dataSync() as Float32Array;
    if (op === 'conv2d') return tf.conv2d(x, filter, c.stride, pad).dataSync() as Float32Array;
    const y = tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, filter, c.stride, pad);
    return tf.conv2dTranspose(seeded(y.shape, 4) as tf.Tensor4D, filter, c.x, c.stride, pad).dataSync() as Float32Array;
  });
}

describe('direct SIMD convolution loops', () => {
  it('are available on this heap (else the cases below would test only XNNPACK)', () => {
    const memory = heapMemory((tf.backend() as unknown as { wasm: object }).wasm);
    expect(memory).toBeDefined();
    expect(convForwardFor(memory!, 64)).not.toBeNull();
    expect(WebAssembly.validate(convForwardModuleBytes(false, false, 64))).toBe(true);
    setConvSimdMode('simd');
    expect(convForwardFor(memory!, 64)?.relaxed).toBe(false);
    setConvSimdMode('off');
    expect(convForwardFor(memory!, 64)).toBeNull();
  });

  for (const c of CASES) {
    it(`match cpu${c.direct ? '' : ' (declined: XNNPACK)'}: ${describeCase(c)}`, async () => {
      for (const op of ['fused', 'fused-no-bias', 'conv2d', 'backprop-input'] as const) {
        const cpu = await run('cpu', c, op);
        for (const mode of ['auto', 'simd', 'off'] as const) {
          expect(relativeError(cpu, await run('wasm', c, op, mode)), `${op} ${mode}`).toBeLessThan(1e-5);
        }
      }
    });
  }

  it('run where they should: with relaxed SIMD their fused multiply-adds round differently from XNNPACK', async () => {
    // Plain-SIMD loops sum in XNNPACK's order and match it bit for bit, so only the relaxed (FMA)
    // loops can show that the direct path, not the stock kernel, produced the output.
    const memory = heapMemory((tf.backend() as unknown as { wasm: object }).wasm)!;
    const relaxed = convForwardFor(memory, 64)?.relaxed ?? false;
    // The last case, and a 7-pixel-wide output (run on rows widened to 8).
    for (const c of [CASES[CASES.length - 1], CASES.find((k) => k.x[1] === 14 && k.filter[0] === 4)!]) {
      const auto = await run('wasm', c, 'fused', 'auto');
      const stock = await run('wasm', c, 'fused', 'off');
      expect(auto.every((v, i) => v === stock[i]), describeCase(c)).toBe(!relaxed);
    }
  });

  it('leave no buffer behind (direct, widened and declined)', async () => {
    await tf.setBackend('wasm');
    for (const c of [CASES[0], CASES.find((k) => k.x[1] === 14)!, CASES.find((k) => !k.direct)!]) {
      const once = () => tf.tidy(() => tf.fused.conv2d({ x: seeded(c.x, 1) as tf.Tensor4D, filter: seeded(c.filter, 2) as tf.Tensor4D, strides: c.stride, pad: c.pad as 'same' })).dispose();
      once();
      const buffers = tf.backend().numDataIds();
      once();
      expect(tf.backend().numDataIds(), describeCase(c)).toBe(buffers);
    }
  });
});
