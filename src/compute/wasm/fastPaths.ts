/**
 * Replacements for stock wasm kernels that are correct but slow on the shapes training makes.
 * Each one handles the hot case itself and hands every other case to the stock kernel, so
 * behaviour outside the fast path is exactly tfjs's.
 *
 * - BatchMatMul: stock wasm uses XNNPACK only for un-transposed, unbatched products; with a
 *   transpose flag (every dense-layer gradient) it drops to a scalar loop (~1 GFLOP/s against
 *   ~17). Materialising the transpose with wasm's Transpose and taking the XNNPACK path is
 *   ~15× faster.
 * - Identity and same-dtype Cast: stock wasm copies the buffer. The engine clones every tensor
 *   it saves for the backward pass, so a training step copied its activations dozens of times.
 *   tfjs tensors are immutable (Variable.assign swaps buffers, never writes into one), so an
 *   alias with a bumped reference count is safe; it is what the cpu backend does too.
 * - Sum and Mean over the leading axes (batch-norm statistics and bias gradients of NHWC data):
 *   stock wasm first transposes the reduced axes innermost, then reduces; XNNPACK's average
 *   pooling reads the data once instead (5–10× faster on [16,14,14,64] .. [16,32,32,32]). Other
 *   contiguous blocks of axes (not the innermost; inner size a multiple of 4) go to the float64
 *   SIMD column sums of ./sumAxesSimd (the DDPM time-embedding gradients: ~5× faster).
 */
import { backend_util, util } from '@tensorflow/tfjs';
import type { DataType, KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { requireInput, WASM_BACKEND, withWasmScope } from './wasmKernelScope';
import { sumContiguousAxes } from './sumAxesSimd';

interface KernelArgs { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap }

/** A kernel that needs the stock kernel it replaces (to delegate the cases it does not speed up). */
export interface WasmKernelOverride {
  kernelName: string;
  make(stock: KernelFunc): KernelFunc;
}

function alias(backend: KernelBackend, x: TensorInfo, dtype: DataType = x.dtype): TensorInfo {
  // Same bookkeeping as wasm's own Reshape: the buffer is shared and its refcount bumped.
  (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype };
}

export const identityOverride: WasmKernelOverride = {
  kernelName: 'Identity',
  make: (stock) => (args) => {
    const { inputs, backend } = args as unknown as KernelArgs;
    const x = requireInput(inputs, 'x', 'Identity');
    return x.dtype === 'string' ? stock(args) : alias(backend, x);
  },
};

export const castOverride: WasmKernelOverride = {
  kernelName: 'Cast',
  make: (stock) => (args) => {
    const { inputs, backend, attrs } = args as unknown as KernelArgs;
    const x = requireInput(inputs, 'x', 'Cast');
    return attrs.dtype === x.dtype && x.dtype !== 'string' ? alias(backend, x) : stock(args);
  },
};

export const batchMatMulOverride: WasmKernelOverride = {
  kernelName: 'BatchMatMul',
  make: (stock) => (args) => {
    const { inputs, backend, attrs } = args as unknown as KernelArgs;
    const a = requireInput(inputs, 'a', 'BatchMatMul');
    const b = requireInput(inputs, 'b', 'BatchMatMul');
    const transposeA = attrs.transposeA === true;
    const transposeB = attrs.transposeB === true;
    const unbatched = a.shape.slice(0, -2).every((d) => d === 1) && b.shape.slice(0, -2).every((d) => d === 1);
    if ((!transposeA && !transposeB) || !unbatched || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return stock(args);
    }
    const [aRows, aCols] = a.shape.slice(-2);
    const outCols = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    // Matrix-vector products and tiny matrices: the scalar loop beats a transpose plus packing.
    if (outCols === 1 || aRows === 1 || aCols === 1 || aRows * aCols * outCols < 65536) return stock(args);
    return withWasmScope(backend, (scope) => {
      const as2d = (t: TensorInfo, transpose: boolean): TensorInfo => {
        const [rows, cols] = t.shape.slice(-2);
        const matrix = scope.reshape(t, [rows, cols]);
        return transpose ? scope.run('Transpose', { x: matrix }, { perm: [1, 0] }) : matrix;
      };
      const product = scope.run('BatchMatMul', { a: as2d(a, transposeA), b: as2d(b, transposeB) }, {
        transposeA: false, transposeB: false,
      });
      const batchDims = a.shape.length >= b.shape.length ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
      return scope.reshape(product, [...batchDims, ...product.shape.slice(-2)]);
    });
  },
};

/**
 * Sum (or mean) of x over its leading axes, as one XNNPACK average pool: x viewed as an image
 * [1, reduced, 1, kept] pooled by a [reduced, 1] window. (A ones-vector matMul looked faster
 * until the data changed between calls: XNNPACK then re-packs x as weights every time.)
 * Returns null when the axes are not a leading block, so the caller can delegate.
 */
function reduceLeadingAxes(args: KernelArgs, mean: boolean): TensorInfo | null {
  const { inputs, backend, attrs } = args;
  const x = requireInput(inputs, 'x', mean ? 'Mean' : 'Sum');
  if (x.dtype !== 'float32' || x.shape.length < 2) return null;
  const axes = util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((p, q) => p - q);
  if (!axes.every((axis, i) => axis === i) || axes.length === x.shape.length) return null;
  const reducedSize = util.sizeFromShape(axes.map((axis) => x.shape[axis]));
  const keptShape = x.shape.slice(axes.length);
  const keptSize = util.sizeFromShape(keptShape);
  if (reducedSize < 2) return null;
  const outShape = attrs.keepDims === true ? backend_util.expandShapeToKeepDim(keptShape, axes) : keptShape;

  return withWasmScope(backend, (scope) => {
    const asImage = scope.reshape(x, [1, reducedSize, 1, keptSize]);
    let reduced = scope.run('AvgPool', { x: asImage }, {
      filterSize: [reducedSize, 1], strides: 1, pad: 'valid', dimRoundingMode: undefined,
    } as unknown as NamedAttrMap);
    if (!mean) {
      const count = scope.run('Fill', {}, { shape: [], value: reducedSize, dtype: 'float32' });
      reduced = scope.run('Multiply', { a: reduced, b: count });
    }
    return scope.reshape(reduced, outShape);
  });
}

/** The XNNPACK pool for leading axes (threaded in the threaded build), else ./sumAxesSimd where it applies, else stock. */
const reduce = (args: KernelArgs, mean: boolean): TensorInfo | null =>
  reduceLeadingAxes(args, mean) ?? sumContiguousAxes(args as unknown as Parameters<typeof sumContiguousAxes>[0], mean);

export const sumOverride: WasmKernelOverride = {
  kernelName: 'Sum',
  make: (stock) => (args) => reduce(args as unknown as KernelArgs, false) ?? stock(args),
};

export const meanOverride: WasmKernelOverride = {
  kernelName: 'Mean',
  make: (stock) => (args) => reduce(args as unknown as KernelArgs, true) ?? stock(args),
};

/** A KernelConfig for `override`, delegating to `stock`. */
export function overrideConfig(override: WasmKernelOverride, stock: KernelConfig): KernelConfig {
  return {
    kernelName: override.kernelName,
    backendName: WASM_BACKEND,
    kernelFunc: override.make(stock.kernelFunc),
    // The stock kernel binds its wasm function in setupFunc when the backend starts; keep it.
    setupFunc: stock.setupFunc,
    disposeFunc: stock.disposeFunc,
  };
}
