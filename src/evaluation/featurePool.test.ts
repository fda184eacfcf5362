import { describe, expect, it } from 'vitest';
import { generatePhantoms } from '../data/phantom';
import { CancelledError } from '../core/jobControl';
import { evaluateDistributions, kidAndPrdc } from '../metrics/distribution/index';
import { normaliseToReal } from '../metrics/radiomics/frd';
import { radiomicsFeatures } from '../metrics/radiomics/features';
import { FeaturePool, type FeatureWorker } from './featurePool';
import { runFeatureTask } from './featureTask';
import { nodeFeatureWorker } from './nodeFeatureWorkers';

const SIZE = 32;
const images = generatePhantoms({ modality: 'head-ct', size: SIZE, count: 23, seed: 5 }).images;
const single = radiomicsFeatures(images, SIZE);

/** Same values, bit for bit (Object.is also tells 0 from −0 and matches NaN). */
function expectIdentical(actual: Float64Array | Float32Array, expected: Float64Array | Float32Array) {
  expect(actual.length).toBe(expected.length);
  let differing = 0;
  for (let i = 0; i < expected.length; i++) if (!Object.is(actual[i], expected[i])) differing++;
  expect(differing).toBe(0);
}

/** A worker in this thread that answers asynchronously, like a real one. */
function inThreadWorker(): FeatureWorker {
  return { run: async (task) => runFeatureTask(task), terminate: () => undefined };
}

// z-normalised features of two phantom sets, big enough for several 32-row blocks per set.
const distances = (() => {
  const fake = generatePhantoms({ modality: 'head-ct', size: SIZE, count: 90, seed: 6 }).images;
  const real = generatePhantoms({ modality: 'head-ct', size: SIZE, count: 110, seed: 7 }).images;
  return normaliseToReal(radiomicsFeatures(real, SIZE).features, radiomicsFeatures(fake, SIZE).features);
})();
const distanceOptions = { k: 5, kid: { subsets: 10, subsetSize: 50, seed: 2 } };

describe('feature pool', () => {
  it('on this thread: chunked features equal one radiomicsFeatures call exactly, with progress per chunk', async () => {
    const pool = new FeaturePool({ workers: 0, chunkSize: 5 });
    const seen: number[] = [];
    const pooled = await pool.radiomics(images, SIZE, {}, { onProgress: (done, total) => (expect(total).toBe(23), seen.push(done)) });
    expect(pooled.names).toEqual(single.names);
    expect([pooled.features.rows, pooled.features.cols]).toEqual([23, single.features.cols]);
    expectIdentical(pooled.features.data, single.features.data);
    expect(seen).toEqual([5, 10, 15, 20, 23]);
  });

  it('on two Node worker threads: the same features exactly, and the caller keeps its images', async () => {
    const before = images.slice();
    const pool = new FeaturePool({ workers: 2, chunkSize: 4, createWorker: nodeFeatureWorker });
    try {
      const pooled = await pool.radiomics(images, SIZE);
      expect(pool.size).toBe(2);
      expectIdentical(pooled.features.data, single.features.data);
      // Float input goes through the same path (and the same transfer of a copied buffer).
      const floats = Float32Array.from(images.subarray(0, 6 * SIZE * SIZE), (v) => v / 255);
      expectIdentical((await pool.radiomics(floats, SIZE)).features.data, radiomicsFeatures(floats, SIZE).features.data);
      // KID and PRDC with the pairwise scans split across the two threads.
      expect(await pool.kidAndPrdc(distances.real, distances.fake, distanceOptions)).toEqual(kidAndPrdc(distances.real, distances.fake, distanceOptions));
    } finally {
      pool.dispose();
    }
    expect(images).toEqual(before);
  }, 60_000);

  it('a worker that fails is dropped and its chunks run elsewhere, with the same result', async () => {
    let created = 0;
    const pool = new FeaturePool({
      workers: 2,
      chunkSize: 3,
      createWorker: () => (created++ === 0 ? { run: () => Promise.reject(new Error('could not be loaded')), terminate: () => undefined } : inThreadWorker()),
    });
    const pooled = await pool.radiomics(images, SIZE);
    expect(pool.size).toBe(1);
    expectIdentical(pooled.features.data, single.features.data);
    // With every worker gone, this thread does the work.
    const broken = new FeaturePool({ workers: 2, chunkSize: 7, createWorker: () => ({ run: () => Promise.reject(new Error('no')), terminate: () => undefined }) });
    expectIdentical((await broken.radiomics(images, SIZE)).features.data, single.features.data);
    expect(broken.size).toBe(0);
  });

  it('KID and PRDC split across three workers equal the single-threaded result exactly; a failing worker falls back', async () => {
    const expected = kidAndPrdc(distances.real, distances.fake, distanceOptions);
    const pool = new FeaturePool({ workers: 3, createWorker: inThreadWorker });
    expect(await pool.kidAndPrdc(distances.real, distances.fake, distanceOptions)).toEqual(expected);
    let created = 0;
    const flaky = new FeaturePool({ workers: 2, createWorker: () => (created++ === 1 ? { run: () => Promise.reject(new Error('crashed')), terminate: () => undefined } : inThreadWorker()) });
    expect(await flaky.kidAndPrdc(distances.real, distances.fake, distanceOptions)).toEqual(expected);
    expect(flaky.size).toBe(1);
    await expect(pool.kidAndPrdc(distances.real, distances.fake, distanceOptions, { cancel: { isCancelled: () => true } })).rejects.toBeInstanceOf(CancelledError);
    // With the Fréchet distance computed on this thread meanwhile: evaluateDistributions' values.
    expect(await pool.evaluateDistributions(distances.real, distances.fake, distanceOptions)).toEqual(evaluateDistributions(distances.real, distances.fake, distanceOptions));
  });

  it('stops at a cancel request, and reports a failed chunk by its message', async () => {
    let chunksDone = 0;
    const pool = new FeaturePool({ workers: 2, chunkSize: 2, createWorker: inThreadWorker });
    const run = pool.radiomics(images, SIZE, {}, { onProgress: () => chunksDone++, cancel: { isCancelled: () => chunksDone >= 3 } });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    // The two workers each finish the chunk they hold, then take no more.
    expect(chunksDone).toBeLessThanOrEqual(4);

    const failing = new FeaturePool({ workers: 1, createWorker: () => ({ run: async (task) => ({ kind: 'failed', id: task.id, message: 'radiomics: out of memory' }), terminate: () => undefined }) });
    await expect(failing.radiomics(images, SIZE)).rejects.toThrow('radiomics: out of memory');
  });

  it('refuses bad input before splitting it', async () => {
    const pool = new FeaturePool({ workers: 0 });
    await expect(pool.radiomics(images.subarray(0, 1000), SIZE)).rejects.toThrow(/not a whole number of 32x32 images/);
    await expect(pool.radiomics(images, SIZE, { levels: 1 })).rejects.toThrow(/levels must be an integer/);
    expect(() => new FeaturePool({ workers: -1 })).toThrow(/workers must be a non-negative integer/);
    pool.dispose();
    await expect(pool.radiomics(images, SIZE)).rejects.toThrow(/disposed/);
  });
});
