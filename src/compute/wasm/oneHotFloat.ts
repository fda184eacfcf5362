/**
 * OneHot with a non-int32 dtype on stock wasm (tfjs 4.22) returns all zeros: its C++ kernel
 * writes int32 bits whatever the requested dtype. One-hot label embeddings for conditional
 * models (tf.oneHot(labels, n, 1, 0, 'float32')) would silently vanish. The fix builds the
 * one-hot as int32, which is correct, and casts.
 */
import type { KernelFunc, NamedAttrMap, NamedTensorInfoMap, KernelBackend } from '@tensorflow/tfjs';
import type { WasmKernelOverride } from './fastPaths';
import { withWasmScope } from './wasmKernelScope';

export const oneHotOverride: WasmKernelOverride = {
  kernelName: 'OneHot',
  make: (stock: KernelFunc): KernelFunc => (args) => {
    const { inputs, backend, attrs } = args as unknown as { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs: NamedAttrMap };
    if (attrs.dtype === 'int32') return stock(args);
    return withWasmScope(backend, (scope) => {
      const asInt = stock({ inputs, backend, attrs: { ...attrs, dtype: 'int32' } });
      if (Array.isArray(asInt)) throw new Error('src/compute/wasm/oneHotFloat.ts: OneHot returned several tensors');
      scope.adopt(asInt);
      return scope.run('Cast', { x: asInt }, { dtype: attrs.dtype as string });
    });
  },
};
