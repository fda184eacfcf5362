/**
 * Kernel-level timings of the convolutions that dominate a DCGAN train step on wasm:
 * XNNPACK Conv2D (stock), our Conv2DBackpropInput (vs the stock scalar one) and our
 * Conv2DBackpropFilter (stock wasm has none), at the DCGAN-28 / DCGAN-64 shapes, batch 16.
 *
 *   npx tsx bench/hotKernels.node.ts [--repeats 10] [--shapes dcgan,ddpm] [--stock-input]
 *
 * --shapes ddpm adds the DDPM-32 U-Net's convolutions (3×3 'same' at stride 1 and 2, 1×1 skips;
 * batch 16). Conv2D, BackpropInput and BackpropFilter are each timed with the direct SIMD loops
 * (src/compute/wasm/convForwardSimd.ts, convFilterGradSimd.ts; relaxed SIMD with
 * `node --experimental-wasm-relaxed-simd`) and without them (XNNPACK; for BackpropInput, its phases
 * through XNNPACK's Conv2D).
 * The stock scalar BackpropInput is timed only with --stock-input (it takes seconds).
 *
 * Each figure is the best of `repeats` runs with a fresh filter tensor each time (as in
 * training, where weights change every step, so XNNPACK re-packs them), in ms and GFLOP/s.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { registerWasmTrainingKernels } from '../src/compute/wasm/trainingKernels';
import { convFilterGradFor, setConvSimdMode } from '../src/compute/wasm/convFilterGradSimd';
import { heapMemory } from '../src/compute/wasm/groupNormSiluKernel';
import { loadavg } from 'node:os';

type Shape4D = [number, number, number, number];

interface ConvShape { name: string; x: Shape4D; filter: Shape4D; stride?: number }

/** Every strided conv of the two benchmark nets (G's transposed convs are their mirror images). */
const DCGAN_SHAPES: ConvShape[] = [
  { name: 'dcgan28 D conv1 28→14 1→64', x: [16, 28, 28, 1], filter: [4, 4, 1, 64] },
  { name: 'dcgan28 D conv2 14→7 64→128', x: [16, 14, 14, 64], filter: [4, 4, 64, 128] },
  { name: 'dcgan64 D conv1 64→32 1→32', x: [16, 64, 64, 1], filter: [4, 4, 1, 32] },
  { name: 'dcgan64 D conv2 32→16 32→64', x: [16, 32, 32, 32], filter: [4, 4, 32, 64] },
  { name: 'dcgan64 D conv3 16→8 64→128', x: [16, 16, 16, 64], filter: [4, 4, 64, 128] },
  { name: 'dcgan64 D conv4 8→4 128→256', x: [16, 8, 8, 128], filter: [4, 4, 128, 256] },
];

/** The distinct convolutions of the DDPM-32 U-Net (models/nets/unet.ts, width 16, multipliers 1, 2, 2). */
const DDPM_SHAPES: ConvShape[] = [
  { name: 'ddpm 32² 3×3 16→16', x: [16, 32, 32, 16], filter: [3, 3, 16, 16], stride: 1 },
  { name: 'ddpm 32² 3×3 32→16', x: [16, 32, 32, 32], filter: [3, 3, 32, 16], stride: 1 },
  { name: 'ddpm 32² 1×1 32→16', x: [16, 32, 32, 32], filter: [1, 1, 32, 16], stride: 1 },
  { name: 'ddpm 32→16 3×3 16→16 s2', x: [16, 32, 32, 16], filter: [3, 3, 16, 16], stride: 2 },
  { name: 'ddpm 16² 3×3 16→32', x: [16, 16, 16, 16], filter: [3, 3, 16, 32], stride: 1 },
  { name: 'ddpm 16² 3×3 32→32', x: [16, 16, 16, 32], filter: [3, 3, 32, 32], stride: 1 },
  { name: 'ddpm 16² 3×3 64→32', x: [16, 16, 16, 64], filter: [3, 3, 64, 32], stride: 1 },
  { name: 'ddpm 16² 1×1 64→32', x: [16, 16, 16, 64], filter: [1, 1, 64, 32], stride: 1 },
  { name: 'ddpm 8² 3×3 32→32', x: [16, 8, 8, 32], filter: [3, 3, 32, 32], stride: 1 },
  { name: 'ddpm 8² 3×3 64→32', x: [16, 8, 8, 64], filter: [3, 3, 64, 32], stride: 1 },
];

function best(repeats: number, run: (i: number) => tf.Tensor): number {
  tf.dispose(run(0));
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 1; i <= repeats; i++) {
    const start = performance.now();
    const out = run(i);
    out.dataSync();
    fastest = Math.min(fastest, performance.now() - start);
    out.dispose();
  }
  return fastest;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const repeatsAt = argv.indexOf('--repeats');
  const repeats = repeatsAt >= 0 ? Number(argv[repeatsAt + 1]) : 10;
  const shapesAt = argv.indexOf('--shapes');
  const sets = (shapesAt >= 0 ? argv[shapesAt + 1] : 'dcgan').split(',');
  const shapes = [...(sets.includes('dcgan') ? DCGAN_SHAPES : []), ...(sets.includes('ddpm') ? DDPM_SHAPES : [])];
  const stockInputToo = argv.includes('--stock-input');
  const wasmDist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  setWasmPaths(`${wasmDist}/`);
  await tf.setBackend('wasm');
  const stockBackpropInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
  registerWasmTrainingKernels();
  const backend = tf.backend();
  const loops = convFilterGradFor(heapMemory((backend as unknown as { wasm: object }).wasm)!);
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; conv SIMD loops: ${loops ? (loops.relaxed ? 'relaxed SIMD' : 'SIMD') : 'none'}`);

  for (const shape of shapes) {
    const stride = shape.stride ?? 2;
    const x = tf.randomNormal(shape.x) as tf.Tensor4D;
    const filters = Array.from({ length: repeats + 1 }, (_, i) => tf.randomNormal(shape.filter, 0, 1, 'float32', i) as tf.Tensor4D);
    const y = tf.conv2d(x, filters[0], stride, 'same');
    const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
    // Each output value is a dot product over kh·kw·inChannels taps.
    const [kh, kw, inChannels] = shape.filter;
    const flops = 2 * y.size * kh * kw * inChannels;
    const attrs = { strides: stride, pad: 'same', dataFormat: 'NHWC' };

    const inMode = (mode: 'auto' | 'off', run: () => number) => {
      setConvSimdMode(mode);
      const ms = run();
      setConvSimdMode('auto');
      return ms;
    };
    const convOf = () => best(repeats, (i) => tf.conv2d(x, filters[i], stride, 'same'));
    const inputOf = () => best(repeats, (i) => tf.conv2dTranspose(dy, filters[i], shape.x, stride, 'same'));
    const conv = inMode('auto', convOf);
    const convXnnpack = inMode('off', convOf);
    const input = inMode('auto', inputOf);
    const inputXnnpack = inMode('off', inputOf);
    const stockInput = !stockInputToo ? Number.NaN : best(Math.min(repeats, 3), (i) => {
      const info = stockBackpropInput.kernelFunc({
        inputs: { dy, filter: filters[i] }, backend, attrs: { ...attrs, inputShape: shape.x },
      } as unknown as Parameters<typeof stockBackpropInput.kernelFunc>[0]) as tf.TensorInfo;
      return tf.engine().makeTensorFromTensorInfo(info);
    });
    const filterGradIn = (mode: 'auto' | 'off') => {
      setConvSimdMode(mode);
      const ms = best(repeats, () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
        ...attrs, filterShape: shape.filter,
      } as unknown as tf.NamedAttrMap) as tf.Tensor);
      setConvSimdMode('auto');
      return ms;
    };
    const filterGradLoops = filterGradIn('auto');
    const filterGradXnnpack = filterGradIn('off');
    const rate = (ms: number): string => `${ms.toFixed(2)} ms (${(flops / ms / 1e6).toFixed(1)} GFLOP/s)`;
    console.log(`${shape.name.padEnd(30)} ${(flops / 1e6).toFixed(0).padStart(4)} MFLOP | Conv2D loops ${rate(conv)}, XNNPACK ${rate(convXnnpack)} | ` +
      `BackpropInput ours ${rate(input)}, XNNPACK phases ${rate(inputXnnpack)}${stockInputToo ? `, stock ${rate(stockInput)}` : ''} | ` +
      `BackpropFilter loops ${rate(filterGradLoops)}, XNNPACK route ${rate(filterGradXnnpack)}`);
    tf.dispose([x, y, dy, ...filters]);
  }
}

await main();
