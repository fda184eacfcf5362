/**
 * The network against independent computations: naive float64 loops written from pytorch-fid's
 * forward code (unfolded BatchNorm, explicit padding, count_include_pad=False averaging), and,
 * when this machine has PyTorch, real PyTorch on a random FID Inception checkpoint.
 * The cpu backend is too slow for Inception at 299 px (~100 s per image), so the end-to-end
 * comparison runs on the wasm backend the studio uses; block tests run on cpu.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FID_INCEPTION_CONVS } from './architecture';
import { inceptionFeaturesFromPixels } from './batched';
import { avgPool3x3ExcludingPadding, fidInceptionA, fidInceptionE } from './blocks';
import { createConvLayers, createFidInception, toInceptionInput, type ConvLayers, type FidInception } from './network';
import { hasTorch, runTorchReference, TORCH_SKIP_MESSAGE, type TorchReference } from './testing/torchReference';
import { randomFidInceptionStateDict, seededUniform, writeTorchZip, type TensorToSave } from './testing/torchSave';
import { loadInceptionWeights, sha256Hex, type InceptionWeights } from './weights';

if (!hasTorch) console.warn(TORCH_SKIP_MESSAGE);

/** NHWC float64 image batch for the naive reference. */
interface Nhwc {
  data: Float64Array;
  n: number;
  h: number;
  w: number;
  c: number;
}

const at = (t: Nhwc, n: number, y: number, x: number, c: number) => t.data[((n * t.h + y) * t.w + x) * t.c + c];

function randomNhwc(n: number, h: number, w: number, c: number, seed: number): Nhwc {
  const random = seededUniform(seed);
  return { data: Float64Array.from({ length: n * h * w * c }, () => random()), n, h, w, c };
}

const toTensor = (t: Nhwc) => tf.tensor4d(Float32Array.from(t.data), [t.n, t.h, t.w, t.c]);

let entries: Map<string, Float32Array>;
let weights: InceptionWeights;
let testFile: Uint8Array;

/** conv (OIHW weights, zero padding) → BatchNorm(eps 1e-3, running stats) → ReLU, in float64. */
function naiveBasicConv(name: string, x: Nhwc): Nhwc {
  const spec = FID_INCEPTION_CONVS.find((s) => s.name === name)!;
  const weight = entries.get(`${name}.conv.weight`)!;
  const [gamma, beta, mean, variance] = ['weight', 'bias', 'running_mean', 'running_var'].map((p) => entries.get(`${name}.bn.${p}`)!);
  const [kh, kw] = spec.kernel;
  const [ph, pw] = spec.padding;
  const s = spec.stride;
  const h = Math.floor((x.h + 2 * ph - kh) / s) + 1;
  const w = Math.floor((x.w + 2 * pw - kw) / s) + 1;
  const out: Nhwc = { data: new Float64Array(x.n * h * w * spec.outChannels), n: x.n, h, w, c: spec.outChannels };
  for (let n = 0; n < x.n; n++)
    for (let y = 0; y < h; y++)
      for (let xo = 0; xo < w; xo++)
        for (let o = 0; o < spec.outChannels; o++) {
          let sum = 0;
          for (let i = 0; i < spec.inChannels; i++)
            for (let ky = 0; ky < kh; ky++) {
              const yi = y * s + ky - ph;
              if (yi < 0 || yi >= x.h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const xi = xo * s + kx - pw;
                if (xi < 0 || xi >= x.w) continue;
                sum += at(x, n, yi, xi, i) * weight[((o * spec.inChannels + i) * kh + ky) * kw + kx];
              }
            }
          const bn = ((sum - mean[o]) / Math.sqrt(variance[o] + 0.001)) * gamma[o] + beta[o];
          out.data[((n * h + y) * w + xo) * spec.outChannels + o] = Math.max(0, bn);
        }
  return out;
}

/** 3×3 stride-1 pooling with padding 1: 'avg' divides by the taps inside the image (count_include_pad=False). */
function naivePool3x3(x: Nhwc, kind: 'avg' | 'max'): Nhwc {
  const out: Nhwc = { ...x, data: new Float64Array(x.data.length) };
  for (let n = 0; n < x.n; n++)
    for (let y = 0; y < x.h; y++)
      for (let xo = 0; xo < x.w; xo++)
        for (let c = 0; c < x.c; c++) {
          let acc = kind === 'max' ? -Infinity : 0;
          let count = 0;
          for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++) {
              const yi = y + dy;
              const xi = xo + dx;
              if (yi < 0 || yi >= x.h || xi < 0 || xi >= x.w) continue;
              const v = at(x, n, yi, xi, c);
              acc = kind === 'max' ? Math.max(acc, v) : acc + v;
              count++;
            }
          out.data[((n * x.h + y) * x.w + xo) * x.c + c] = kind === 'max' ? acc : acc / count;
        }
  return out;
}

function naiveConcat(parts: Nhwc[]): Nhwc {
  const c = parts.reduce((sum, p) => sum + p.c, 0);
  const { n, h, w } = parts[0];
  const out: Nhwc = { data: new Float64Array(n * h * w * c), n, h, w, c };
  for (let pixel = 0; pixel < n * h * w; pixel++) {
    let offset = 0;
    for (const p of parts) {
      out.data.set(p.data.subarray(pixel * p.c, (pixel + 1) * p.c), pixel * c + offset);
      offset += p.c;
    }
  }
  return out;
}

/** F.interpolate(mode='bilinear', align_corners=False) as PyTorch's upsample_bilinear2d computes it. */
function naiveBilinear(x: Nhwc, size: number): Nhwc {
  const out: Nhwc = { data: new Float64Array(x.n * size * size * x.c), n: x.n, h: size, w: size, c: x.c };
  const taps = (o: number, inSize: number) => {
    const src = Math.max(0, (o + 0.5) * (inSize / size) - 0.5);
    const i0 = Math.floor(src);
    return { i0, i1: Math.min(i0 + 1, inSize - 1), f: src - i0 };
  };
  for (let n = 0; n < x.n; n++)
    for (let y = 0; y < size; y++) {
      const ty = taps(y, x.h);
      for (let xo = 0; xo < size; xo++) {
        const tx = taps(xo, x.w);
        for (let c = 0; c < x.c; c++) {
          const top = at(x, n, ty.i0, tx.i0, c) * (1 - tx.f) + at(x, n, ty.i0, tx.i1, c) * tx.f;
          const bottom = at(x, n, ty.i1, tx.i0, c) * (1 - tx.f) + at(x, n, ty.i1, tx.i1, c) * tx.f;
          out.data[((n * size + y) * size + xo) * x.c + c] = top * (1 - ty.f) + bottom * ty.f;
        }
      }
    }
  return out;
}

/** Max |a − b| over max |expected|: float32 against float64 should agree to a few 1e-7 per layer. */
function relativeError(expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
  }
  expect(scale).toBeGreaterThan(0.1); // never compare two near-zero outputs
  return worst / scale;
}

function stdDev(values: ArrayLike<number>): number {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    sumSq += values[i] * values[i];
  }
  const mean = sum / values.length;
  return Math.sqrt(sumSq / values.length - mean * mean);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  const saved: [string, TensorToSave][] = randomFidInceptionStateDict(11);
  entries = new Map(saved.map(([name, t]) => [name, t.storage.values as Float32Array]));
  testFile = writeTorchZip(saved, 'fid-random');
  weights = await loadInceptionWeights(testFile, { expectSha256Prefix: (await sha256Hex(testFile)).slice(0, 8) });
});

describe('FID Inception blocks (cpu) against naive float64 loops', () => {
  let layers: ConvLayers;
  beforeAll(() => {
    layers = createConvLayers(weights);
  });
  afterAll(() => layers.dispose());

  it('Conv2d_1a_3x3: 3×3 stride-2 conv + BatchNorm(eps 0.001) + ReLU', () => {
    const x = randomNhwc(2, 17, 14, 3, 1);
    const input = toTensor(x);
    const out = layers.conv('Conv2d_1a_3x3', input);
    const expected = naiveBasicConv('Conv2d_1a_3x3', x);
    expect(out.shape).toEqual([2, 8, 6, 32]);
    expect(relativeError(expected.data, out.dataSync())).toBeLessThan(1e-6);
    tf.dispose([input, out]);
  });

  it('padding: 1×7, 7×1 and 5×5 "same" convolutions pad like PyTorch', () => {
    for (const [name, c] of [['Mixed_6b.branch7x7_2', 128], ['Mixed_6b.branch7x7_3', 128], ['Mixed_5b.branch5x5_2', 48]] as const) {
      const x = randomNhwc(1, 6, 9, c, 2);
      const input = toTensor(x);
      const out = layers.conv(name, input);
      expect(relativeError(naiveBasicConv(name, x).data, out.dataSync()), name).toBeLessThan(1e-6);
      tf.dispose([input, out]);
    }
  });

  it('average pooling ignores the padding (count_include_pad=False)', () => {
    const x = randomNhwc(2, 5, 7, 3, 3);
    const input = toTensor(x);
    const out = avgPool3x3ExcludingPadding(input);
    expect(relativeError(naivePool3x3(x, 'avg').data, out.dataSync())).toBeLessThan(1e-6);
    tf.dispose([input, out]);
  });

  it('Mixed_5b (FIDInceptionA) matches, branches concatenated in PyTorch order', () => {
    const x = randomNhwc(1, 7, 6, 192, 4);
    const input = toTensor(x);
    const out = fidInceptionA(layers.conv, 'Mixed_5b', input);
    const b = (name: string, t: Nhwc) => naiveBasicConv(`Mixed_5b.${name}`, t);
    const expected = naiveConcat([
      b('branch1x1', x),
      b('branch5x5_2', b('branch5x5_1', x)),
      b('branch3x3dbl_3', b('branch3x3dbl_2', b('branch3x3dbl_1', x))),
      b('branch_pool', naivePool3x3(x, 'avg')),
    ]);
    expect(out.shape).toEqual([1, 7, 6, 256]);
    expect(relativeError(expected.data, out.dataSync())).toBeLessThan(1e-5);
    tf.dispose([input, out]);
  });

  it('Mixed_7c (FIDInceptionE_2) matches, with max pooling in its pool branch', () => {
    const x = randomNhwc(1, 3, 3, 2048, 5);
    const input = toTensor(x);
    const out = fidInceptionE(layers.conv, 'Mixed_7c', input, 'max');
    const b = (name: string, t: Nhwc) => naiveBasicConv(`Mixed_7c.${name}`, t);
    const b3 = b('branch3x3_1', x);
    const bd = b('branch3x3dbl_2', b('branch3x3dbl_1', x));
    const expected = naiveConcat([
      b('branch1x1', x),
      b('branch3x3_2a', b3),
      b('branch3x3_2b', b3),
      b('branch3x3dbl_3a', bd),
      b('branch3x3dbl_3b', bd),
      b('branch_pool', naivePool3x3(x, 'max')),
    ]);
    expect(out.shape).toEqual([1, 3, 3, 2048]);
    expect(relativeError(expected.data, out.dataSync())).toBeLessThan(1e-5);
    tf.dispose([input, out]);
  });
});

describe('input path (cpu)', () => {
  it.each([
    ['upsampling 28×28', 28, 28],
    ['downsampling 512×400', 512, 400],
    ['downsampling 300×300 (fractional)', 300, 300],
  ])('resizes like F.interpolate(bilinear, align_corners=False) and maps [0,1] to [-1,1]: %s', (_, h, w) => {
    const x = randomNhwc(1, h, w, 3, h);
    const input = toTensor(x);
    const out = toInceptionInput(input);
    const expected = naiveBilinear(x, 299);
    const got = out.dataSync();
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(2 * expected.data[i] - 1 - got[i]));
    expect(worst).toBeLessThan(1e-6);
    tf.dispose([input, out]);
  });

  it('replicates grey images to three channels and leaves 299×299 unresampled', () => {
    const grey = tf.tensor4d(Float32Array.from({ length: 299 * 299 }, (_, i) => (i % 256) / 255), [1, 299, 299, 1]);
    const out = toInceptionInput(grey);
    const rgb = out.dataSync();
    const src = grey.dataSync();
    for (const p of [0, 1, 5000, 299 * 299 - 1]) for (let c = 0; c < 3; c++) expect(rgb[p * 3 + c]).toBeCloseTo(2 * src[p] - 1, 7);
    expect(() => toInceptionInput(tf.zeros([1, 8, 8, 4]) as tf.Tensor4D)).toThrow('Inception features need 1 or 3 channels, got 4');
    tf.dispose([grey, out]);
  });
});

describe('batched features over bytes', () => {
  /** Stands in for the network: per image, the mean of its [0,1] input, so order and scaling show. */
  const meanNet: FidInception = {
    features: (images) => tf.tidy(() => tf.tile(tf.mean(images, [1, 2, 3]).reshape([-1, 1]), [1, 2048]) as tf.Tensor2D),
    dispose: () => undefined,
  };

  it('runs batch by batch, keeps image order, divides by 255 and leaks no tensors', async () => {
    const count = 7;
    const pixels = Uint8Array.from({ length: count * 4 * 5 }, (_, i) => Math.floor(i / 20) * 30 + (i % 3));
    const progress: number[] = [];
    const before = tf.memory().numTensors;
    const features = await inceptionFeaturesFromPixels(meanNet, { pixels, count, height: 4, width: 5, channels: 1 }, { batchSize: 3, onProgress: (done) => progress.push(done) });
    expect(tf.memory().numTensors).toBe(before);
    expect(progress).toEqual([3, 6, 7]);
    for (let n = 0; n < count; n++) {
      const mean = pixels.subarray(n * 20, (n + 1) * 20).reduce((a, b) => a + b, 0) / 20 / 255;
      expect(features[n * 2048]).toBeCloseTo(mean, 6);
      expect(features[n * 2048 + 2047]).toBeCloseTo(mean, 6);
    }
  });

  it('rejects pixel arrays of the wrong length and stops when aborted', async () => {
    await expect(inceptionFeaturesFromPixels(meanNet, { pixels: new Uint8Array(10), count: 2, height: 2, width: 2, channels: 3 })).rejects.toThrow(
      'pixels hold 10 bytes, but 2 images of 2×2×3 need 24',
    );
    const abort = new AbortController();
    abort.abort();
    await expect(inceptionFeaturesFromPixels(meanNet, { pixels: new Uint8Array(8), count: 2, height: 2, width: 2, channels: 1 }, { signal: abort.signal })).rejects.toThrow();
  });
});

describe.skipIf(!hasTorch)('whole network against real PyTorch (wasm backend; cpu takes ~100 s per image)', () => {
  let ref: TorchReference;
  let net: FidInception;
  let torchWeights: InceptionWeights;
  beforeAll(async () => {
    ref = runTorchReference('network');
    const file = ref.bytes('fid-random.pth');
    torchWeights = await loadInceptionWeights(file, { expectSha256Prefix: (await sha256Hex(file)).slice(0, 8), fileName: 'fid-random.pth' });
    const wasmDist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
    setWasmPaths(`${wasmDist}/`);
    expect(await tf.setBackend('wasm')).toBe(true);
    net = createFidInception(torchWeights);
  }, 180_000);
  afterAll(async () => {
    net?.dispose();
    ref?.dispose();
    await tf.setBackend('cpu');
  });

  it('pool3 features of two upsampled RGB images and one downsampled grey image match pytorch-fid', () => {
    const shapes = ref.json<Record<string, [number, number, number, number]>>('network.json');
    for (const name of ['up', 'grey']) {
      const input = tf.tensor4d(ref.floats(`${name}-input.f32`), shapes[name]);
      const features = net.features(input);
      const expected = ref.floats(`${name}-features.f32`);
      const got = features.dataSync();
      expect(features.shape).toEqual([shapes[name][0], 2048]);
      expect(stdDev(expected)).toBeGreaterThan(0.5); // alive, not a vector of zeros
      expect(relativeError(expected, got), name).toBeLessThan(1e-5);
      tf.dispose([input, features]);
    }
  });

  it("the test writer's data.pkl is byte-for-byte torch.save's for the FID Inception state_dict", () => {
    const pickleOf = (zip: Uint8Array) => unzipSync(zip, { filter: (f) => f.name === 'fid-random/data.pkl' })['fid-random/data.pkl'];
    const ours = pickleOf(testFile);
    const torchs = pickleOf(ref.bytes('fid-random.pth'));
    expect(ours.length).toBe(torchs.length);
    expect(Buffer.from(ours).equals(Buffer.from(torchs))).toBe(true);
  });

  it('Mixed_5b (FIDInceptionA) matches PyTorch directly', () => {
    const shapes = ref.json<Record<string, [number, number, number, number]>>('network.json');
    const layers = createConvLayers(torchWeights);
    const x = tf.tensor4d(ref.floats('mixed5b-input.f32'), shapes.mixed5b);
    const block = fidInceptionA(layers.conv, 'Mixed_5b', x);
    expect(relativeError(ref.floats('mixed5b-output.f32'), block.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, block]);
    layers.dispose();
  });

  it('the 512×400 → 299 resize matches F.interpolate to float32 precision (cpu) and within 2e-4 (wasm)', async () => {
    const shapes = ref.json<Record<string, [number, number, number, number]>>('network.json');
    const expected = ref.floats('resize-output.f32').map((v) => 2 * v - 1);
    // PyTorch computes the sampling weights in float32, tfjs cpu in float64, and tfjs wasm's
    // kernel in float32 by its own recurrence: 1e-5 and 8e-5 of the [-1, 1] range (1/100 of a grey level).
    for (const [backend, tolerance] of [['cpu', 2e-5], ['wasm', 2e-4]] as const) {
      await tf.setBackend(backend);
      const image = tf.tensor4d(ref.floats('resize-input.f32'), shapes.resize);
      const resized = toInceptionInput(image);
      expect(relativeError(expected, resized.dataSync()), backend).toBeLessThan(tolerance);
      tf.dispose([image, resized]);
    }
  });
});
