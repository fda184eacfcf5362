/**
 * tfjs's WebGPU backend in Node, with no browser: the `webgpu` package (Dawn, the WebGPU
 * implementation inside Chromium, built as a Node addon) provides `navigator.gpu` over Vulkan on
 * Linux, Metal on macOS and D3D12 on Windows. tfjs-backend-webgpu registers itself at import time
 * only when `navigator.gpu` exists, so this installs it first and imports the backend after.
 *
 * Without a GPU, Chromium's SwiftShader (a CPU Vulkan driver) serves for correctness checks:
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium
 * (both must be set when Node starts: the Vulkan loader is found through LD_LIBRARY_PATH).
 */
import { existsSync } from 'node:fs';

/** Chromium's software Vulkan driver on Debian, the fallback the tests and the error message name. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
export const SWIFTSHADER_ENV = { VK_ICD_FILENAMES: SWIFTSHADER_ICD, LD_LIBRARY_PATH: '/usr/lib/chromium' } as const;

export class NodeWebgpuError extends Error {}

export interface NodeWebgpuAdapter {
  /** What Dawn says the adapter is (vendor, architecture, device, description), for logs and records. */
  description: string;
}

let installed: Promise<NodeWebgpuAdapter> | null = null;

/** Gives Node a navigator.gpu and registers tfjs's webgpu backend; throws NodeWebgpuError when no adapter is found. */
export function installNodeWebgpu(): Promise<NodeWebgpuAdapter> {
  installed ??= install();
  return installed;
}

async function install(): Promise<NodeWebgpuAdapter> {
  let webgpu: typeof import('webgpu');
  try {
    webgpu = await import('webgpu');
  } catch (error) {
    throw new NodeWebgpuError(`the webgpu package (Dawn for Node) did not load: ${(error as Error).message}`);
  }
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    const hint = existsSync(SWIFTSHADER_ICD)
      ? `; without a GPU, Chromium's software driver works for checks: VK_ICD_FILENAMES=${SWIFTSHADER_ENV.VK_ICD_FILENAMES} LD_LIBRARY_PATH=${SWIFTSHADER_ENV.LD_LIBRARY_PATH}`
      : '';
    throw new NodeWebgpuError(`no WebGPU adapter: Dawn found no GPU driver (Linux needs a Vulkan driver and loader, e.g. the NVIDIA driver's Vulkan ICD and libvulkan1)${hint}`);
  }
  const info = (adapter as unknown as { info?: Record<string, string> }).info ?? {};
  const description = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  const wrapped = withAdapterStorageLimit(gpu);
  const existing = (globalThis as { navigator?: object }).navigator;
  if (existing) Object.defineProperty(existing, 'gpu', { value: wrapped, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu: wrapped, userAgent: `Node.js ${process.version}` }, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  return { description };
}

/**
 * tfjs asks for a device with the default maxStorageBuffersPerShaderStage (8), but its AddN kernel
 * binds one buffer per input plus the output, and the models' gradient norms add a dozen or more
 * tensors in one AddN (validation error, then NaNs). Requesting the adapter's own limit, which
 * every Vulkan/Metal/D3D12 adapter raises well above 8, lets those kernels compile.
 */
function withAdapterStorageLimit(gpu: GPU): GPU {
  const requestAdapter = gpu.requestAdapter.bind(gpu);
  const patched = async (options?: GPURequestAdapterOptions) => {
    const adapter = await requestAdapter(options);
    if (!adapter) return adapter;
    const requestDevice = adapter.requestDevice.bind(adapter);
    const limit = adapter.limits.maxStorageBuffersPerShaderStage;
    return new Proxy(adapter, {
      get(target, key) {
        if (key === 'requestDevice')
          return (descriptor: GPUDeviceDescriptor = {}) =>
            requestDevice({ ...descriptor, requiredLimits: { ...descriptor.requiredLimits, maxStorageBuffersPerShaderStage: limit } });
        const value = Reflect.get(target, key, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
  return new Proxy(gpu, {
    get(target, key) {
      if (key === 'requestAdapter') return patched;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
