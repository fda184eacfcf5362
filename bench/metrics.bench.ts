/**
 * Throughput of the evaluation core in Node (not a vitest bench: it takes a minute).
 *
 *   npx tsx bench/metrics.bench.ts [--count 5000] [--size 64] [--workers 0] [--breakdown] [--memorization]
 *
 * Default: 5,000 real vs 5,000 fake phantoms at 64 px → radiomics features of both sets, then
 * FRD + KID (100 subsets of 1,000) + PRDC (k 5) on the z-normalised features, all on this one
 * thread. Phantom generation is not timed.
 *
 * --workers N runs the studio's feature pool on N worker_threads, as the Evaluate stage does in
 * the browser (radiomics chunks and the KID/PRDC scans on the workers, FRD on this thread during
 * the scans); its times include starting the threads (tsx compiles the worker code in each).
 * --breakdown first times each piece of the work single-threaded: the radiomics vector per view
 * kind and step on the first 500 real images, then FRD, KID alone and PRDC alone on all of them.
 * --memorization adds the audit of 1,000 synthetic vs 4,000 training images at 32 px (plus 500
 * validation). Reports wall and process CPU time: on a shared machine wall time includes waiting
 * for a core, and CPU time counts every thread. The last line is JSON with every figure (seconds).
 *
 * Requirement (evaluation issue): radiomics of both sets + FRD + KID + PRDC for 5,000 vs 5,000
 * at 64 px in under 60 s on the CPU path.
 */
import { parseArgs } from 'node:util';
import { generatePhantoms } from '../src/data/phantom';
import { FeaturePool } from '../src/evaluation/featurePool';
import { nodeFeatureWorker } from '../src/evaluation/nodeFeatureWorkers';
import { evaluateDistributions, frechetDistance, kernelInceptionDistance, prdc, type DistributionMetrics } from '../src/metrics/distribution/index';
import { dotEngineKind } from '../src/metrics/linalg/dotTiles';
import { auditMemorization } from '../src/metrics/memorization';
import { FirstOrderCalculator } from '../src/metrics/radiomics/firstOrder';
import { HAAR_BAND_NAMES, haar, LaplacianOfGaussian } from '../src/metrics/radiomics/filters';
import { normaliseToReal } from '../src/metrics/radiomics/frd';
import { radiomicsFeatures, type RadiomicsResult } from '../src/metrics/radiomics/features';
import { NgtdmCalculator } from '../src/metrics/radiomics/ngtdm';
import { quantiseFixed, quantiseMinMax } from '../src/metrics/radiomics/quantise';
import { TexturePass } from '../src/metrics/radiomics/texturePass';
import type { ImageStack } from '../src/metrics/types';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '5000' },
    size: { type: 'string', default: '64' },
    workers: { type: 'string', default: '0' },
    breakdown: { type: 'boolean', default: false },
    memorization: { type: 'boolean', default: false },
  },
});
const count = Number(values.count);
const size = Number(values.size) as 32 | 64 | 128;
const workers = Number(values.workers);
if (!Number.isInteger(workers) || workers < 0) throw new Error(`bench/metrics.bench.ts: --workers takes a non-negative integer, got ${values.workers}`);
const KID = { subsets: 100, subsetSize: 1000, seed: 0 };

const stages: Record<string, { wallS: number; cpuS: number }> = {};
const round = (v: number) => Math.round(v * 1000) / 1000;

async function stage<T>(name: string, f: () => T | Promise<T>): Promise<T> {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const result = await f();
  const used = process.cpuUsage(cpu);
  stages[name] = { wallS: round((performance.now() - wall) / 1000), cpuS: round((used.user + used.system) / 1e6) };
  console.log(`${name.padEnd(44)} wall ${stages[name].wallS.toFixed(2).padStart(7)} s   cpu ${stages[name].cpuS.toFixed(2).padStart(7)} s`);
  return result;
}

/**
 * The radiomics vector's work step by step, per kind of view, on `n` images: the same calls in
 * the same order as radiomicsFeatures makes them, each timed on its own (µs per image).
 */
function radiomicsBreakdown(images: Uint8Array, n: number): Record<string, number> {
  const pixels = size * size;
  const half = size >> 1;
  const levels = 32;
  const micro: Record<string, number> = {};
  const time = <T>(key: string, f: () => T): T => {
    const t0 = performance.now();
    const r = f();
    micro[key] = (micro[key] ?? 0) + (performance.now() - t0) * 1000;
    return r;
  };
  const per = (w: number) => ({ firstOrder: new FirstOrderCalculator(w * w, levels), texture: new TexturePass(w, w, levels), ngtdm: new NgtdmCalculator(w, w, levels), q: new Uint8Array(w * w) });
  const full = per(size);
  const sub = per(half);
  const logs = [1, 2].map((s) => new LaplacianOfGaussian(s, size, size));
  const values = new Float64Array(pixels);
  const filtered = new Float64Array(pixels);
  const view = (kind: string, v: Float64Array, c: ReturnType<typeof per>) => {
    time(`${kind} first order`, () => c.firstOrder.compute(v, c.q));
    time(`${kind} GLCM+GLRLM+GLSZM+GLDM (one pass)`, () => c.texture.compute(c.q));
    time(`${kind} NGTDM`, () => c.ngtdm.compute(c.q));
  };
  for (let i = 0; i < n; i++) {
    const image = images.subarray(i * pixels, (i + 1) * pixels);
    time('bytes to [0, 1]', () => {
      for (let p = 0; p < pixels; p++) values[p] = image[p] / 255;
    });
    time('quantise', () => quantiseFixed(image, 0, 256, levels, full.q));
    view('original', values, full);
    for (const log of logs) {
      time(`LoG σ${log.sigma} filter`, () => log.apply(values, filtered));
      time('quantise', () => quantiseMinMax(filtered, levels, full.q));
      view('LoG', filtered, full);
    }
    const bands = time('Haar filter', () => haar(values, size, size));
    for (const band of HAAR_BAND_NAMES) {
      time('quantise', () => quantiseMinMax(bands[band], levels, sub.q));
      view('wavelet', bands[band], sub);
    }
  }
  const perImage: Record<string, number> = {};
  for (const [key, us] of Object.entries(micro)) perImage[key] = Math.round(us / n);
  return perImage;
}

const real = generatePhantoms({ modality: 'head-ct', size, count, seed: 1 }).images;
const fake = generatePhantoms({ modality: 'head-ct', size, count, seed: 2 }).images;
const mode = workers > 0 ? `feature pool on ${workers} worker_threads` : 'one thread';
console.log(`${count} vs ${count} head-ct phantoms at ${size} px, node ${process.version}, ${mode}, dot products on ${dotEngineKind()}`);

let breakdown: { radiomicsMicrosPerImage: Record<string, number>; imagesTimed: number } | null = null;
if (values.breakdown) {
  const n = Math.min(500, count);
  radiomicsBreakdown(real, Math.min(20, n)); // warm-up: the JIT's first images are not representative
  breakdown = { radiomicsMicrosPerImage: radiomicsBreakdown(real, n), imagesTimed: n };
  console.log(`radiomics per image on ${n} images (µs, single thread):`);
  for (const [key, us] of Object.entries(breakdown.radiomicsMicrosPerImage)) console.log(`  ${key.padEnd(42)} ${String(us).padStart(6)}`);
  const r = radiomicsFeatures(real, size);
  const z = normaliseToReal(r.features, radiomicsFeatures(fake, size).features, r.names);
  await stage('breakdown: FRD alone', () => frechetDistance(z.real, z.fake));
  await stage('breakdown: KID alone (100 x 1000)', () => kernelInceptionDistance(z.real, z.fake, KID));
  await stage('breakdown: PRDC alone (k 5)', () => prdc(z.real, z.fake, { k: 5 }));
  console.log('--- the pipeline');
}

const pool = workers > 0 ? new FeaturePool({ workers, createWorker: nodeFeatureWorker }) : null;
const totalWall = performance.now();
const totalCpu = process.cpuUsage();
let r: RadiomicsResult;
let f: RadiomicsResult;
let metrics: DistributionMetrics;
try {
  r = await stage('radiomics features (real)', () => (pool ? pool.radiomics(real, size) : radiomicsFeatures(real, size)));
  f = await stage('radiomics features (fake)', () => (pool ? pool.radiomics(fake, size) : radiomicsFeatures(fake, size)));
  const normalised = await stage('z-normalisation', () => normaliseToReal(r.features, f.features, r.names));
  metrics = await stage('FRD + KID (100x1000) + PRDC (k5)', () =>
    pool ? pool.evaluateDistributions(normalised.real, normalised.fake, { k: 5, kid: KID }) : evaluateDistributions(normalised.real, normalised.fake, { k: 5, kid: KID }),
  );
} finally {
  pool?.dispose();
}
const used = process.cpuUsage(totalCpu);
const total = { wallS: round((performance.now() - totalWall) / 1000), cpuS: round((used.user + used.system) / 1e6) };
console.log(`${'TOTAL'.padEnd(44)} wall ${total.wallS.toFixed(2).padStart(7)} s   cpu ${total.cpuS.toFixed(2).padStart(7)} s`);
console.log(`dims ${metrics.frechet.dims}; FRD ${metrics.frechet.value.toFixed(4)}; KID ${metrics.kid.full.toExponential(3)} (subsets ${metrics.kid.subsets!.mean.toExponential(3)} ± ${metrics.kid.subsets!.std.toExponential(3)}); PRDC ${JSON.stringify({ p: metrics.prdc.precision, r: metrics.prdc.recall, d: metrics.prdc.density, c: metrics.prdc.coverage })}`);

const figures: Record<string, unknown> = {
  bench: 'metrics',
  n: count,
  size,
  workers,
  dims: { radiomics: r.names.length, normalised: metrics.frechet.dims },
  node: process.version,
  dotEngine: dotEngineKind(),
  stages,
  total,
  breakdown,
  requirementS: 60,
  results: { frd: metrics.frechet.value, kid: metrics.kid.full, kidSubsets: metrics.kid.subsets, prdc: { precision: metrics.prdc.precision, recall: metrics.prdc.recall, density: metrics.prdc.density, coverage: metrics.prdc.coverage } },
};
if (values.memorization) {
  const stack = (n: number, seed: number): ImageStack => ({ data: generatePhantoms({ modality: 'head-ct', size: 32, count: n, seed }).images, count: n, width: 32, height: 32 });
  const sets = { train: stack(4000, 3), validation: stack(500, 4), synthetic: stack(1000, 5) };
  const ssimOnly = await stage('memorisation SSIM 1000 x 4000 @32', () => auditMemorization(sets, { features: 'pixels' }).ssim);
  const byFeatures = await stage('memorisation all (radiomics) @32', () => auditMemorization(sets).features);
  console.log(`flagged: ssim ${(100 * ssimOnly.fractionFlagged).toFixed(2)} %, radiomics ${(100 * byFeatures.fractionFlagged).toFixed(2)} % (no copies planted: expect ~1 %)`);
}
console.log(JSON.stringify(figures));
