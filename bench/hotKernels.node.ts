/**
 * Kernel-level timings of the convolutions that dominate a DCGAN train step on wasm:
 * XNNPACK Conv2D (stock), our Conv2DBackpropInput (vs the stock scalar one) and our
 * Conv2DBackpropFilter (stock wasm has none), at the DCGAN-28 / DCGAN-64 shapes, batch 16.
 *
 *   npx tsx bench/hotKernels.node.ts [--repeats 10] [--shapes dcgan,ddpm] [--stock-input] [--python /usr/bin/python3 | --no-torch]
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
 *
 * With the DDPM shapes it then times the same convolutions in PyTorch on one thread
 * (bench/torch_conv_ceiling.py, via `--python`, /usr/bin/python3 by default: the Debian torch with
 * oneDNN) and prints a table of GFLOP/s side by side: the direct loops against what a native
 * library reaches on the same core. `--no-torch` skips it; so does a Python without torch (it says so).
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { registerWasmTrainingKernels } from '../src/compute/wasm/trainingKernels';
import { convFilterGradFor, setConvSimdMode } from '../src/compute/wasm/convFilterGradSimd';
import { heapMemory } from '../src/compute/wasm/groupNormSiluKernel';
import { loadavg } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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

interface WasmRates { shape: ConvShape; mflop: number; outShape: number[]; conv: number; input: number; filterGrad: number }
interface TorchRates { name: string; outShape: number[]; forwardMs: number; inputGradMs: number; filterGradMs: number }

/** PyTorch's one-thread times for `shapes` (bench/torch_conv_ceiling.py), or why there are none. */
function torchTimes(python: string, shapes: ConvShape[], repeats: number): { rows: TorchRates[]; header: string } | { skipped: string } {
  const script = fileURLToPath(new URL('./torch_conv_ceiling.py', import.meta.url));
  const run = spawnSync(python, [script, '--shapes', JSON.stringify(shapes.map((s) => ({ ...s, stride: s.stride ?? 2 }))), '--repeats', String(repeats), '--threads', '1'], { encoding: 'utf8' });
  if (run.error) return { skipped: `${python} did not run (${run.error.message})` };
  if (run.status !== 0) return { skipped: `${python} ${script} failed: ${run.stderr.trim().split('\n').pop()}` };
  const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  if (typeof lines[0]?.skipped === 'string') return { skipped: lines[0].skipped };
  const [info, ...rows] = lines;
  return { rows: rows as unknown as TorchRates[], header: `PyTorch ${String(info.torch)}, ${String(info.threads)} thread, oneDNN ${info.mkldnn ? 'on' : 'off'}` };
}

/** The side-by-side table: wasm direct loops (this process, one thread) and PyTorch (one thread), GFLOP/s. */
function printCeilingTable(measured: WasmRates[], python: string, repeats: number): void {
  const torch = torchTimes(python, measured.map((m) => m.shape), repeats);
  const gflops = (mflop: number, ms: number) => (mflop / ms).toFixed(1); // MFLOP per ms = GFLOP/s
  console.log('');
  if ('skipped' in torch) {
    console.log(`PyTorch column skipped: ${torch.skipped}`);
  } else {
    console.log(`GFLOP/s, one thread each; wasm = our direct loops (best of ${repeats}), ${torch.header} (best of ${repeats})`);
  }
  const withTorch = !('skipped' in torch);
  console.log(withTorch
    ? '| DDPM-32 convolution (batch 16) | MFLOP | forward wasm | forward PyTorch | input grad wasm | input grad PyTorch | filter grad wasm | filter grad PyTorch |'
    : '| DDPM-32 convolution (batch 16) | MFLOP | forward wasm | input grad wasm | filter grad wasm |');
  console.log(withTorch ? '|---|---|---|---|---|---|---|---|' : '|---|---|---|---|---|');
  for (const m of measured) {
    const t = withTorch ? torch.rows.find((r) => r.name === m.shape.name) : undefined;
    if (t && t.outShape.join() !== m.outShape.join()) throw new Error(`bench/hotKernels.node.ts: PyTorch's output [${t.outShape}] for ${m.shape.name} is not tfjs's [${m.outShape}]`);
    const cells = withTorch
      ? [gflops(m.mflop, m.conv), t ? gflops(m.mflop, t.forwardMs) : '–', gflops(m.mflop, m.input), t ? gflops(m.mflop, t.inputGradMs) : '–',
        gflops(m.mflop, m.filterGrad), t ? gflops(m.mflop, t.filterGradMs) : '–']
      : [gflops(m.mflop, m.conv), gflops(m.mflop, m.input), gflops(m.mflop, m.filterGrad)];
    console.log(`| ${m.shape.name} | ${m.mflop.toFixed(0)} | ${cells.join(' | ')} |`);
  }
  const sum = (pick: (m: WasmRates) => number) => measured.reduce((total, m) => total + pick(m), 0);
  const totals = [sum((m) => m.conv), sum((m) => m.input), sum((m) => m.filterGrad)];
  const torchTotals = withTorch ? [
    torch.rows.reduce((a, r) => a + r.forwardMs, 0), torch.rows.reduce((a, r) => a + r.inputGradMs, 0), torch.rows.reduce((a, r) => a + r.filterGradMs, 0),
  ] : [];
  console.log(`sum over these shapes (one call each), ms: wasm forward ${totals[0].toFixed(2)}, input grad ${totals[1].toFixed(2)}, filter grad ${totals[2].toFixed(2)}` +
    (withTorch ? `; PyTorch forward ${torchTotals[0].toFixed(2)}, input grad ${torchTotals[1].toFixed(2)}, filter grad ${torchTotals[2].toFixed(2)}` : ''));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const repeatsAt = argv.indexOf('--repeats');
  const repeats = repeatsAt >= 0 ? Number(argv[repeatsAt + 1]) : 10;
  const shapesAt = argv.indexOf('--shapes');
  const sets = (shapesAt >= 0 ? argv[shapesAt + 1] : 'dcgan').split(',');
  const shapes = [...(sets.includes('dcgan') ? DCGAN_SHAPES : []), ...(sets.includes('ddpm') ? DDPM_SHAPES : [])];
  const stockInputToo = argv.includes('--stock-input');
  const pythonAt = argv.indexOf('--python');
  const python = pythonAt >= 0 ? argv[pythonAt + 1] : '/usr/bin/python3';
  const withTorch = !argv.includes('--no-torch');
  const ddpmMeasured: WasmRates[] = [];
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
    if (DDPM_SHAPES.includes(shape)) {
      ddpmMeasured.push({ shape, mflop: flops / 1e6, outShape: y.shape, conv, input, filterGrad: filterGradLoops });
    }
    tf.dispose([x, y, dy, ...filters]);
  }
  if (ddpmMeasured.length > 0) {
    if (withTorch) printCeilingTable(ddpmMeasured, python, repeats);
    else console.log('\nPyTorch column skipped: --no-torch');
  }
  console.log(`load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

await main();
