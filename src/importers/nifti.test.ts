import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasShared, readSharedJson, sharedPath } from '../testing/sharedData';
import { niftiSlices, readNifti } from './nifti';

interface Golden { file: string; zooms: number[]; scaled: { shape: number[]; mean: number; samples_at: number[]; samples: number[] } }

describe.skipIf(!hasShared)('NIfTI parity with nibabel', () => {
  const golden = hasShared ? readSharedJson<{ files: Golden[] }>('golden', 'nifti_reference.json').files : [];
  it.each(golden.map((g) => [g.file, g] as const))('%s', (_name, g) => {
    const volume = readNifti(new Uint8Array(readFileSync(sharedPath('data', 'nifti', g.file))));
    const shape = [...g.scaled.shape, 1, 1, 1].slice(0, 4);
    expect(volume.dims).toEqual(shape);
    const [nx, ny, nz] = volume.dims;
    // The golden flattens nibabel's [x,y,z,t] array in C order; our data is in file order (x fastest).
    g.scaled.samples_at.forEach((at, i) => {
      const t = at % shape[3];
      let rest = (at - t) / shape[3];
      const z = rest % shape[2];
      rest = (rest - z) / shape[2];
      const y = rest % shape[1];
      const x = (rest - y) / shape[1];
      const expected = g.scaled.samples[i];
      expect(Math.abs(volume.data[x + nx * (y + ny * (z + nz * t))] - expected)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected)));
    });
    let sum = 0;
    for (const v of volume.data) sum += v;
    expect(sum / volume.data.length).toBeCloseTo(g.scaled.mean, 3);
    expect(volume.spacing).toEqual(g.zooms.slice(0, 3).map((z) => Math.fround(z)));
  });
});

describe('NIfTI slicing', () => {
  const volume = { dims: [4, 3, 2, 2] as [number, number, number, number], spacing: [1, 2, 3] as [number, number, number], data: new Float32Array(48) };
  volume.data.forEach((_, i) => (volume.data[i] = i));

  it('cuts each 3-D volume of a 4-D file along the chosen axis', () => {
    const axial = [...niftiSlices(volume, { minForegroundFraction: 0 })];
    expect(axial.map((s) => [s.width, s.height, s.meta.volume])).toEqual([[4, 3, 0], [4, 3, 0], [4, 3, 1], [4, 3, 1]]);
    expect(axial.map((s) => s.meta.slice)).toEqual([0, 1, 0, 1]);
    const sagittal = [...niftiSlices(volume, { axis: 'sagittal', minForegroundFraction: 0 })];
    expect(sagittal).toHaveLength(8);
    expect([sagittal[0].width, sagittal[0].height]).toEqual([3, 2]);
  });

  it('normalises each volume by its own percentiles and skips near-empty slices', () => {
    const empty = { ...volume, dims: [4, 4, 3, 1] as [number, number, number, number], data: new Float32Array(48) };
    empty.data.fill(100, 16, 32); // only the middle axial slice has signal
    const kept = [...niftiSlices(empty, { minForegroundFraction: 0.05, percentiles: [0, 100] })];
    expect(kept.map((s) => s.meta.slice)).toEqual([1]);
    expect(Math.max(...kept[0].pixels)).toBe(1);
  });
});
