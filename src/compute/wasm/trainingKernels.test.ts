/**
 * The wasm training kernels must give the cpu backend's answers: each kernel directly, their
 * gradients (against cpu and against finite differences), a gradient-penalty second-order
 * gradient, and 20 steps of a small DCGAN.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { relativeError, seeded } from '../../testing/seededTensors';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNEL_NAMES } from './trainingKernels';
import { copyRowsFor } from './copyRowsSimd';
import { heapMemory } from './groupNormSiluKernel';

type Backend = 'cpu' | 'wasm';
type Values = Float32Array | Int32Array | Uint8Array;

beforeAll(async () => {
  registerWasmTrainingKernels();
  const wasmDist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  setWasmPaths(`${wasmDist}/`);
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.setBackend('cpu');
});

/** Runs `compute` on a backend and returns plain values, so results never cross backends. */
async function on<T extends tf.Tensor | tf.Tensor[]>(backend: Backend, compute: () => T): Promise<Values[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(compute);
  const tensors = Array.isArray(out) ? out : [out];
  const values = tensors.map((t) => t.dataSync() as Values);
  tf.dispose(tensors);
  return values;
}

/** Runs the same computation on cpu and wasm. */
async function onBoth<T extends tf.Tensor | tf.Tensor[]>(compute: () => T): Promise<[Values[], Values[]]> {
  return [await on('cpu', compute), await on('wasm', compute)];
}

function expectClose(expected: Values[], actual: Values[], tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(relativeError(e, actual[i])).toBeLessThan(tolerance));
}

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface ConvCase { x: [number, number, number, number]; filter: [number, number, number, number]; stride: number | [number, number]; pad: Pad }

const CONV_CASES: ConvCase[] = [
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'valid' },
  { x: [2, 8, 8, 3], filter: [4, 4, 3, 5], stride: 2, pad: 'same' },
  { x: [2, 9, 9, 3], filter: [4, 4, 3, 5], stride: 2, pad: 'same' },
  { x: [2, 9, 7, 3], filter: [4, 3, 3, 2], stride: 2, pad: 'valid' },
  { x: [1, 10, 11, 2], filter: [3, 5, 2, 3], stride: [3, 2], pad: 'same' },
  { x: [1, 7, 6, 2], filter: [1, 1, 2, 3], stride: 2, pad: 'valid' },
  { x: [2, 6, 6, 4], filter: [2, 2, 4, 4], stride: 3, pad: 'valid' },
  { x: [1, 6, 7, 2], filter: [3, 3, 2, 3], stride: 2, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [3, 28, 28, 1], filter: [4, 4, 1, 8], stride: 2, pad: 'same' },
];

function describeCase(c: ConvCase): string {
  return `x ${c.x} filter ${c.filter} stride ${c.stride} pad ${JSON.stringify(c.pad)}`;
}

function convOutputShape(c: ConvCase): [number, number, number, number] {
  return tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.stride, c.pad).shape;
}

describe('registerWasmTrainingKernels', () => {
  it('installs every training kernel on wasm and is idempotent', () => {
    const before = WASM_TRAINING_KERNEL_NAMES.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    registerWasmTrainingKernels();
    const after = WASM_TRAINING_KERNEL_NAMES.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    expect(before.every((f) => typeof f === 'function')).toBe(true);
    expect(after).toEqual(before);
    expect(WASM_TRAINING_KERNEL_NAMES).toContain('Conv2DBackpropFilter');
    expect(WASM_TRAINING_KERNEL_NAMES).toContain('UnsortedSegmentSum');
  });
});

describe('Conv2DBackpropFilter and Conv2DBackpropInput on wasm match cpu', () => {
  for (const c of CONV_CASES) {
    it(`kernels: ${describeCase(c)}`, async () => {
      await tf.setBackend('cpu');
      const dyShape = convOutputShape(c);
      const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC' } as unknown as tf.NamedAttrMap;
      const [cpu, wasm] = await onBoth(() => [
        tf.engine().runKernel('Conv2DBackpropFilter', { x: seeded(c.x, 1), dy: seeded(dyShape, 2) },
          { ...attrs, filterShape: c.filter }) as tf.Tensor,
        tf.engine().runKernel('Conv2DBackpropInput', { dy: seeded(dyShape, 2), filter: seeded(c.filter, 3) },
          { ...attrs, inputShape: c.x }) as tf.Tensor,
      ]);
      expectClose(cpu, wasm);
    });
  }

  it('conv2dTranspose forward (= Conv2DBackpropInput) with odd output sizes', async () => {
    const cases: Array<[number[], number[], number[], number, 'same' | 'valid']> = [
      [[2, 5, 5, 6], [4, 4, 3, 6], [2, 9, 9, 3], 2, 'same'],
      [[2, 5, 5, 6], [3, 3, 3, 6], [2, 11, 11, 3], 2, 'valid'],
      [[1, 4, 3, 2], [5, 5, 4, 2], [1, 12, 9, 4], 3, 'same'],
    ];
    for (const [xShape, fShape, outShape, stride, pad] of cases) {
      const [cpu, wasm] = await onBoth(() => tf.conv2dTranspose(
        seeded(xShape, 4) as tf.Tensor4D, seeded(fShape, 5) as tf.Tensor4D,
        outShape as [number, number, number, number], stride, pad));
      expectClose(cpu, wasm);
    }
  });

  it('frees every intermediate buffer (all new and wrapped kernels)', async () => {
    await tf.setBackend('wasm');
    const c = CONV_CASES[3];
    const x = seeded(c.x, 1) as tf.Tensor4D;
    const f = seeded(c.filter, 2) as tf.Tensor4D;
    const ids = tf.tensor1d([1, 0, 1], 'int32');
    const loss = (xx: tf.Tensor, ff: tf.Tensor): tf.Scalar => {
      const y = tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 2, 'same');
      const { mean, variance } = tf.moments(y, [0, 1, 2]);
      const normed = y.sub(mean).div(variance.add(1).sqrt());
      const pooled = tf.maxPool(tf.image.resizeNearestNeighbor(normed as tf.Tensor4D, [10, 10]), 2, 2, 'valid');
      const dense = tf.matMul(pooled.reshape([2, -1]), pooled.reshape([2, -1]), true, false).sum();
      const embedded = tf.matMul(tf.oneHot(ids, 3, 1, 0, 'float32'), tf.gather(ff.reshape([-1, 5]), ids)).sum();
      return tf.conv2dTranspose(y, ff as tf.Tensor4D, c.x, 2, 'same').square().mean().add(dense).add(embedded);
    };
    tf.dispose(tf.grads(loss)([x, f]));
    const buffersBefore = tf.backend().numDataIds();
    const tensorsBefore = tf.memory().numTensors;
    tf.dispose(tf.grads(loss)([x, f]));
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    tf.dispose([x, f, ids]);
  });
});

describe('conv gradients on wasm', () => {
  for (const c of CONV_CASES.slice(0, 6)) {
    it(`tf.grads of conv2d and conv2dTranspose match cpu: ${describeCase(c)}`, async () => {
      const [cpu, wasm] = await onBoth(() => {
        const outShape = convOutputShape(c);
        const weights = seeded(outShape, 9);
        const grads = tf.grads((x: tf.Tensor, f: tf.Tensor) => {
          const y = tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad);
          const back = tf.conv2dTranspose(y.mul(weights) as tf.Tensor4D, f as tf.Tensor4D, c.x, c.stride, c.pad);
          return back.square().sum();
        });
        return grads([seeded(c.x, 7), seeded(c.filter, 8)]);
      });
      expectClose(cpu, wasm, 2e-5);
    });
  }

  it('matches central finite differences on a tiny case', async () => {
    await tf.setBackend('wasm');
    // The loss is linear in each argument, so central differences are exact up to rounding.
    const x = seeded([1, 5, 5, 2], 11);
    const f = seeded([3, 3, 2, 3], 12);
    const r = seeded([1, 3, 3, 3], 13);
    const loss = (xx: tf.Tensor, ff: tf.Tensor): tf.Scalar =>
      tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 2, 'same').mul(r).sum();
    const [dx, df] = tf.grads(loss)([x, f]);
    const eps = 0.05;
    const check = (t: tf.Tensor, grad: tf.Tensor, index: number, other: (p: tf.Tensor) => tf.Scalar): void => {
      const base = t.dataSync().slice();
      const bump = (delta: number): number => {
        const v = base.slice();
        v[index] += delta;
        return tf.tidy(() => other(tf.tensor(v, t.shape)).dataSync()[0]);
      };
      const numeric = (bump(eps) - bump(-eps)) / (2 * eps);
      expect(Math.abs(numeric - grad.dataSync()[index])).toBeLessThan(1e-3 * Math.max(1, Math.abs(numeric)));
    };
    for (const i of [0, 7, 13, 31, 49]) check(x, dx, i, (p) => loss(p, f));
    for (const i of [0, 5, 22, 40, 53]) check(f, df, i, (p) => loss(x, p));
    tf.dispose([x, f, r, dx, df]);
  });

  it('second-order gradient (gradient penalty through strided convs) matches cpu', async () => {
    const [cpu, wasm] = await onBoth(() => {
      const w1 = seeded([4, 4, 1, 6], 21).mul(0.5);
      const w2 = seeded([4, 4, 6, 8], 22).mul(0.3);
      const wd = seeded([2 * 2 * 8, 1], 23).mul(0.3);
      const images = seeded([3, 8, 8, 1], 24);
      const leaky = (t: tf.Tensor): tf.Tensor => t.mul(0.6).add(t.abs().mul(0.4));
      const critic = (x: tf.Tensor, a: tf.Tensor, b: tf.Tensor, d: tf.Tensor): tf.Tensor => {
        const h1 = leaky(tf.conv2d(x as tf.Tensor4D, a as tf.Tensor4D, 2, 'same'));
        const h2 = leaky(tf.conv2d(h1 as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'));
        return tf.matMul(h2.reshape([3, -1]), d);
      };
      const penalty = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor): tf.Scalar => {
        const dCritic = tf.grad((x: tf.Tensor) => critic(x, a, b, d).sum())(images);
        const norms = dCritic.square().sum([1, 2, 3]).add(1e-12).sqrt();
        return norms.sub(1).square().mean();
      };
      return [penalty(w1, w2, wd), ...tf.grads(penalty)([w1, w2, wd])];
    });
    expectClose(cpu, wasm, 1e-4);
  });
});

describe('other training ops and their gradients on wasm match cpu', () => {
  const x4 = (): tf.Tensor4D => seeded([2, 6, 6, 3], 31) as tf.Tensor4D;

  const cases: Array<[string, () => tf.Tensor[]]> = [
    ['moments (batch-norm statistics) and grad', () => {
      const f = (x: tf.Tensor): tf.Tensor => {
        const { mean, variance } = tf.moments(x, [0, 1, 2]);
        return x.sub(mean).mul(tf.rsqrt(variance.add(1e-5))).mul(seeded([2, 6, 6, 3], 32));
      };
      return [f(x4()), tf.grad((x: tf.Tensor) => f(x).sum())(x4())];
    }],
    ['sum/mean over leading, inner and mixed axes, keepDims', () => {
      const x = seeded([3, 4, 5, 6], 33);
      const big = seeded([4, 64, 64, 2], 48);
      return [x.sum([0, 1, 2]), x.mean([0, 1, 2], true), x.sum(0), x.mean([0, 1]), x.sum(-1), x.mean([1, 3]),
        x.sum(), seeded([40, 7], 34).mean(0, true), big.sum([0, 1, 2]), big.mean([2, 1, 0])];
    }],
    ['sum/mean over a contiguous block of axes with inner size a multiple of 4 (./sumAxesSimd), and their grads', () => {
      const x = seeded([3, 5, 7, 8], 35);
      const wide = seeded([6, 3, 4, 1024], 36);
      const embedding = seeded([3, 1, 1, 8], 37);
      return [x.sum([0, 1, 2]), x.sum([1, 2]), x.mean([1, 2], true), x.sum(0), x.sum(1), x.mean(2), x.sum([0, 1], true),
        wide.sum(2), wide.mean([1, 2]), seeded([16, 64], 38).sum(0), seeded([129, 4], 39).sum(0), x.sum([-3, -2]),
        x.sum([1, 2]).sum(0), // [3, 8] over 3 rows: below MIN_REDUCED, the XNNPACK path
        x.sum([0, 2]), // not contiguous: the XNNPACK or stock path
        tf.grad((e: tf.Tensor) => x.add(e).square().sum())(embedding)];
    }],
    ['oneHot in float32 (label embeddings) and its matMul gradient', () => {
      const labels = tf.tensor1d([2, 0, 4, 1, 4], 'int32');
      const table = seeded([5, 6], 45);
      const embed = (t: tf.Tensor): tf.Tensor => tf.matMul(tf.oneHot(labels, 5, 1, 0, 'float32'), t);
      return [tf.oneHot(labels, 5, 1, 0, 'float32'), embed(table), tf.grad((t: tf.Tensor) => embed(t).square().sum())(table)];
    }],
    ['avgPool / maxPool grads, incl. all-negative windows and overlapping windows', () => [
      tf.grad((x: tf.Tensor) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid').square().sum())(x4()),
      tf.grad((x: tf.Tensor) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'same').square().sum())(x4()),
      tf.grad((x: tf.Tensor) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same').mul(seeded([2, 3, 3, 3], 46)).sum())(x4()),
      tf.grad((x: tf.Tensor) => tf.maxPool(x.abs().neg() as tf.Tensor4D, 2, 1, 'valid').sum())(x4()),
    ]],
    ['tanh, sigmoid, abs, sign, relu, softplus grads', () => {
      const f = (x: tf.Tensor): tf.Tensor =>
        tf.tanh(x).add(tf.sigmoid(x)).add(x.abs().mul(tf.sign(x))).add(tf.relu(x)).add(tf.softplus(x));
      return [f(x4()), tf.grad((x: tf.Tensor) => f(x).square().sum())(x4())];
    }],
    ['sigmoid cross-entropy with logits and grad', () => {
      const labels = tf.tensor2d([[1], [0], [1], [0]]);
      const f = (logits: tf.Tensor): tf.Scalar => tf.losses.sigmoidCrossEntropy(labels, logits) as tf.Scalar;
      const logits = seeded([4, 1], 35).mul(3);
      return [f(logits), tf.grad(f)(logits)];
    }],
    ['matMul with every transpose combination and grads', () => {
      const a = seeded([40, 70], 36);
      const b = seeded([70, 50], 37);
      const f = (p: tf.Tensor, q: tf.Tensor): tf.Tensor => tf.matMul(p, q).square().sum();
      return [tf.matMul(a, a, true, false), tf.matMul(a, b.transpose(), false, true),
        tf.matMul(b, a, true, true), ...tf.grads(f)([a, b])];
    }],
    ['batched matMul with transposes (stock path)', () => [tf.matMul(seeded([3, 20, 30], 38), seeded([3, 20, 25], 39), true, false)]],
    ['gather (embedding lookup) and its gradient, UnsortedSegmentSum', () => {
      const table = seeded([10, 8], 40);
      const ids = tf.tensor1d([3, 0, 3, 9, 5, 3], 'int32');
      const grad = tf.grad((t: tf.Tensor) => tf.gather(t, ids).mul(seeded([6, 8], 41)).sum())(table);
      const segments = tf.unsortedSegmentSum(seeded([6, 2, 3], 42), tf.tensor1d([1, 4, 1, -1, 0, 7], 'int32'), 5);
      return [grad, segments];
    }],
    ['clone and cast keep their values after the source is gone', () => {
      const source = seeded([4, 5], 43);
      const copy = source.clone();
      const same = tf.cast(source, 'float32');
      const ints = tf.cast(source.mul(10), 'int32');
      source.dispose();
      return [copy, same, tf.cast(ints, 'float32')];
    }],
  ];

  for (const [name, compute] of cases) {
    it(name, async () => {
      const [cpu, wasm] = await onBoth(compute);
      expectClose(cpu, wasm, 2e-5);
    });
  }

  it('resizeNearestNeighbor gradient is the transpose of the forward pass (cpu\'s is wrong for batch > 1)', async () => {
    await tf.setBackend('wasm');
    const settings: Array<[[number, number], boolean, boolean]> = [
      [[12, 12], false, false], [[12, 18], false, true], [[9, 14], false, false], [[9, 14], true, false],
      [[4, 5], false, true], [[7, 3], true, false], [[5, 4], false, true], [[18, 6], false, false],
    ];
    const imageShape = [2, 6, 6, 3];
    const imageSize = imageShape.reduce((a, b) => a * b, 1);
    for (const [size, alignCorners, halfPixel] of settings) {
      // The forward pass applied to an image of flat indices reveals where each output reads from.
      const sources = tf.tidy(() => tf.image.resizeNearestNeighbor(
        tf.range(0, imageSize).reshape(imageShape) as tf.Tensor4D, size, alignCorners, halfPixel).dataSync());
      const dy = seeded([2, ...size, 3], 47);
      const dyValues = dy.dataSync();
      const expected = new Float32Array(imageSize);
      sources.forEach((source, i) => { expected[source] += dyValues[i]; });
      const actual = tf.tidy(() => tf.grad((x: tf.Tensor) =>
        tf.image.resizeNearestNeighbor(x as tf.Tensor4D, size, alignCorners, halfPixel).mul(dy).sum())(tf.zeros(imageShape)).dataSync());
      expect(relativeError(expected, actual as Float32Array)).toBeLessThan(1e-6);
      dy.dispose();
    }
  });

  it('a small U-Net denoiser step (DDPM-style) has the cpu gradients', async () => {
    // Batch 1: the cpu backend's own ResizeNearestNeighborGrad is wrong for batch > 1.
    const [cpu, wasm] = await onBoth(() => {
      const silu = (t: tf.Tensor): tf.Tensor => t.mul(tf.sigmoid(t));
      const weights = [
        seeded([3, 3, 1, 8], 51).mul(0.4), seeded([4, 4, 8, 16], 52).mul(0.2), seeded([3, 3, 16, 16], 53).mul(0.2),
        seeded([3, 3, 24, 8], 54).mul(0.2), seeded([1, 1, 8, 1], 55).mul(0.3), seeded([10, 16], 56).mul(0.3),
      ];
      const noisy = seeded([1, 16, 16, 1], 57);
      const noise = seeded([1, 16, 16, 1], 58);
      const timestep = tf.tensor1d([3], 'int32');
      const loss = (...w: tf.Tensor[]): tf.Scalar => {
        const [inConv, down, mid, upConv, outConv, timeTable] = w as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor2D];
        const time = tf.matMul(tf.oneHot(timestep, 10, 1, 0, 'float32'), timeTable).reshape([1, 1, 1, 16]);
        const skip = silu(tf.conv2d(noisy as tf.Tensor4D, inConv, 1, 'same')) as tf.Tensor4D;
        const low = silu(tf.conv2d(skip, down, 2, 'same').add(time)) as tf.Tensor4D;
        const pooled = tf.avgPool(silu(tf.conv2d(low, mid, 1, 'same')) as tf.Tensor4D, 2, 2, 'same');
        const up = tf.image.resizeNearestNeighbor(tf.image.resizeNearestNeighbor(pooled, [8, 8]), [16, 16]);
        const merged = tf.concat([up, skip], 3) as tf.Tensor4D;
        const predicted = tf.conv2d(silu(tf.conv2d(merged, upConv, 1, 'same')) as tf.Tensor4D, outConv, 1, 'same');
        return predicted.sub(noise).square().mean() as tf.Scalar;
      };
      return [loss(...weights), ...tf.grads(loss)(weights)];
    });
    expectClose(cpu, wasm, 1e-4);
  });

  it('a variable keeps its own value after being cloned and reassigned', async () => {
    await tf.setBackend('wasm');
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const snapshot = v.clone();
    v.assign(tf.tensor1d([7, 8, 9]));
    expect(Array.from(snapshot.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(v.dataSync())).toEqual([7, 8, 9]);
    tf.dispose([v, snapshot]);
  });
});

describe('Slice and SplitV on wasm (./sliceFromHeap)', () => {
  it('match cpu on contiguous and strided pieces, every dtype and empty pieces', async () => {
    const [cpu, wasm] = await onBoth(() => {
      const flat = seeded([1000], 61);
      const matrix = seeded([6, 5], 62);
      const image = seeded([2, 4, 4, 3], 63);
      const ints = tf.range(0, 24, 1, 'int32').reshape([2, 3, 4]);
      const bools = tf.tensor1d([1, 0, 1, 1, 0], 'bool');
      return [
        ...tf.split(flat, [1, 0, 300, 299, 400]),
        ...tf.split(matrix, [2, 4], 0),
        ...tf.split(matrix, [3, 2], 1), // strided: stock path
        ...tf.split(image.reshape([1, 32, 3]), [5, 27], 1), // leading axis of size 1: contiguous
        ...tf.split(image, 2, 3 - 1),
        tf.slice(flat, [17], [500]),
        tf.slice(matrix, [1, 0], [3, 5]),
        tf.slice(matrix, [1, 1], [3, 2]),
        tf.slice(image, [1, 0, 0, 0], [1, 4, 4, 3]),
        tf.slice(image, [0, 1, 1, 1], [2, 2, 2, 2]),
        ...tf.split(ints, [1, 2], 1),
        tf.slice(ints, [1, 0, 0], [1, 3, 4]),
        ...tf.split(bools, [2, 3]),
      ];
    });
    expect(wasm.length).toBe(cpu.length);
    cpu.forEach((values, i) => expect(Array.from(wasm[i])).toEqual(Array.from(values)));
  });

  it('cut contiguous pieces without reading the whole input back (stock wasm copied it once per piece)', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { readSync(dataId: object): unknown };
    const flat = tf.tidy(() => seeded([4096], 64));
    const original = backend.readSync.bind(backend);
    let reads = 0;
    backend.readSync = (dataId: object) => {
      reads++;
      return original(dataId);
    };
    try {
      const pieces = tf.split(flat, [1000, 96, 3000]);
      const piece = tf.slice(flat, [10], [100]);
      expect(reads).toBe(0);
      tf.dispose([...pieces, piece]);
    } finally {
      backend.readSync = original;
      flat.dispose();
    }
  });

  it('a grown heap during a split leaves every piece correct and frees nothing twice', async () => {
    await tf.setBackend('wasm');
    // Pieces large enough that allocating them grows the wasm heap (views taken before would detach).
    const big = tf.tidy(() => tf.range(0, 6_000_000, 1, 'float32'));
    const before = tf.backend().numDataIds();
    const pieces = tf.split(big, [2_000_000, 4_000_000]);
    expect(pieces[0].dataSync()[1_999_999]).toBe(1_999_999);
    expect(pieces[1].dataSync()[0]).toBe(2_000_000);
    expect(pieces[1].dataSync()[3_999_999]).toBe(5_999_999);
    tf.dispose(pieces);
    expect(tf.backend().numDataIds()).toBe(before);
    big.dispose();
  });
});

describe('Concat and strided SplitV on wasm (./concatSplitRows)', () => {
  it('the SIMD row copy is available here, so the cases below run it', async () => {
    await tf.setBackend('wasm');
    const memory = heapMemory((tf.backend() as unknown as { wasm: object }).wasm);
    expect(memory).toBeDefined();
    expect(copyRowsFor(memory!)).not.toBeNull();
    expect(WASM_TRAINING_KERNEL_NAMES).toContain('Concat');
  });

  it('match cpu along every axis, with row copies and stock fallbacks', async () => {
    const [cpu, wasm] = await onBoth(() => {
      const a = seeded([2, 3, 5, 8], 71);
      const b = seeded([2, 3, 5, 4], 72);
      const c = seeded([2, 3, 5, 12], 73);
      const odd = seeded([2, 3, 5, 3], 74); // 3 channels: 12-byte rows, stock path
      const wide = seeded([2, 4, 5, 8], 75);
      return [
        tf.concat([a, b], 3), // channels: rows of 32 and 16 bytes
        tf.concat([a, b, c], 3), // three inputs
        tf.concat([a, wide], 1), // rows of 3·5·8 and 4·5·8 floats
        tf.concat([a, a], 2),
        tf.concat([a, a], 0), // outer 1: stock path
        tf.concat([a, odd], 3), // a 12-byte row: stock path
        tf.concat([a, tf.zeros([2, 3, 5, 0])], 3), // an empty input: stock path
        tf.concat([tf.range(0, 8, 1, 'int32').reshape([2, 4]), tf.range(8, 16, 1, 'int32').reshape([2, 4])], 1), // int32: stock
        ...tf.split(c, [4, 8], 3), // strided pieces: row copies
        ...tf.split(c, [8, -1], 3),
        ...tf.split(c, 3, 3),
        ...tf.split(wide, [1, 3], 1), // pieces of 1·5·8 and 3·5·8 floats per row
        ...tf.split(c, [5, 7], 3), // 20- and 28-byte rows: stock path
      ];
    });
    expect(wasm.length).toBe(cpu.length);
    cpu.forEach((values, i) => expect(Array.from(wasm[i])).toEqual(Array.from(values)));
  });

  it('the U-Net skip concatenation and its gradient match cpu at the DDPM-32 shape', async () => {
    const [cpu, wasm] = await onBoth(() => {
      const up = seeded([4, 32, 32, 16], 76);
      const skip = seeded([4, 32, 32, 16], 77);
      const weight = seeded([4, 32, 32, 32], 78);
      const loss = (u: tf.Tensor, s: tf.Tensor) => tf.concat([u, s], 3).mul(weight).sum();
      return [tf.concat([up, skip], 3), ...tf.grads(loss)([up, skip])];
    });
    // Copies are exact; compared as one number (a 65k-element diff takes minutes to print).
    expect(wasm.length).toBe(3);
    cpu.forEach((values, i) => expect(relativeError(values, wasm[i])).toBe(0));
  });

  it('a concatenation whose output grows the heap is still correct and leaks nothing', async () => {
    await tf.setBackend('wasm');
    // 2 × 3M floats in, 6M out: allocating the output grows the heap under the inputs' offsets.
    const [a, b] = tf.tidy(() => [tf.range(0, 3_000_000, 1, 'float32').reshape([750_000, 4]), tf.range(3_000_000, 6_000_000, 1, 'float32').reshape([750_000, 4])]);
    const before = tf.backend().numDataIds();
    const out = tf.concat([a, b], 1);
    const values = out.dataSync();
    expect(Array.from(values.subarray(0, 8))).toEqual([0, 1, 2, 3, 3_000_000, 3_000_001, 3_000_002, 3_000_003]);
    expect(Array.from(values.subarray(values.length - 8))).toEqual([2_999_996, 2_999_997, 2_999_998, 2_999_999, 5_999_996, 5_999_997, 5_999_998, 5_999_999]);
    const pieces = tf.split(out, 2, 1);
    expect(pieces[1].dataSync()[4]).toBe(3_000_004);
    tf.dispose([out, ...pieces]);
    expect(tf.backend().numDataIds()).toBe(before);
    tf.dispose([a, b]);
  });
});

describe('Sum and Mean as float64 SIMD column sums on wasm (./sumAxesSimd)', () => {
  it('a time-embedding gradient over 8k rows per image is the float64 sum rounded once', async () => {
    await tf.setBackend('wasm');
    // Values near 1 make float32 running sums drift: 8192 rows in float32 lose ~3 digits.
    const x = tf.tidy(() => seeded([2, 128, 64, 16], 81).mul(0.01).add(1));
    const values = x.dataSync();
    const expected = new Float64Array(32);
    for (let i = 0; i < values.length; i++) expected[Math.floor(i / (8192 * 16)) * 16 + (i % 16)] += values[i];
    const [sum, mean] = [x.sum([1, 2]), x.mean([1, 2])];
    const [sums, means] = [sum.dataSync(), mean.dataSync()];
    expect(sum.shape).toEqual([2, 16]);
    for (let c = 0; c < 32; c++) {
      expect(sums[c]).toBe(Math.fround(expected[c]));
      expect(means[c]).toBe(Math.fround(expected[c] / 8192));
    }
    tf.dispose([x, sum, mean]);
  });
});
