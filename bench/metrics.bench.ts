/**
 * Throughput of the evaluation core, single-threaded Node (not a vitest bench: it takes a minute).
 *
 *   npx tsx bench/metrics.bench.ts [--count 5000] [--size 64] [--memorization]
 *
 * Default: 5,000 real vs 5,000 fake phantoms at 64 px → radiomics features of both sets, then
 * FRD + KID (100 subsets of 1,000) + PRDC (k 5) on the z-normalised features. Phantom generation
 * is not timed. --memorization adds the audit of 1,000 synthetic vs 4,000 training images at
 * 32 px (plus 500 validation). Reports wall and process CPU time: on a shared machine wall
 * time includes waiting for a core. The last line is JSON with every figure (seconds).
 *
 * Requirement (evaluation issue): radiomics of both sets + FRD + KID + PRDC for 5,000 vs 5,000
 * at 64 px in under 60 s, single-threaded, CPU path.
 */
import { parseArgs } from 'node:util';
import { generatePhantoms } from '../src/data/phantom';
import { evaluateDistributions } from '../src/metrics/distribution/index';
import { dotEngineKind } from '../src/metrics/linalg/dotTiles';
import { auditMemorization } from '../src/metrics/memorization';
import { normaliseToReal } from '../src/metrics/radiomics/frd';
import { radiomicsFeatures } from '../src/metrics/radiomics/features';
import type { ImageStack } from '../src/metrics/types';

const { values } = parseArgs({ options: { count: { type: 'string', default: '5000' }, size: { type: 'string', default: '64' }, memorization: { type: 'boolean', default: false } } });
const count = Number(values.count);
const size = Number(values.size) as 32 | 64 | 128;

const stages: Record<string, { wallS: number; cpuS: number }> = {};
const round = (v: number) => Math.round(v * 1000) / 1000;

function stage<T>(name: string, f: () => T): T {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const result = f();
  const used = process.cpuUsage(cpu);
  stages[name] = { wallS: round((performance.now() - wall) / 1000), cpuS: round((used.user + used.system) / 1e6) };
  console.log(`${name.padEnd(34)} wall ${stages[name].wallS.toFixed(2).padStart(7)} s   cpu ${stages[name].cpuS.toFixed(2).padStart(7)} s`);
  return result;
}

const real = generatePhantoms({ modality: 'head-ct', size, count, seed: 1 }).images;
const fake = generatePhantoms({ modality: 'head-ct', size, count, seed: 2 }).images;
console.log(`${count} vs ${count} head-ct phantoms at ${size} px, node ${process.version}, dot products on ${dotEngineKind()}`);
const totalWall = performance.now();
const totalCpu = process.cpuUsage();
const r = stage('radiomics features (real)', () => radiomicsFeatures(real, size));
const f = stage('radiomics features (fake)', () => radiomicsFeatures(fake, size));
const normalised = stage('z-normalisation', () => normaliseToReal(r.features, f.features, r.names));
const metrics = stage('FRD + KID (100x1000) + PRDC (k5)', () => evaluateDistributions(normalised.real, normalised.fake, { k: 5, kid: { subsets: 100, subsetSize: 1000, seed: 0 } }));
const used = process.cpuUsage(totalCpu);
const total = { wallS: round((performance.now() - totalWall) / 1000), cpuS: round((used.user + used.system) / 1e6) };
console.log(`${'TOTAL'.padEnd(34)} wall ${total.wallS.toFixed(2).padStart(7)} s   cpu ${total.cpuS.toFixed(2).padStart(7)} s`);
console.log(`dims ${normalised.real.cols}; FRD ${metrics.frechet.value.toFixed(4)}; KID ${metrics.kid.full.toExponential(3)} (subsets ${metrics.kid.subsets!.mean.toExponential(3)} ± ${metrics.kid.subsets!.std.toExponential(3)}); PRDC ${JSON.stringify({ p: metrics.prdc.precision, r: metrics.prdc.recall, d: metrics.prdc.density, c: metrics.prdc.coverage })}`);

const figures: Record<string, unknown> = {
  bench: 'metrics',
  n: count,
  size,
  dims: { radiomics: r.names.length, normalised: normalised.real.cols },
  node: process.version,
  dotEngine: dotEngineKind(),
  stages,
  total,
  requirementS: 60,
  results: { frd: metrics.frechet.value, kid: metrics.kid.full, kidSubsets: metrics.kid.subsets, prdc: { precision: metrics.prdc.precision, recall: metrics.prdc.recall, density: metrics.prdc.density, coverage: metrics.prdc.coverage } },
};
if (values.memorization) {
  const stack = (n: number, seed: number): ImageStack => ({ data: generatePhantoms({ modality: 'head-ct', size: 32, count: n, seed }).images, count: n, width: 32, height: 32 });
  const sets = { train: stack(4000, 3), validation: stack(500, 4), synthetic: stack(1000, 5) };
  const ssimOnly = stage('memorisation SSIM 1000 x 4000 @32', () => auditMemorization(sets, { features: 'pixels' }).ssim);
  const byFeatures = stage('memorisation all (radiomics) @32', () => auditMemorization(sets).features);
  console.log(`flagged: ssim ${(100 * ssimOnly.fractionFlagged).toFixed(2)} %, radiomics ${(100 * byFeatures.fractionFlagged).toFixed(2)} % (no copies planted: expect ~1 %)`);
}
console.log(JSON.stringify(figures));
