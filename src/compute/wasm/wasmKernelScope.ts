/**
 * Runs already-registered wasm kernels directly from inside another kernel, the way the wasm
 * backend's own composite kernels do (BatchMatMul calls Reshape, etc.). Going through the kernel
 * registry instead of `tf.*` ops keeps the engine, the gradient tape and the profiler out of the
 * inner calls, so a composite kernel costs only its inner kernels.
 *
 * Every inner output is an intermediate owned by the scope; `finish` frees all of them except
 * the tensor handed back to the engine.
 */
import { getKernel } from '@tensorflow/tfjs';
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

export const WASM_BACKEND = 'wasm';

/** The kernel input `name`, or a clear Error naming the kernel when the engine did not pass it. */
export function requireInput(inputs: NamedTensorInfoMap, name: string, kernelName: string): TensorInfo {
  const input = inputs[name];
  if (input === undefined) {
    throw new Error(`src/compute/wasm: kernel '${kernelName}' was called without its input '${name}'`);
  }
  return input;
}

export class WasmKernelScope {
  private readonly intermediates: TensorInfo[] = [];

  constructor(private readonly backend: KernelBackend) {}

  /** Runs the wasm kernel `kernelName`; its output is freed by `finish`/`dispose` unless returned. */
  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const config = getKernel(kernelName, WASM_BACKEND);
    if (config === undefined) {
      throw new Error(`src/compute/wasm/wasmKernelScope.ts: wasm kernel '${kernelName}' is not registered`);
    }
    const output = config.kernelFunc({ inputs, attrs, backend: this.backend });
    if (Array.isArray(output)) {
      throw new Error(`src/compute/wasm/wasmKernelScope.ts: wasm kernel '${kernelName}' returned several tensors`);
    }
    this.intermediates.push(output);
    return output;
  }

  /** Makes the scope own `t`, an output the caller allocated itself (backend.makeOutput). */
  adopt(t: TensorInfo): TensorInfo {
    this.intermediates.push(t);
    return t;
  }

  /**
   * A view of `x` with another shape. Reshape on wasm never copies; it bumps the buffer's
   * reference count, which the scope releases like any other intermediate.
   */
  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /** Frees every intermediate except `result`, which the caller hands to the engine. */
  finish(result: TensorInfo): TensorInfo {
    // Handing back a kernel *input* (or a view of one that was not made through the scope)
    // would give the engine a buffer it does not own a reference to.
    if (!this.intermediates.some((t) => t.dataId === result.dataId)) {
      this.dispose();
      throw new Error('src/compute/wasm/wasmKernelScope.ts: a composite kernel must return one of its own intermediates');
    }
    for (const t of this.intermediates) {
      if (t !== result) this.backend.disposeData(t.dataId);
    }
    this.intermediates.length = 0;
    return result;
  }

  /** Frees every intermediate (used when a kernel fails half-way). */
  dispose(): void {
    for (const t of this.intermediates) this.backend.disposeData(t.dataId);
    this.intermediates.length = 0;
  }
}

/** Runs `body` in a fresh scope; intermediates are freed whether it returns or throws. */
export function withWasmScope(backend: KernelBackend, body: (scope: WasmKernelScope) => TensorInfo): TensorInfo {
  const scope = new WasmKernelScope(backend);
  try {
    return scope.finish(body(scope));
  } catch (error) {
    scope.dispose();
    throw error;
  }
}
