import { describe, expect, it } from 'vitest';
import { backendOrder, needsProbe, probeRanking } from './backendOrder';
import type { AdapterInfo, BackendProbeResult } from './backendTypes';

const hardware: AdapterInfo = { vendor: 'nvidia', architecture: 'hopper', description: '', software: false };
const software: AdapterInfo = { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader', software: true };
const probe: BackendProbeResult = {
  fingerprint: 'x',
  measuredAt: 0,
  measurements: [
    { backend: 'webgpu', msPerStep: 120 },
    { backend: 'webgl', msPerStep: 40 },
    { backend: 'wasm', msPerStep: null, error: 'Kernel Conv2DBackpropFilter not registered' },
    { backend: 'cpu', msPerStep: 30 },
  ],
};

describe('backend order', () => {
  it('puts WebGPU first on a hardware adapter and skips the probe', () => {
    expect(needsProbe('auto', hardware)).toBe(false);
    expect(backendOrder('auto', hardware, null)).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
  });

  it('follows the probe on a software adapter, failures after working backends, cpu last', () => {
    expect(needsProbe('auto', software)).toBe(true);
    expect(probeRanking(probe)).toEqual(['webgl', 'webgpu', 'wasm', 'cpu']);
    expect(backendOrder('auto', software, probe)).toEqual(['webgl', 'webgpu', 'wasm', 'cpu']);
  });

  it('never offers WebGPU without an adapter', () => {
    expect(backendOrder('auto', null, probe)).toEqual(['webgl', 'wasm', 'cpu']);
    expect(backendOrder('auto', null, null)).toEqual(['webgl', 'wasm', 'cpu']);
  });

  it('puts the user override first but keeps the fallbacks', () => {
    expect(needsProbe('wasm', software)).toBe(false);
    expect(backendOrder('wasm', hardware, null)).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
    expect(backendOrder('cpu', software, probe)).toEqual(['cpu', 'webgl', 'webgpu', 'wasm']);
  });
});
