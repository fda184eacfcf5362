import { describe, expect, it } from 'vitest';
import { generatePhantoms } from '../data/phantom';
import type { ImageStack } from '../metrics';
import { auditBySsim } from '../metrics';
import { auditInSlices } from './auditInSlices';

const SIZE = 32;
const stack = (data: Uint8Array, count: number): ImageStack => ({ data, count, width: SIZE, height: SIZE });

describe('memorisation audit in slices', () => {
  it('flags exactly what one pass flags, and reports after every slice', async () => {
    const real = generatePhantoms({ modality: 'head-ct', size: SIZE, count: 80, seed: 3 });
    const other = generatePhantoms({ modality: 'head-ct', size: SIZE, count: 20, seed: 99 });
    const per = SIZE * SIZE;
    const train = stack(real.images.slice(0, 60 * per), 60);
    const validation = stack(real.images.slice(60 * per, 80 * per), 20);
    // 23 synthetic images: every third one is a training image copied outright, the rest are new phantoms.
    const synthetic = new Uint8Array(23 * per);
    for (let i = 0; i < 23; i++) synthetic.set(i % 3 === 0 ? train.data.subarray(i * per, (i + 1) * per) : other.images.subarray((i % 20) * per, ((i % 20) + 1) * per), i * per);
    const images = { train, validation, synthetic: stack(synthetic, 23) };

    const whole = await auditInSlices(images, () => undefined, 23);
    const reported: number[] = [];
    const sliced = await auditInSlices(images, (n) => void reported.push(n), 7);
    expect(reported).toEqual([7, 14, 21, 23]);
    expect([...sliced.flagged].sort((a, b) => a - b)).toEqual([...whole.flagged].sort((a, b) => a - b));
    expect(sliced).toMatchObject({ flaggedBySsim: whole.flaggedBySsim, flaggedByFeatures: whole.flaggedByFeatures, thresholds: whole.thresholds });
    // The outright copies are caught, so the comparison is not between two empty sets.
    for (let i = 0; i < 23; i += 3) expect(whole.flagged.has(i)).toBe(true);
    expect(whole.flaggedBySsim).toBe(auditBySsim(images).flagged.length);
  });
});
