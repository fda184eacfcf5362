import { describe, expect, it } from 'vitest';
import { generatePhantoms } from '../../data/phantom';
import { gridDiversity, type TileSet } from '../../training/quality';
import type { RunRecord } from '../../training/runTypes';
import { runQuality } from './exportSyntheticDataset';

function tiles(seed: number, sameImage: boolean): TileSet {
  const set = generatePhantoms({ modality: 'head-ct', size: 32, count: 16, seed });
  const pixels = set.images.slice();
  // "A generator whose output ignores z": every tile of a class repeats the class's first tile.
  if (sameImage) for (let i = 0; i < 16; i++) pixels.set(set.images.subarray(set.labels.indexOf(set.labels[i]) * 1024, (set.labels.indexOf(set.labels[i]) + 1) * 1024), i * 1024);
  return { pixels, labels: Int32Array.from(set.labels), side: 32, channels: 1 };
}

function run(step: number, collapsed: boolean): RunRecord {
  const diversity = gridDiversity(tiles(2, collapsed), tiles(1, false), step);
  return {
    id: 'r',
    settings: { totalSteps: 2000 },
    scoreMetric: 'lossG',
    status: 'finished',
    step,
    samples: [{ step, key: 'k', diversity }],
    best: { step, key: 'c', sha256: '', bytes: 1, score: 0.5, quality: { metric: 'kid', value: 0.1, n: 200, ms: 900 } },
  } as unknown as RunRecord;
}

describe('the run card says what the images are worth', () => {
  it('warns of mode collapse for a generator whose output ignores the noise', () => {
    const q = runQuality(run(1000, true), 1000);
    expect(q.modeCollapse).toBe(true);
    expect(q.warnings.join(' ')).toMatch(/Mode collapse at step 1000/);
    expect(q.best?.means).toMatch(/lowest KID/);
  });

  it('does not for varied images, and says when a run trained very few steps', () => {
    expect(runQuality(run(1000, false), 1000)).toMatchObject({ modeCollapse: false, warnings: [] });
    const short = runQuality(run(17, false), 17);
    expect(short.warnings.join(' ')).toMatch(/Trained 17 of 2,000 steps.*very short/);
  });
});
