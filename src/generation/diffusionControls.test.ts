import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../models';
import { diffusionControlsFor } from './syntheticExport';

const ddpm = resolveConfig({ kind: 'ddpm', resolution: 32 });
const dcgan = resolveConfig({ kind: 'dcgan', resolution: 32 });

describe('the DDPM controls of a synthetic export', () => {
  it('pass the DPM-Solver++ sampler and its steps on, and leave DDIM implicit', () => {
    expect(diffusionControlsFor(ddpm, { sampler: 'dpm-solver++', samplingSteps: 15 })).toEqual({ sampler: 'dpm-solver++', samplingSteps: 15 });
    expect(diffusionControlsFor(ddpm, { sampler: 'ddim', samplingSteps: 50 })).toEqual({ samplingSteps: 50 });
  });

  it('refuse a sampler for a model that is not a diffusion model, and an unknown sampler', () => {
    expect(() => diffusionControlsFor(dcgan, { sampler: 'dpm-solver++' })).toThrow(/applies to diffusion models; this run is a dcgan/);
    expect(() => diffusionControlsFor(ddpm, { sampler: 'euler' as 'ddim' })).toThrow(/Unknown sampler 'euler'/);
  });
});
