import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { modeCoverage, sampleToy, Toy2d } from './toy2d';
import { toyModeFailure } from './failures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Mean distance from each point of `a` to its nearest point of `b` (x y pairs). */
function meanNearest(a: Float32Array, b: Float32Array): number {
  let total = 0;
  for (let i = 0; i < a.length; i += 2) {
    let best = Infinity;
    for (let j = 0; j < b.length; j += 2) best = Math.min(best, Math.hypot(a[i] - b[j], a[i + 1] - b[j + 1]));
    total += best;
  }
  return total / (a.length / 2);
}

const same = (a: Float32Array[], b: Float32Array[]) => a.every((w, i) => w.every((x, j) => x === b[i][j]));

describe('the 2-D classroom', () => {
  it('samples its data sets where they should be, reproducibly', () => {
    const ring = sampleToy('ring', 500, 1);
    for (let i = 0; i < ring.length; i += 2) expect(Math.abs(Math.hypot(ring[i], ring[i + 1]) - 2)).toBeLessThan(0.5);
    expect(sampleToy('mixture', 10, 3)).toEqual(sampleToy('mixture', 10, 3));
    expect(sampleToy('circle', 10, 3)).not.toEqual(sampleToy('circle', 10, 4));
  });

  it('a D-only step changes only D, a G-only step only G, without leaking tensors', () => {
    const initial = tf.memory().numTensors;
    const toy = new Toy2d('ring', 5);
    const before = tf.memory().numTensors;
    const [d0, g0] = [toy.weights('d'), toy.weights('g')];
    toy.step({ d: true, g: false });
    const [d1, g1] = [toy.weights('d'), toy.weights('g')];
    expect(same(d0, d1)).toBe(false);
    expect(same(g0, g1)).toBe(true);
    toy.step({ d: false, g: true });
    expect(same(d1, toy.weights('d'))).toBe(true);
    expect(same(g1, toy.weights('g'))).toBe(false);
    toy.step({ d: true, g: true });
    const settled = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) toy.step({ d: true, g: true });
    expect(tf.memory().numTensors).toBe(settled);
    expect(settled - before).toBeLessThan(40); // Adam's slots, created on first use
    expect([toy.dUpdates, toy.gUpdates]).toEqual([7, 7]);
    toy.dispose();
    expect(tf.memory().numTensors).toBe(initial);

  });

  it('setLearningRates changes how far the next update moves each network', () => {
    const moved = (rates: { d: number; g: number } | null) => {
      const toy = new Toy2d('circle', 9);
      if (rates) toy.setLearningRates(rates);
      const before = toy.weights('d');
      toy.step({ d: true, g: false });
      const after = toy.weights('d');
      toy.dispose();
      return before.reduce((sum, w, i) => sum + w.reduce((s, x, j) => s + Math.abs(x - after[i][j]), 0), 0);
    };
    // Adam's first step moves each weight by about the learning rate.
    expect(moved({ d: 1e-4, g: 1e-3 })).toBeLessThan(0.2 * moved(null));
    expect(() => new Toy2d('ring').setLearningRates({ d: 0, g: 1 })).toThrow(/learning rates/);
  });

  it('a trained D scores real points above fakes and its arrows point fakes towards the data; training brings fakes closer', async () => {
    const toy = new Toy2d('mixture', 3);
    const start = await toy.view();
    expect(start.surface.length).toBe(start.surfaceSize ** 2);
    expect(start.fake.length).toBe(start.real.length);
    const startGap = meanNearest(start.fake, start.real);
    for (let i = 0; i < 60; i++) toy.step({ d: true, g: false });
    const judged = await toy.view();
    expect(judged.metrics.dReal).toBeGreaterThan(judged.metrics.dFake);
    // Moving each fake a little along its arrow brings it nearer the real points on average.
    const moved = judged.fake.map((v, i) => v + (0.05 * judged.arrows[i]) / (Math.hypot(judged.arrows[i - (i % 2)], judged.arrows[i - (i % 2) + 1]) || 1));
    expect(meanNearest(moved, judged.real)).toBeLessThan(meanNearest(judged.fake, judged.real));
    for (let i = 0; i < 300; i++) toy.step({ d: true, g: true });
    const trained = await toy.view();
    expect(meanNearest(trained.fake, trained.real)).toBeLessThan(0.6 * startGap);
    toy.dispose();
  });
});

describe('mode coverage of the 2-D view', () => {
  it('real data covers every mode; points from some clusters cover only those; a callout says how many', () => {
    for (const dataset of ['ring', 'mixture', 'circle'] as const) {
      const real = modeCoverage(dataset, sampleToy(dataset, 256, 4));
      expect(real.covered).toBe(real.total);
      expect(real.offMode).toBeLessThan(0.05);
    }
    // Three of the ring's eight clusters: keep only the points of modes 0, 1 and 5.
    const ring = sampleToy('ring', 800, 2);
    const kept: number[] = [];
    for (let i = 0; i < ring.length; i += 2) {
      const k = Math.round(((Math.atan2(ring[i + 1], ring[i]) + 2 * Math.PI) % (2 * Math.PI)) / (Math.PI / 4)) % 8;
      if ([0, 1, 5].includes(k)) kept.push(ring[i], ring[i + 1]);
    }
    const partial = modeCoverage('ring', Float32Array.from(kept));
    expect(partial).toMatchObject({ covered: 3, total: 8, unit: 'cluster' });
    expect(partial.counts.filter((c) => c > 0).length).toBe(3);
    const [callout] = toyModeFailure(500, partial);
    expect(callout.id).toBe('missing-modes');
    expect(callout.detail).toMatch(/covers 3 of the 8 clusters .* misses the other 5 clusters/);
    expect(toyModeFailure(50, partial)).toEqual([]); // warm-up
    expect(toyModeFailure(500, modeCoverage('ring', ring))).toEqual([]);
    // A generator still clumped at the origin covers nothing.
    const clump = modeCoverage('mixture', new Float32Array(200).fill(0));
    expect(clump.covered).toBe(0);
    expect(clump.offMode).toBe(1);
    expect(toyModeFailure(500, clump)[0].detail).toMatch(/None of the 3 clusters .* 100 % of its points lie between them/);
  });
});
