/**
 * Conv2DBackpropInput (the gradient of conv2d w.r.t. its input, and the forward pass of
 * conv2dTranspose) for the wasm backend, built on wasm's XNNPACK Conv2D. The stock wasm kernel
 * is a scalar C++ loop; this one runs at GEMM speed.
 *
 * Along one axis, with forward stride s, padding p and kernel size K:
 *   dx[i] = Σ_{o,k : o·s + k − p = i} dy[o] · w[k]
 * Output rows i with the same phase r = (i + p) mod s only meet the taps k ≡ r (mod s), so each
 * phase is an ordinary stride-1 convolution of dy with the sub-filter w[r], w[r+s], … (flipped).
 * That does exactly the useful multiply-adds, unlike convolving a zero-stuffed dy (s² × more
 * work). The s_h·s_w phase results are then interleaved with one transpose.
 */
import { backend_util } from '@tensorflow/tfjs';
import type { Conv2DBackpropInputAttrs, KernelBackend, KernelConfig, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { requireInput, WASM_BACKEND, withWasmScope } from './wasmKernelScope';
import type { WasmKernelScope } from './wasmKernelScope';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Shape4D = [number, number, number, number];

/** How one phase along one axis maps onto a stride-1 convolution of dy. */
interface AxisPhase {
  /** Number of filter taps in this phase (0: the phase receives no contribution). */
  taps: number;
  /** The phase r: this phase's filter taps are r, r + stride, … */
  firstTap: number;
  /** Output position (in dx) of this phase's first row; in [0, stride). */
  firstOutput: number;
  /** Rows of dx this phase produces. */
  outputs: number;
  /** Padding of dy before/after for the stride-1 convolution (negative: crop dy). */
  padBefore: number;
  padAfter: number;
}

function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}

/**
 * Phase r of one axis. dx[i] with i = q·s + r − p receives Σ_j dy[q − j] · w[r + s·j], i.e. a
 * correlation of dy with the flipped sub-filter once dy is padded by taps − 1 in front.
 */
export function axisPhase(
  phase: number, stride: number, kernel: number, padBefore: number, dxSize: number, dySize: number,
): AxisPhase {
  const taps = Math.max(0, ceilDiv(kernel - phase, stride));
  const qMin = ceilDiv(padBefore - phase, stride);
  const qMax = Math.floor((dxSize - 1 + padBefore - phase) / stride);
  const outputs = Math.max(0, qMax - qMin + 1);
  return {
    taps,
    firstTap: phase,
    firstOutput: qMin * stride + phase - padBefore,
    outputs,
    padBefore: taps - 1 - qMin,
    padAfter: qMax - (dySize - 1),
  };
}

/** dy cropped where a phase needs negative padding (XNNPACK only pads, never crops). */
function cropDy(scope: WasmKernelScope, dy: TensorInfo, rows: AxisPhase, cols: AxisPhase): TensorInfo {
  const [n, h, w, c] = dy.shape;
  const top = Math.max(0, -rows.padBefore);
  const bottom = Math.max(0, -rows.padAfter);
  const left = Math.max(0, -cols.padBefore);
  const right = Math.max(0, -cols.padAfter);
  if (top + bottom + left + right === 0) return dy;
  return scope.run('Slice', { x: dy }, { begin: [0, top, left, 0], size: [n, h - top - bottom, w - left - right, c] });
}

export function conv2dBackpropInputWasm(args: {
  inputs: NamedTensorInfoMap;
  backend: KernelBackend;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = requireInput(inputs, 'dy', 'Conv2DBackpropInput');
  const filter = requireInput(inputs, 'filter', 'Conv2DBackpropInput');
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  if (dataFormat === 'NCHW') {
    throw new Error('src/compute/wasm/conv2dBackpropInput.ts: wasm convolutions support only NHWC data');
  }
  const info = backend_util.computeConv2DInfo(
    inputShape, filter.shape as Shape4D, strides, 1, pad, dimRoundingMode, false, 'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight, filterWidth, padInfo } = info;
  if (dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) {
    throw new Error(`src/compute/wasm/conv2dBackpropInput.ts: dy shape ${dy.shape} does not match the conv output ${info.outShape}`);
  }

  return withWasmScope(backend, (scope) => {
    const rowPhases = Array.from({ length: sh }, (_, r) => axisPhase(r, sh, filterHeight, padInfo.top, inHeight, outHeight));
    const colPhases = Array.from({ length: sw }, (_, r) => axisPhase(r, sw, filterWidth, padInfo.left, inWidth, outWidth));
    const rowsPerPhase = ceilDiv(inHeight, sh);
    const colsPerPhase = ceilDiv(inWidth, sw);

    // Phase results indexed by where their first output lands, so interleaving is a transpose.
    const slots: TensorInfo[] = new Array<TensorInfo>(sh * sw);
    for (const rows of rowPhases) {
      for (const cols of colPhases) {
        const slotShape = [batchSize, rowsPerPhase, colsPerPhase, inChannels];
        let result: TensorInfo;
        if (rows.taps === 0 || cols.taps === 0 || rows.outputs === 0 || cols.outputs === 0) {
          result = scope.run('Fill', {}, { shape: slotShape, value: 0, dtype: 'float32' });
        } else {
          const subFilter = scope.adopt(flippedSubFilter(backend as BackendWasm, filter, rows, cols, sh, sw));
          const input = cropDy(scope, dy, rows, cols);
          result = scope.run('Conv2D', { x: input, filter: subFilter }, {
            strides: 1,
            pad: [[0, 0], [Math.max(0, rows.padBefore), Math.max(0, rows.padAfter)],
              [Math.max(0, cols.padBefore), Math.max(0, cols.padAfter)], [0, 0]],
            dataFormat: 'NHWC',
            dilations: 1,
          });
          if (rows.outputs !== rowsPerPhase || cols.outputs !== colsPerPhase) {
            result = scope.run('PadV2', { x: result }, {
              paddings: [[0, 0], [0, rowsPerPhase - rows.outputs], [0, colsPerPhase - cols.outputs], [0, 0]],
              constantValue: 0,
            });
          }
        }
        slots[rows.firstOutput * sw + cols.firstOutput] = result;
      }
    }
    if (sh === 1 && sw === 1) return slots[0];

    // slots[a·sw + b][n, q, p, c] must land at dx[n, q·sh + a, p·sw + b, c], i.e. the stack
    // [a, b, n, q, p, c] permuted to [n, q, a, p, b, c]. wasm's Transpose is fast up to rank 4
    // and element-by-element generic beyond, so this is done as two low-rank transposes:
    // [a, b, (n q p), c] → [a, (n q p), b, c], then [a, (n q), (p b c)] → [(n q), a, (p b c)].
    const stacked = scope.run('Concat', slots as unknown as NamedTensorInfoMap, { axis: 0 });
    const rowMajor = scope.run('Transpose', {
      x: scope.reshape(stacked, [sh, sw, batchSize * rowsPerPhase * colsPerPhase, inChannels]),
    }, { perm: [0, 2, 1, 3] });
    const interleaved = scope.run('Transpose', {
      x: scope.reshape(rowMajor, [sh, batchSize * rowsPerPhase, colsPerPhase * sw * inChannels]),
    }, { perm: [1, 0, 2] });
    const dx = scope.reshape(interleaved, [batchSize, rowsPerPhase * sh, colsPerPhase * sw, inChannels]);
    if (rowsPerPhase * sh === inHeight && colsPerPhase * sw === inWidth) return dx;
    return scope.run('Slice', { x: dx }, { begin: [0, 0, 0, 0], size: [batchSize, inHeight, inWidth, inChannels] });
  });
}

/**
 * The phase's taps of `filter` [KH, KW, Ci, Co], spatially flipped and with channels swapped to
 * [taps_h, taps_w, Co, Ci]. Written in JS straight on the wasm heap: filters are parameter-sized
 * (≤ 0.5 M floats here), and wasm's Reverse/StridedSlice/Gather kernels are generic
 * per-element loops that took 10–30 ms on a 4×4×64×128 filter, far slower than this pass.
 */
function flippedSubFilter(
  backend: BackendWasm, filter: TensorInfo, rows: AxisPhase, cols: AxisPhase, sh: number, sw: number,
): TensorInfo {
  const [, kw, ci, co] = filter.shape;
  const out = backend.makeOutput([rows.taps, cols.taps, co, ci], 'float32');
  // Views are taken after allocating: makeOutput may grow (and so detach) the wasm heap.
  const source = backend.typedArrayFromHeap(filter) as Float32Array;
  const target = backend.typedArrayFromHeap(out) as Float32Array;
  const tapSize = ci * co;
  let o = 0;
  for (let j = 0; j < rows.taps; j++) {
    // Correlating with tap j of the flipped sub-filter = tap (taps − 1 − j) of the original.
    const sourceRow = rows.firstTap + sh * (rows.taps - 1 - j);
    for (let jj = 0; jj < cols.taps; jj++) {
      const sourceCol = cols.firstTap + sw * (cols.taps - 1 - jj);
      const base = (sourceRow * kw + sourceCol) * tapSize;
      for (let outC = 0; outC < co; outC++) {
        for (let inC = 0; inC < ci; inC++) target[o++] = source[base + inC * co + outC];
      }
    }
  }
  return out;
}

export const conv2dBackpropInputWasmConfig: KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: WASM_BACKEND,
  kernelFunc: conv2dBackpropInputWasm as unknown as KernelConfig['kernelFunc'],
};
