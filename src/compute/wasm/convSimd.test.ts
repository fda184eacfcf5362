/**
 * The direct WebAssembly SIMD convolution loops (./convFilterGradSimd.ts) against the cpu backend's
 * Conv2DBackpropFilter, on the shapes that stress their bookkeeping: stride 2 and 3, 'same',
 * 'valid' and explicit padding, 1×1 and non-square filters, non-square images, batch 1, out-channels
 * a multiple of 8 and of only 4, and a filter wider than the image. Each case also runs with the
 * loops switched off (the XNNPACK route), so both paths stay checked; and with plain SIMD where the
 * engine would pick relaxed SIMD.
 */
import { setFlagsFromString } from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { relativeError, seeded } from '../../testing/seededTensors';
import { useWasmBackend } from '../../testing/wasmBackend';
import { convFilterGradFor, convFilterGradModuleBytes, setConvSimdMode } from './convFilterGradSimd';
import type { ConvSimdMode } from './convFilterGradSimd';
import { heapMemory } from './groupNormSiluKernel';

type Shape4D = [number, number, number, number];
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface ConvCase { x: Shape4D; filter: Shape4D; stride: number | [number, number]; pad: Pad }

const CASES: ConvCase[] = [
  { x: [2, 8, 8, 4], filter: [3, 3, 4, 8], stride: 1, pad: 'same' },
  { x: [3, 9, 7, 8], filter: [3, 3, 8, 16], stride: 1, pad: 'valid' },
  { x: [2, 9, 9, 4], filter: [4, 4, 4, 8], stride: 2, pad: 'same' },
  { x: [2, 10, 10, 8], filter: [3, 3, 8, 4], stride: 2, pad: 'same' },
  { x: [1, 11, 6, 12], filter: [3, 5, 12, 12], stride: [3, 2], pad: 'same' },
  { x: [1, 7, 9, 16], filter: [1, 1, 16, 8], stride: 1, pad: 'valid' },
  { x: [2, 7, 6, 8], filter: [1, 1, 8, 20], stride: 2, pad: 'valid' },
  { x: [1, 6, 7, 4], filter: [3, 3, 4, 8], stride: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [2, 4, 3, 4], filter: [5, 5, 4, 4], stride: 1, pad: 'same' },
  { x: [4, 16, 16, 32], filter: [3, 3, 32, 16], stride: 1, pad: 'same' },
  // Channels not multiples of 4 (zero-padded copies): the U-Net's 1-channel input and output convs, and odd ones.
  { x: [3, 8, 8, 1], filter: [3, 3, 1, 16], stride: 1, pad: 'same' },
  { x: [3, 8, 8, 16], filter: [3, 3, 16, 1], stride: 1, pad: 'same' },
  { x: [2, 9, 7, 3], filter: [3, 2, 3, 5], stride: 2, pad: 'valid' },
];

// Node 20 has relaxed SIMD behind a flag (Chromium ships it): on, mode 'auto' runs and tests the
// fused multiply-add loops, 'simd' the plain ones. Where the flag has no effect both are plain SIMD.
setFlagsFromString('--experimental-wasm-relaxed-simd');

beforeAll(async () => {
  await useWasmBackend();
});

afterEach(() => {
  setConvSimdMode('auto');
});

function outputShape(c: ConvCase): Shape4D {
  return tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.stride, c.pad).shape);
}

async function filterGrad(backend: 'cpu' | 'wasm', c: ConvCase, mode: ConvSimdMode = 'auto'): Promise<Float32Array> {
  await tf.setBackend(backend);
  setConvSimdMode(mode);
  return tf.tidy(() => (tf.engine().runKernel('Conv2DBackpropFilter', { x: seeded(c.x, 1), dy: seeded(outputShape(c), 2) }, {
    strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter,
  } as unknown as tf.NamedAttrMap) as tf.Tensor).dataSync() as Float32Array);
}

function describeCase(c: ConvCase): string {
  return `x ${c.x} filter ${c.filter} stride ${c.stride} pad ${JSON.stringify(c.pad)}`;
}

describe('Conv2DBackpropFilter: WebAssembly SIMD loops', () => {
  it('are available on this heap (else the cases below would test only the XNNPACK route)', () => {
    const memory = heapMemory((tf.backend() as unknown as { wasm: object }).wasm);
    expect(memory).toBeDefined();
    expect(convFilterGradFor(memory!)).not.toBeNull();
    expect(WebAssembly.validate(convFilterGradModuleBytes(false, false))).toBe(true);
  });

  it("pick the relaxed-SIMD loops in mode 'auto' exactly where the engine validates them", () => {
    const memory = heapMemory((tf.backend() as unknown as { wasm: object }).wasm)!;
    const relaxedValid = WebAssembly.validate(convFilterGradModuleBytes(false, true));
    expect(convFilterGradFor(memory)?.relaxed).toBe(relaxedValid);
    setConvSimdMode('simd');
    expect(convFilterGradFor(memory)?.relaxed).toBe(false);
    setConvSimdMode('off');
    expect(convFilterGradFor(memory)).toBeNull();
  });

  for (const c of CASES) {
    it(`match cpu: ${describeCase(c)}`, async () => {
      const cpu = await filterGrad('cpu', c);
      for (const mode of ['auto', 'simd', 'off'] as const) {
        expect(relativeError(cpu, await filterGrad('wasm', c, mode)), mode).toBeLessThan(1e-5);
      }
    });
  }

  it('leave no buffer behind', async () => {
    await tf.setBackend('wasm');
    const c = CASES[2];
    const run = () => tf.tidy(() => tf.engine().runKernel('Conv2DBackpropFilter', { x: seeded(c.x, 1), dy: seeded(outputShape(c), 2) }, {
      strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter,
    } as unknown as tf.NamedAttrMap) as tf.Tensor).dispose();
    run();
    const buffers = tf.backend().numDataIds();
    run();
    expect(tf.backend().numDataIds()).toBe(buffers);
  });
});
