/**
 * What `npm run metrics` computes, as data (printing is metricsText.ts): the distribution metrics of
 * fake against real, each beside its real-vs-real floor, the same per class when both sets are
 * labelled, diversity, paired figures, and the memorisation audit against held-out real images.
 *
 * The floor is the same metric between two disjoint random sets of real images: what two samples of
 * one distribution score. It mirrors the comparison's sizes — N_real real images against N_fake
 * other real images — whenever the real set has N_real + N_fake images (with equal sizes, two
 * halves of the real images), and keeps its proportions, scaled down, when it has fewer. Matching
 * sizes matter: FRD and KID are biased by sample size, and recall and coverage count the larger
 * set's images, so a floor at other sizes would not be comparable.
 * Features are computed once per image and shared by every figure.
 */
import { deriveSeed, Random } from '../../src/data/random';
import { evaluateDistributions, type DistributionMetrics } from '../../src/metrics/distribution/index';
import { meanPairwiseSsim, type DiversityResult } from '../../src/metrics/diversity';
import { auditByFeatures, auditBySsim, combineAudits, type AuditResult } from '../../src/metrics/memorization';
import { applyZNormalisation, droppedFeatureWarning, fitZNormalisation } from '../../src/metrics/normalise';
import { radiomicsFeatures } from '../../src/metrics/radiomics/features';
import { summarisePaired, type PairRow, type PairedSummary } from '../../src/metrics/report';
import { MetricInputError } from '../../src/metrics/types';
import { stackPixels } from '../../src/metrics/stack';
import type { FeatureMatrix, ImageStack, SampleSizes } from '../../src/metrics/types';
import { CliError } from './runCommand';
import { pick, pickRows, type ImageSet, type LoadedSet } from './imageSets';

export type FeatureSpace = 'radiomics' | 'raw';

export interface CompareOptions {
  features: FeatureSpace;
  /** At most this many real images in the comparison (a seeded random subset); Infinity for all. */
  realLimit: number;
  /** PRDC's neighbourhood size. */
  k: number;
  kid: { subsets: number; subsetSize: number };
  seed: number;
  paired: boolean;
}

/**
 * KID's "±" is the spread over reshuffled subsets of these same images: 0 when a subset is the
 * whole set, and always smaller than the noise of drawing new images (PneumoniaMNIST, radiomics,
 * 500 vs 500 real training images over 30 random splits: KID std 0.11 against a mean subset ±
 * of 0.074, heavy-tailed). Said beside every KID, in text and JSON.
 */
export const KID_SPREAD_NOTE =
  '± is the spread over random subsets of these same images, not sampling noise: new images of the same distribution move KID by more, ' +
  'so judge KID against the real-vs-real floor (and compare runs only at equal N)';

/** The real-vs-real floor of a comparison: the metrics between two disjoint random sets of real images. */
export interface Floor {
  n: SampleSizes;
  distribution: DistributionMetrics;
}

export interface ClassFigures {
  className: string;
  n: SampleSizes;
  distribution: DistributionMetrics | null;
  floor: Floor | null;
  /** Why a figure is missing (too few images of this class on a side). */
  note?: string;
}

export interface LikelyCopyRow {
  fake: string;
  /** The nearest real training image by SSIM, and by features (usually the same image). */
  real: string;
  realByFeatures: string;
  ssimDistance: number;
  featureDistance: number;
}

export interface AuditFigures {
  heldout: string;
  n: { train: number; validation: number; synthetic: number };
  percentile: number;
  thresholds: { ssim: number; features: number };
  flagged: { ssim: number; features: number; likelyCopies: number };
  fractionFlagged: { ssim: number; features: number; likelyCopies: number };
  /** Held-out real images both rules flag: the combined rule's false-flag rate on new images. */
  validationFractionFlagged: number;
  likelyCopies: LikelyCopyRow[];
  warnings: string[];
}

export interface Comparison {
  featureSpace: FeatureSpace | 'precomputed';
  frechetName: string;
  dims: number;
  n: SampleSizes;
  /** The distances; `kid.note` says what KID's ± is (and is not). Null when the sets are too small for them (see distributionUnavailable). */
  distribution: (DistributionMetrics & { kid: DistributionMetrics['kid'] & { note: string } }) | null;
  /** Why there are no distances (e.g. PRDC needs more than k samples); paired figures need no such size. */
  distributionUnavailable?: string;
  floor: Floor | null;
  /** Per class (when both sets are labelled and share class names). */
  perClass: ClassFigures[] | null;
  diversity?: { real: DiversityResult; fake: DiversityResult };
  /** Image i of the real set against image i of the fake set, in the order given (never a subset), each pair named by its files. */
  paired?: NamedPairedSummary;
  memorization: AuditFigures | null;
  /** Why the floor, the per-class figures or the audit are missing. */
  notes: string[];
  warnings: string[];
  timingsMs: Record<string, number>;
}

export interface NamedPairRow extends PairRow {
  real: string;
  fake: string;
}
export type NamedPairedSummary = Omit<PairedSummary, 'rows'> & { rows: NamedPairRow[] };

/** The distances, or why the sets are too small for them (a caller's input, not a bug: paired figures still stand). */
function distancesOrReason(compute: () => DistributionMetrics): { distribution: DistributionMetrics | null; reason?: string } {
  try {
    return { distribution: compute() };
  } catch (error) {
    if (error instanceof MetricInputError) return { distribution: null, reason: error.message };
    throw error;
  }
}

/** The feature matrices the distances were computed on (z-normalised to the real set for radiomics). */
export interface ComparedFeatures {
  real: FeatureMatrix;
  fake: FeatureMatrix;
}

const LIKELY_COPIES_LISTED = 20;

function timed<T>(timings: Record<string, number>, name: string, f: () => T): T {
  const start = performance.now();
  const result = f();
  timings[name] = Math.round(performance.now() - start);
  return result;
}

function imageFeatures(stack: ImageStack, space: FeatureSpace): { matrix: FeatureMatrix; names?: string[] } {
  if (space === 'raw') return { matrix: stackPixels(stack) };
  if (stack.width !== stack.height) throw new CliError(`radiomics features need square images, got ${stack.width}x${stack.height}`);
  const result = radiomicsFeatures(stack.data, stack.width);
  return { matrix: result.features, names: result.names };
}

/**
 * Which real images are read: a seeded random order of the real set; the comparison uses its first
 * `mainSize` images and the floor its first `a` against the next `b`, so both come from one feature pass.
 */
interface RealDraw {
  /** Rows of the real set whose features are computed, ascending. */
  used: Int32Array;
  /** Positions within `used` of the images compared with the fake set. */
  main: Int32Array;
  /** Positions within `used` of the floor's two disjoint parts. */
  parts: [Int32Array, Int32Array];
}

/** Sizes of the floor's parts: the comparison's own when the pool allows, else scaled down alike. */
function floorSizes(pool: number, mainSize: number, fakeSize: number): [number, number] {
  if (pool >= mainSize + fakeSize) return [mainSize, fakeSize];
  const scale = pool / (mainSize + fakeSize);
  return [Math.floor(mainSize * scale), Math.floor(fakeSize * scale)];
}

function drawReal(count: number, mainSize: number, fakeSize: number, seed: number): RealDraw {
  const order = new Random(deriveSeed(seed, 0x0f100)).shuffle(Array.from({ length: count }, (_, i) => i));
  const [a, b] = floorSizes(count, mainSize, fakeSize);
  const used = Int32Array.from(order.slice(0, Math.max(mainSize, a + b))).sort();
  const position = new Map(Array.from(used, (row, i) => [row, i]));
  const at = (rows: number[]) => Int32Array.from(rows, (row) => position.get(row)!).sort();
  return { used, main: at(order.slice(0, mainSize)), parts: [at(order.slice(0, a)), at(order.slice(a, a + b))] };
}

export function compareSets(realSet: LoadedSet, fake: LoadedSet, heldout: ImageSet | null, options: CompareOptions): { comparison: Comparison; features: ComparedFeatures } {
  const timingsMs: Record<string, number> = {};
  const warnings: string[] = [];
  const notes: string[] = [];
  const distributionOptions = { k: options.k, kid: { ...options.kid, seed: options.seed } };
  const realCount = realSet.kind === 'images' ? realSet.stack.count : realSet.matrix.rows;
  const fakeCount = fake.kind === 'images' ? fake.stack.count : fake.matrix.rows;
  const draw = drawReal(realCount, Math.min(realCount, options.realLimit), fakeCount, options.seed);
  const pool = pick(realSet, draw.used);
  const real = pick(pool, draw.main);

  const { pool: poolFeatures, fake: fakeFeatures, rawReal, rawFake } = featureMatrices(pool, fake, draw.main, options, timingsMs, warnings);
  const realFeatures = pickRows(poolFeatures, draw.main);

  const { distribution, reason } = timed(timingsMs, 'distribution', () => distancesOrReason(() => evaluateDistributions(realFeatures, fakeFeatures, distributionOptions)));
  if (distribution) warnings.push(...distribution.warnings);
  const floor = distribution ? timed(timingsMs, 'floor', () => floorOf(poolFeatures, draw.parts, distributionOptions)) : null;
  const compared = { real: realFeatures.rows, fake: fakeFeatures.rows };
  if (!floor) notes.push(`no real-vs-real floor: it needs two disjoint sets of more than k = ${options.k} real images`);
  else if (floor.n.real !== compared.real || floor.n.fake !== compared.fake) {
    notes.push(
      `the real-vs-real floor compares ${floor.n.real} vs ${floor.n.fake} real images, not ${compared.real} vs ${compared.fake}: the real set has fewer than ${compared.real + compared.fake} images ` +
        '(--limit leaves real images for a floor at the comparison\'s own sizes)',
    );
  }

  const perClass =
    distribution && pool.kind === 'images' && real.kind === 'images' && fake.kind === 'images'
      ? timed(timingsMs, 'perClass', () => classFigures(pool, draw, fake, poolFeatures, fakeFeatures, distributionOptions, options.seed, notes))
      : null;

  const comparison: Comparison = {
    featureSpace: pool.kind === 'features' ? 'precomputed' : options.features,
    frechetName: pool.kind === 'features' ? 'Fréchet distance' : options.features === 'radiomics' ? 'FRD (Fréchet radiomic distance)' : 'Fréchet distance on raw pixels',
    dims: realFeatures.cols,
    n: { real: realFeatures.rows, fake: fakeFeatures.rows },
    distribution: distribution && { ...distribution, kid: { ...distribution.kid, note: KID_SPREAD_NOTE } },
    ...(reason ? { distributionUnavailable: reason } : {}),
    floor,
    perClass,
    memorization: null,
    notes,
    warnings,
    timingsMs,
  };

  if (real.kind === 'images' && fake.kind === 'images') {
    comparison.diversity = timed(timingsMs, 'diversity', () => ({ real: meanPairwiseSsim(real.stack, { seed: options.seed }), fake: meanPairwiseSsim(fake.stack, { seed: options.seed }) }));
    if (options.paired && realSet.kind === 'images') comparison.paired = timed(timingsMs, 'paired', () => namedPairs(realSet, fake));
    if (heldout) {
      comparison.memorization = timed(timingsMs, 'memorization', () => audit(real, fake, heldout, rawReal!, rawFake!, options.features));
    } else {
      notes.push('no memorisation audit: it needs held-out real images (--heldout, or an npz --real read at train_images that also has val_images)');
    }
  } else {
    notes.push('no per-class figures, diversity or memorisation audit for precomputed features');
  }
  comparison.warnings = [...new Set(warnings)];
  return { comparison, features: { real: realFeatures, fake: fakeFeatures } };
}

/**
 * The features every figure is computed on: the read real images' and the fake images', z-normalised
 * with the compared real images' statistics for radiomics (FRD's normalisation; floor and classes on
 * the same scale). `rawReal`/`rawFake` stay unnormalised for the audit, which normalises on its own.
 */
function featureMatrices(
  pool: LoadedSet,
  fake: LoadedSet,
  main: Int32Array,
  options: CompareOptions,
  timingsMs: Record<string, number>,
  warnings: string[],
): { pool: FeatureMatrix; fake: FeatureMatrix; rawReal: FeatureMatrix | null; rawFake: FeatureMatrix | null } {
  if (pool.kind === 'features' && fake.kind === 'features') {
    if (options.paired) throw new CliError('--paired needs images, not precomputed features');
    return { pool: pool.matrix, fake: fake.matrix, rawReal: null, rawFake: null };
  }
  if (pool.kind !== 'images' || fake.kind !== 'images') throw new CliError('--real and --fake must both be images (folder/.npz) or both precomputed features (.npy)');
  if (pool.stack.width !== fake.stack.width || pool.stack.height !== fake.stack.height) {
    throw new CliError(`real images are ${pool.stack.width}x${pool.stack.height} but fake images are ${fake.stack.width}x${fake.stack.height}; resize one set first`);
  }
  const r = timed(timingsMs, 'featuresReal', () => imageFeatures(pool.stack, options.features));
  const f = timed(timingsMs, 'featuresFake', () => imageFeatures(fake.stack, options.features));
  const rawReal = pickRows(r.matrix, main);
  if (options.features === 'raw') {
    if (r.matrix.cols > 1024) warnings.push(`raw features have ${r.matrix.cols} dimensions: the Fréchet distance needs many more samples than dimensions`);
    return { pool: r.matrix, fake: f.matrix, rawReal, rawFake: f.matrix };
  }
  const z = fitZNormalisation(rawReal);
  warnings.push(...droppedFeatureWarning(z, r.names));
  return { pool: applyZNormalisation(r.matrix, z), fake: applyZNormalisation(f.matrix, z), rawReal, rawFake: f.matrix };
}

type DistributionSettings = { k: number; kid: { subsets: number; subsetSize: number; seed: number } };

/** The floor's two parts compared like real and fake; null when a part would be too small for PRDC. */
function floorOf(features: FeatureMatrix, [a, b]: [ArrayLike<number>, ArrayLike<number>], options: DistributionSettings): Floor | null {
  if (Math.min(a.length, b.length) <= options.k) return null;
  return { n: { real: a.length, fake: b.length }, distribution: evaluateDistributions(pickRows(features, a), pickRows(features, b), options) };
}

function classFigures(
  pool: ImageSet,
  draw: RealDraw,
  fake: ImageSet,
  poolFeatures: FeatureMatrix,
  fakeFeatures: FeatureMatrix,
  options: DistributionSettings,
  seed: number,
  notes: string[],
): ClassFigures[] | null {
  if (!pool.labels || !fake.labels || !pool.classNames || !fake.classNames) {
    notes.push(`no per-class figures: ${!pool.labels ? 'the real set' : 'the fake set'} has no labels (an npz with {split}_labels, or PNGs in one folder per class)`);
    return null;
  }
  const shared = pool.classNames.filter((name) => fake.classNames!.includes(name));
  if (shared.length === 0) {
    notes.push(`no per-class figures: no class names in common (real: ${pool.classNames.join(', ')}; fake: ${fake.classNames.join(', ')})`);
    return null;
  }
  const ofClass = (rows: ArrayLike<number>, labels: Int32Array, index: number) => Array.from(rows).filter((row) => labels[row] === index);
  const all = (n: number) => Array.from({ length: n }, (_, i) => i);
  return shared.map((className, c): ClassFigures => {
    const realIndex = pool.classNames!.indexOf(className);
    const realRows = ofClass(draw.main, pool.labels!, realIndex);
    const fakeRows = ofClass(all(fake.stack.count), fake.labels!, fake.classNames!.indexOf(className));
    const n = { real: realRows.length, fake: fakeRows.length };
    if (Math.min(n.real, n.fake) <= options.k) {
      return { className, n, distribution: null, floor: null, note: `needs more than k = ${options.k} images of the class on each side` };
    }
    // The class's floor: two disjoint random sets of its read real images, sized like the class's comparison.
    const classPool = ofClass(all(pool.stack.count), pool.labels!, realIndex);
    const [a, b] = floorSizes(classPool.length, n.real, n.fake);
    const order = new Random(deriveSeed(seed, c + 1)).shuffle(classPool);
    return {
      className,
      n,
      distribution: evaluateDistributions(pickRows(poolFeatures, realRows), pickRows(fakeFeatures, fakeRows), options),
      floor: floorOf(poolFeatures, [order.slice(0, a), order.slice(a, a + b)], options),
    };
  });
}

function audit(real: ImageSet, fake: ImageSet, heldout: ImageSet, realFeatures: FeatureMatrix, fakeFeatures: FeatureMatrix, space: FeatureSpace): AuditFigures {
  if (heldout.stack.width !== real.stack.width || heldout.stack.height !== real.stack.height) {
    throw new CliError(`held-out images (${heldout.source}) are ${heldout.stack.width}x${heldout.stack.height} but the real images are ${real.stack.width}x${real.stack.height}`);
  }
  const sets = { train: real.stack, validation: heldout.stack, synthetic: fake.stack };
  const ssim = auditBySsim(sets);
  // Un-normalised features: the audit z-normalises with the training images' statistics itself.
  const features = auditByFeatures({ train: realFeatures, validation: imageFeatures(heldout.stack, space).matrix, synthetic: fakeFeatures });
  const combined = combineAudits(ssim, features);
  const count = (result: AuditResult) => result.flagged.length;
  return {
    heldout: heldout.source,
    n: combined.n,
    percentile: combined.percentile,
    thresholds: combined.thresholds,
    flagged: { ssim: count(ssim), features: count(features), likelyCopies: combined.flagged.length },
    fractionFlagged: { ssim: ssim.fractionFlagged, features: features.fractionFlagged, likelyCopies: combined.fractionFlagged },
    validationFractionFlagged: combined.validationFractionFlagged,
    likelyCopies: combined.flagged.slice(0, LIKELY_COPIES_LISTED).map((c) => ({
      fake: fake.names[c.synthetic],
      real: real.names[c.ssim.train],
      realByFeatures: real.names[c.features.train],
      ssimDistance: c.ssim.distance,
      featureDistance: c.features.distance,
    })),
    warnings: [...new Set([...ssim.warnings, ...features.warnings])],
  };
}

/** Paired figures over the sets as given (a --limit subset would break the pairing), each row named by its two files. */
function namedPairs(real: ImageSet, fake: ImageSet): NamedPairedSummary {
  const summary = summarisePaired(real.stack, fake.stack);
  return { ...summary, rows: summary.rows.map((row) => ({ ...row, real: real.names[row.index], fake: fake.names[row.index] })) };
}
