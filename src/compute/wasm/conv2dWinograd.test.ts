/**
 * The Winograd F(2×2, 3×3) convolutions of ./conv2dWinograd.ts against the cpu backend, through the
 * tfjs ops a model calls (FusedConv2D with and without a bias, Conv2D, Conv2DBackpropInput,
 * whose stride-1 case is a 3×3 convolution too, and Conv2DBackpropFilter, by
 * ./conv2dWinogradFilterGrad.ts), on shapes that stress the band and tile
 * bookkeeping: one band and several (with a short last band), tile rows of an odd width (the
 * GEMM rounds a band up to 4 tiles), out-channels a multiple of 8 and of only 4, 'same',
 * 'valid' (read in place) and uneven explicit padding. Each case checks that the Winograd path
 * ran: its sums round differently from the direct loops'.
 */
import { setFlagsFromString } from 'node:v8';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { relativeError, seeded } from '../../testing/seededTensors';
import { useWasmBackend } from '../../testing/wasmBackend';
import { setWinogradConv, transformFilter, winogradApplies } from './conv2dWinograd';
import { transformFilterGradient } from './conv2dWinogradFilterGrad';
import { setConvSimdMode } from './convFilterGradSimd';
import { winogradTransformsModuleBytes } from './winogradTransformsSimd';

type Shape4D = [number, number, number, number];
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface WinogradCase { x: Shape4D; filter: Shape4D; pad: Pad; note: string }

const CASES: WinogradCase[] = [
  { x: [2, 8, 8, 4], filter: [3, 3, 4, 8], pad: 'same', note: 'one band' },
  { x: [3, 10, 6, 8], filter: [3, 3, 8, 12], pad: 'same', note: '3 tiles per row, Co 12 (4 at a time)' },
  { x: [2, 32, 32, 16], filter: [3, 3, 16, 16], pad: 'same', note: 'DDPM-32 top level: two bands' },
  { x: [1, 18, 34, 64], filter: [3, 3, 64, 32], pad: 'same', note: 'three bands of 17 tiles per row' },
  { x: [2, 10, 10, 8], filter: [3, 3, 8, 8], pad: 'valid', note: 'read in place' },
  { x: [2, 8, 6, 4], filter: [3, 3, 4, 4], pad: [[0, 0], [2, 0], [0, 2], [0, 0]], note: 'uneven padding' },
];

setFlagsFromString('--experimental-wasm-relaxed-simd');

beforeAll(async () => {
  await useWasmBackend();
});

afterEach(() => {
  setWinogradConv(true);
  setConvSimdMode('auto');
});

type Op = 'fused' | 'fused-no-bias' | 'conv2d' | 'backprop-input' | 'input-gradient' | 'filter-gradient';

async function run(backend: 'cpu' | 'wasm', c: WinogradCase, op: Op, winograd = true): Promise<Float32Array> {
  await tf.setBackend(backend);
  setWinogradConv(winograd);
  return tf.tidy(() => {
    const x = seeded(c.x, 1) as tf.Tensor4D;
    const filter = seeded(c.filter, 2) as tf.Tensor4D;
    const pad = c.pad as 'same';
    if (op === 'fused') return tf.fused.conv2d({ x, filter, strides: 1, pad, bias: seeded([c.filter[3]], 3) }).dataSync() as Float32Array;
    if (op === 'fused-no-bias') return tf.fused.conv2d({ x, filter, strides: 1, pad }).dataSync() as Float32Array;
    if (op === 'conv2d') return tf.conv2d(x, filter, 1, pad).dataSync() as Float32Array;
    const y = tf.conv2d(x, filter, 1, pad);
    const dy = seeded(y.shape, 4) as tf.Tensor4D;
    if (op === 'backprop-input') return tf.conv2dTranspose(dy, filter, c.x, 1, pad).dataSync() as Float32Array;
    if (op === 'input-gradient') return tf.grad((input: tf.Tensor) => tf.conv2d(input as tf.Tensor4D, filter, 1, pad).mul(dy).sum())(x).dataSync() as Float32Array;
    return tf.grad((w: tf.Tensor) => tf.conv2d(x, w as tf.Tensor4D, 1, pad).mul(dy).sum())(filter).dataSync() as Float32Array;
  });
}

/** Lavin & Gray's G for F(2×2, 3×3): U = G g Gᵀ, and dW = Gᵀ dU G. */
const G = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]];

describe('Winograd F(2×2, 3×3) convolutions', () => {
  it('assemble into a module the engine accepts, shared heap or not', () => {
    expect(WebAssembly.validate(winogradTransformsModuleBytes(false))).toBe(true);
    expect(WebAssembly.validate(winogradTransformsModuleBytes(true))).toBe(true);
  });

  it('transform a filter to G g Gᵀ', () => {
    // One (ci, co) pair: g = [[1, 2, 3], [4, 5, 6], [7, 8, 9]].
    const g = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const u = new Float32Array(16);
    transformFilter(g, u, 1);
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        let expected = 0;
        for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) expected += G[i][a] * g[3 * a + b] * G[j][b];
        expect(u[4 * i + j], `U[${i}, ${j}]`).toBeCloseTo(expected, 6);
      }
    }
  });

  it('transform a filter gradient to Gᵀ dU G', () => {
    const du = Float32Array.from({ length: 16 }, (_, i) => (i * 7) % 5 - 2 + i / 10);
    const dw = new Float32Array(9);
    transformFilterGradient(du, dw, 1);
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        let expected = 0;
        for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expected += G[i][a] * du[4 * i + j] * G[j][b];
        expect(dw[3 * a + b], `dW[${a}, ${b}]`).toBeCloseTo(expected, 5);
      }
    }
  });

  it('apply only to 3×3 stride-1 convolutions with even outputs and channels a multiple of 4', () => {
    const x = { dtype: 'float32', shape: [1, 8, 8, 4] } as unknown as tf.TensorInfo;
    const filter = (shape: number[]) => ({ dtype: 'float32', shape } as unknown as tf.TensorInfo);
    const same = { strideHeight: 1, strideWidth: 1, padTop: 1, padLeft: 1, outHeight: 8, outWidth: 8 };
    expect(winogradApplies(x, filter([3, 3, 4, 8]), same)).toBe(true);
    expect(winogradApplies(x, filter([3, 3, 4, 6]), same)).toBe(false);
    expect(winogradApplies(x, filter([1, 1, 4, 8]), { ...same, padTop: 0, padLeft: 0 })).toBe(false);
    expect(winogradApplies(x, filter([3, 3, 4, 8]), { ...same, strideHeight: 2, strideWidth: 2, outHeight: 4, outWidth: 4 })).toBe(false);
    expect(winogradApplies(x, filter([3, 3, 4, 8]), { ...same, outHeight: 7 })).toBe(false);
  });

  for (const c of CASES) {
    it(`match cpu and run instead of the direct loops: ${c.note} (x ${c.x}, filter ${c.filter}, pad ${JSON.stringify(c.pad)})`, async () => {
      for (const op of ['fused', 'fused-no-bias', 'conv2d', 'backprop-input', 'input-gradient', 'filter-gradient'] as const) {
        const cpu = await run('cpu', c, op);
        const winograd = await run('wasm', c, op, true);
        const direct = await run('wasm', c, op, false);
        expect(relativeError(cpu, winograd), `${op}: Winograd against cpu`).toBeLessThan(1e-5);
        expect(relativeError(cpu, direct), `${op}: direct against cpu`).toBeLessThan(1e-5);
        expect(winograd.some((v, i) => v !== direct[i]), `${op}: the Winograd path ran`).toBe(true);
      }
    });
  }

  it('take a 1-channel output conv (the U-Net’s last) and its filter gradient on channel-widened copies', async () => {
    for (const c of [{ x: [2, 8, 12, 8], filter: [3, 3, 8, 1], pad: 'same', note: 'one out-channel' }] as WinogradCase[]) {
      for (const op of ['filter-gradient', 'fused', 'fused-no-bias'] as const) {
        const cpu = await run('cpu', c, op);
        const winograd = await run('wasm', c, op, true);
        const direct = await run('wasm', c, op, false);
        expect(relativeError(cpu, winograd), `${c.note} ${op}`).toBeLessThan(1e-5);
        expect(relativeError(cpu, direct), `${c.note} ${op}`).toBeLessThan(1e-5);
        expect(winograd.some((v, i) => v !== direct[i]), `${c.note} ${op}: the Winograd path ran`).toBe(true);
      }
    }
  });

  it('run on plain SIMD too (no relaxed multiply-add)', async () => {
    setConvSimdMode('simd');
    const c = CASES[2];
    const cpu = await run('cpu', c, 'fused');
    setConvSimdMode('simd');
    expect(relativeError(cpu, await run('wasm', c, 'fused', true))).toBeLessThan(1e-5);
  });

  it('take an empty batch (no share to run; the filter gradient is zero)', async () => {
    await tf.setBackend('wasm');
    const filter = seeded([3, 3, 4, 8], 2) as tf.Tensor4D;
    const x = tf.zeros([0, 8, 8, 4]) as tf.Tensor4D;
    const y = tf.conv2d(x, filter, 1, 'same');
    expect(y.shape).toEqual([0, 8, 8, 8]);
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: tf.zeros([0, 8, 8, 8]) },
      { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 4, 8] } as unknown as tf.NamedAttrMap) as tf.Tensor;
    expect(Array.from(dw.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([filter, x, y, dw]);
  });

  it('leave no buffer behind', async () => {
    await tf.setBackend('wasm');
    const c = CASES[3];
    const once = () => tf.tidy(() => tf.fused.conv2d({ x: seeded(c.x, 1) as tf.Tensor4D, filter: seeded(c.filter, 2) as tf.Tensor4D, strides: 1, pad: 'same' })).dispose();
    once();
    const buffers = tf.backend().numDataIds();
    once();
    expect(tf.backend().numDataIds()).toBe(buffers);
  });
});
