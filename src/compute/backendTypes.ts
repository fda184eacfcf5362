/** Types shared by backend selection (worker side) and the status bar and settings (UI side). */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];
export type BackendChoice = 'auto' | BackendName;

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** True for a fallback (software) adapter such as SwiftShader or llvmpipe. */
  software: boolean;
}

export interface ProbeMeasurement {
  backend: BackendName;
  /** Median milliseconds of one small training-like step, or null when the backend failed. */
  msPerStep: number | null;
  error?: string;
}

export interface BackendProbeResult {
  /** Which adapter/user agent the probe ran on; a cached probe is reused only on the same one. */
  fingerprint: string;
  measuredAt: number;
  measurements: ProbeMeasurement[];
}

export interface BackendReport {
  backend: BackendName;
  adapter: AdapterInfo | null;
  /** Why this backend: hardware WebGPU, a (cached) probe, the user's override, or a fallback. */
  reason: string;
  probe: BackendProbeResult | null;
  /** Visible notices: fallbacks, failures, device loss. */
  notices: string[];
  /** Threads of the wasm backend (1 = its single-threaded build); absent on other backends. */
  wasmThreads?: number;
  /** Plain-language reason for that count (e.g. the page is not cross-origin isolated); with wasmThreads. */
  wasmThreadsNote?: string;
}
