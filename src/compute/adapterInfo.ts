/** Reads what WebGPU adapter this machine offers, and whether it is a software fallback. */
import type { AdapterInfo } from './backendTypes';

const SOFTWARE_ADAPTERS = /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i;

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; device?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}

export function describeAdapter(adapter: GpuAdapterLike): AdapterInfo {
  const info = adapter.info ?? {};
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const description = info.description || info.device || '';
  const software =
    info.isFallbackAdapter === true ||
    adapter.isFallbackAdapter === true ||
    SOFTWARE_ADAPTERS.test(`${vendor} ${architecture} ${description}`);
  return { vendor: vendor || 'unknown vendor', architecture: architecture || 'unknown architecture', description, software };
}

/** null when the browser has no WebGPU or no adapter at all. */
export async function queryAdapter(): Promise<AdapterInfo | null> {
  const gpu = (globalThis.navigator as Navigator & { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter();
    return adapter ? describeAdapter(adapter) : null;
  } catch {
    return null;
  }
}

export function adapterFingerprint(adapter: AdapterInfo | null, userAgent: string): string {
  return `${adapter ? `${adapter.vendor}/${adapter.architecture}/${adapter.description}` : 'no-webgpu'}|${userAgent}`;
}
