/**
 * Which backends to try, in what order. Pure functions, so the policy is unit-tested apart from
 * any browser: WebGPU first on a hardware adapter; on a software or missing adapter, whatever the
 * timed probe measured fastest; the user's override always first; otherwise cpu is the last resort.
 */
import { BACKEND_NAMES, type AdapterInfo, type BackendChoice, type BackendName, type BackendProbeResult } from './backendTypes';

export const HARDWARE_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export function probeRanking(probe: BackendProbeResult): BackendName[] {
  const working = probe.measurements
    .filter((m) => m.msPerStep !== null)
    .sort((a, b) => (a.msPerStep as number) - (b.msPerStep as number))
    .map((m) => m.backend);
  const failed = probe.measurements.filter((m) => m.msPerStep === null).map((m) => m.backend);
  return withCpuLast(dedupe([...working, ...failed]));
}

export function needsProbe(choice: BackendChoice, adapter: AdapterInfo | null): boolean {
  return choice === 'auto' && !(adapter && !adapter.software);
}

/** Candidates for the probe: WebGPU only when there is an adapter at all. */
export function probeCandidates(adapter: AdapterInfo | null): BackendName[] {
  return BACKEND_NAMES.filter((b) => b !== 'webgpu' || adapter !== null);
}

export function backendOrder(choice: BackendChoice, adapter: AdapterInfo | null, probe: BackendProbeResult | null): BackendName[] {
  let base: BackendName[];
  if (adapter && !adapter.software) base = [...HARDWARE_ORDER];
  else if (probe) base = probeRanking(probe);
  else base = ['webgl', 'wasm', 'cpu'];
  if (!adapter) base = base.filter((b) => b !== 'webgpu');
  base = withCpuLast(dedupe(base));
  return choice === 'auto' ? base : dedupe([choice, ...base]);
}

function dedupe(list: BackendName[]): BackendName[] {
  return [...new Set(list)];
}

function withCpuLast(list: BackendName[]): BackendName[] {
  return [...list.filter((b) => b !== 'cpu'), 'cpu'];
}
