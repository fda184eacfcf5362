/**
 * Throughput of the evaluation core, single-threaded Node (not a vitest bench: it takes a minute).
 *
 *   npx tsx bench/metrics.bench.ts [--count 5000] [--size 64] [--memorization]
 *
 * Default: 5,000 real vs 5,000 fake phantoms at 64 px → radiomics features of both sets, then
 * FRD + KID (100 subsets of 1,000) + PRDC (k 5) on the z-normalised features. Phantom generation
 * is not timed. --memorization adds the audit of 1,000 synthetic vs 4,000 training images at
 * 32 px (plus 500 validation). Reports wall and process CPU time: on a shared machine wall
 * time includes waiting for a core.
 */
import { parseArgs } from 'node:util';
import { generatePhantoms } from '../src/data/phantom';
import { evaluateDistributions } from '../src/metrics/distribution/index';
import { auditMemorization } from '../src/metrics/memorization';
import { normaliseToReal } from '../src/metrics/radiomics/frd';
import { radiomicsFeatures } from '../src/metrics/radiomics/features';
import type { ImageStack } from '../src/metrics/types';

const { values } = parseArgs({ options: { count: { type: 'string', default: '5000' }, size: { type: 'string', default: '64' }, memorization: { type: 'boolean', default: false } } });
const count = Number(values.count);
const size = Number(values.size) as 32 | 64 | 128;

function stage<T>(name: string, f: () => T): T {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const result = f();
  const used = process.cpuUsage(cpu);
  console.log(`${name.padEnd(34)} wall ${((performance.now() - wall) / 1000).toFixed(2).padStart(7)} s   cpu ${((used.user + used.system) / 1e6).toFixed(2).padStart(7)} s`);
  return result;
}

const real = generatePhantoms({ modality: 'head-ct', size, count, seed: 1 }).images;
const fake = generatePhantoms({ modality: 'head-ct', size, count, seed: 2 }).images;
console.log(`${count} vs ${count} head-ct phantoms at ${size} px, node ${process.version}`);
const totalWall = performance.now();
const totalCpu = process.cpuUsage();
const r = stage('radiomics features (real)', () => radiomicsFeatures(real, size));
const f = stage('radiomics features (fake)', () => radiomicsFeatures(fake, size));
const normalised = stage('z-normalisation', () => normaliseToReal(r.features, f.features, r.names));
const metrics = stage('FRD + KID (100x1000) + PRDC (k5)', () => evaluateDistributions(normalised.real, normalised.fake, { k: 5, kid: { subsets: 100, subsetSize: 1000, seed: 0 } }));
const used = process.cpuUsage(totalCpu);
console.log(`${'TOTAL'.padEnd(34)} wall ${((performance.now() - totalWall) / 1000).toFixed(2).padStart(7)} s   cpu ${((used.user + used.system) / 1e6).toFixed(2).padStart(7)} s`);
console.log(`dims ${normalised.real.cols}; FRD ${metrics.frechet.value.toFixed(4)}; KID ${metrics.kid.full.toExponential(3)} (subsets ${metrics.kid.subsets!.mean.toExponential(3)} ± ${metrics.kid.subsets!.std.toExponential(3)}); PRDC ${JSON.stringify({ p: metrics.prdc.precision, r: metrics.prdc.recall, d: metrics.prdc.density, c: metrics.prdc.coverage })}`);

if (values.memorization) {
  const stack = (n: number, seed: number): ImageStack => ({ data: generatePhantoms({ modality: 'head-ct', size: 32, count: n, seed }).images, count: n, width: 32, height: 32 });
  const sets = { train: stack(4000, 3), validation: stack(500, 4), synthetic: stack(1000, 5) };
  const ssimOnly = stage('memorisation SSIM 1000 x 4000 @32', () => auditMemorization(sets, { features: 'pixels' }).ssim);
  const byFeatures = stage('memorisation all (radiomics) @32', () => auditMemorization(sets).features);
  console.log(`flagged: ssim ${(100 * ssimOnly.fractionFlagged).toFixed(2)} %, radiomics ${(100 * byFeatures.fractionFlagged).toFixed(2)} % (no copies planted: expect ~1 %)`);
}
