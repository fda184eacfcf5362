/**
 * MaxPoolGrad for the wasm backend. The stock kernel (tfjs 4.22) seeds its running maximum
 * with FLT_MIN (the smallest *positive* float) instead of −∞, so in any window whose values
 * are all negative it routes the gradient to the window's first pixel rather than its
 * maximum, and it breaks ties towards the last maximum where TensorFlow takes the first.
 *
 * This version follows the cpu backend exactly (first maximum in row-major window order).
 * It is a JS loop over the input on the wasm heap: one pass, channels innermost so memory is
 * read contiguously, no allocation beyond dx. Scalar JS, so slower than a native kernel would
 * be, but correct; DCGAN-style nets downsample with strided convs and never reach it.
 */
import { backend_util } from '@tensorflow/tfjs';
import type { KernelBackend, KernelConfig, MaxPoolGradAttrs, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireInput, WASM_BACKEND } from './wasmKernelScope';

type Shape4D = [number, number, number, number];

export function maxPoolGradWasm(args: {
  inputs: NamedTensorInfoMap;
  backend: KernelBackend;
  attrs: MaxPoolGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = requireInput(inputs, 'dy', 'MaxPoolGrad');
  const input = requireInput(inputs, 'input', 'MaxPoolGrad');
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`src/compute/wasm/maxPoolGrad.ts: expected float32 tensors, got ${input.dtype} and ${dy.dtype}`);
  }
  const info = backend_util.computePool2DInfo(
    input.shape as Shape4D, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, effectiveFilterHeight, effectiveFilterWidth, padInfo } = info;

  const wasm = backend as BackendWasm;
  const out = wasm.makeOutput([...input.shape], 'float32');
  // Views after allocation: makeOutput may grow (and detach) the heap.
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  const x = wasm.typedArrayFromHeap(input) as Float32Array;
  const grad = wasm.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);
  const best = new Float32Array(channels);
  const bestAt = new Int32Array(channels);

  let dyIndex = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const rowStart = Math.max(0, oh * strideHeight - padInfo.top);
      const rowEnd = Math.min(inHeight, oh * strideHeight - padInfo.top + effectiveFilterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const colStart = Math.max(0, ow * strideWidth - padInfo.left);
        const colEnd = Math.min(inWidth, ow * strideWidth - padInfo.left + effectiveFilterWidth);
        best.fill(Number.NEGATIVE_INFINITY);
        bestAt.fill(-1);
        for (let r = rowStart; r < rowEnd; r++) {
          for (let c = colStart; c < colEnd; c++) {
            const pixel = ((b * inHeight + r) * inWidth + c) * channels;
            for (let d = 0; d < channels; d++) {
              // Strictly greater: the first maximum wins, as on the cpu backend.
              if (x[pixel + d] > best[d] || bestAt[d] < 0) {
                best[d] = x[pixel + d];
                bestAt[d] = pixel + d;
              }
            }
          }
        }
        for (let d = 0; d < channels; d++, dyIndex++) {
          if (bestAt[d] >= 0) dx[bestAt[d]] += grad[dyIndex];
        }
      }
    }
  }
  return out;
}

export const maxPoolGradWasmConfig: KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: WASM_BACKEND,
  kernelFunc: maxPoolGradWasm as unknown as KernelConfig['kernelFunc'],
};
