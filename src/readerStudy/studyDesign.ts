/**
 * Setting up a blinded study: which images are shown, in which order, under which ids, and the answer
 * key that stays with the organiser. Real images come only from the held-out (test) split of a real
 * dataset; synthetic ones only from a set marked synthetic by its provenance — the caller passes both
 * pools already read from storage, this module only draws from them.
 *
 * Blinding by construction: every presented image is a grey-level Uint8Array of the same width × height
 * (a pool of another size is refused, never resampled, since resampling one kind would itself be a tell),
 * ids are drawn from the seed and the position only, and the order is a seeded shuffle of both kinds.
 */
import { Random, deriveSeed } from '../../models/core/random';

export interface StudyQuestion {
  /** Ask "real or synthetic?" (keys R / S). */
  twoChoice: boolean;
  /** Ask a 1–5 confidence that the image is real (keys 1–5). */
  confidence: boolean;
}

export interface StudyConfig {
  title: string;
  imageCount: number;
  /** Fraction of the test images that are synthetic, in (0, 1). */
  syntheticFraction: number;
  /** Draw the same share of every class on both sides (as far as the pools allow). */
  balancePerClass: boolean;
  seed: number;
  question: StudyQuestion;
  /** Seconds per image; null for no limit. */
  timeLimitSeconds: number | null;
  /** Images in a training block shown first with feedback (0 for none); never reused in the test. */
  trainingCount: number;
}

/** One image of a pool: grey levels 0–255, row-major. */
export interface PoolImage {
  pixels: Uint8Array;
  classIndex: number;
}

export interface ImagePool {
  /** Dataset id and name, kept in the key only. */
  datasetId: string;
  datasetName: string;
  width: number;
  height: number;
  classNames: readonly string[];
  images: readonly PoolImage[];
}

export interface KeyEntry {
  synthetic: boolean;
  classIndex: number;
  /** Index of the image in its pool (its dataset's test split, or the synthetic set). */
  sourceIndex: number;
}

export interface PresentedImage {
  id: string;
  pixels: Uint8Array;
}

export interface TrainingImage extends PresentedImage {
  synthetic: boolean;
}

export interface DesignedStudy {
  studyId: string;
  config: StudyConfig;
  width: number;
  height: number;
  classNames: readonly string[];
  /** Test images in presentation order. */
  items: PresentedImage[];
  training: TrainingImage[];
  /** id → truth. Stays with the organiser; never written to a study file. */
  key: Record<string, KeyEntry>;
  realDataset: { id: string; name: string };
  syntheticDataset: { id: string; name: string };
}

export class StudyDesignError extends Error {}

function shuffle<T>(items: T[], rng: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** An id from the seed and a counter only (8 hex digits + 4), so it says nothing about the kind. */
function itemId(seed: number, n: number): string {
  const a = deriveSeed(seed ^ 0x5eed, n).toString(16).padStart(8, '0');
  const b = deriveSeed(seed ^ 0xbeef, n).toString(16).padStart(8, '0').slice(0, 4);
  return `i${a}${b}`;
}

/** Splits `total` over classes in proportion to what each class holds (largest remainder), capped by availability. */
function perClassQuota(total: number, available: number[]): number[] {
  const sum = available.reduce((s, x) => s + x, 0);
  const quota = available.map((a) => Math.floor((total * a) / sum));
  let left = total - quota.reduce((s, x) => s + x, 0);
  const order = available.map((a, i) => ({ i, r: (total * a) / sum - quota[i] })).sort((x, y) => y.r - x.r);
  for (const { i } of order) {
    if (left <= 0) break;
    if (quota[i] < available[i]) {
      quota[i]++;
      left--;
    }
  }
  return quota;
}

/**
 * Draws `count` images; with balance, the same class proportions as `weights` (the other pool's
 * classes), so real and synthetic carry the same class mix and the class cannot betray the kind.
 */
function draw(pool: ImagePool, count: number, rng: Random, balance: boolean, classCount: number, exclude: Set<number>): number[] {
  const byClass: number[][] = Array.from({ length: classCount }, () => []);
  pool.images.forEach((im, i) => {
    if (!exclude.has(i)) byClass[im.classIndex]?.push(i);
  });
  const all = byClass.flat();
  if (all.length < count) {
    throw new StudyDesignError(`“${pool.datasetName}” holds ${all.length} usable images; the study needs ${count}.`);
  }
  if (!balance) return shuffle([...all].sort((a, b) => a - b), rng).slice(0, count);
  const present = byClass.map((c) => c.length);
  const equal = present.map((n) => (n > 0 ? 1 : 0));
  const quota = perClassQuota(count, equal);
  const short = quota.findIndex((q, c) => q > present[c]);
  if (short >= 0) {
    throw new StudyDesignError(
      `Balancing per class needs ${quota[short]} images of class ${short} from “${pool.datasetName}”, which holds ${present[short]}.`,
    );
  }
  return byClass.flatMap((c, k) => shuffle([...c], rng).slice(0, quota[k]));
}

export function validateConfig(c: StudyConfig): void {
  if (!Number.isInteger(c.imageCount) || c.imageCount < 2) throw new StudyDesignError('A study needs at least 2 images.');
  if (!(c.syntheticFraction > 0 && c.syntheticFraction < 1)) {
    throw new StudyDesignError('The share of synthetic images must lie strictly between 0 % and 100 %.');
  }
  if (!c.question.twoChoice && !c.question.confidence) {
    throw new StudyDesignError('Choose at least one question: real or synthetic, or a 1–5 confidence.');
  }
  if (c.timeLimitSeconds !== null && !(c.timeLimitSeconds > 0)) throw new StudyDesignError('A time limit must be more than 0 seconds.');
  if (!Number.isInteger(c.trainingCount) || c.trainingCount < 0) throw new StudyDesignError('The training block needs a whole number of images (0 for none).');
}

export function designStudy(config: StudyConfig, real: ImagePool, synthetic: ImagePool, studyId: string): DesignedStudy {
  validateConfig(config);
  if (real.width !== synthetic.width || real.height !== synthetic.height) {
    throw new StudyDesignError(
      `The real images are ${real.width}×${real.height} and the synthetic ones ${synthetic.width}×${synthetic.height}; a blinded study needs one size (resampling one kind would itself give it away).`,
    );
  }
  const classCount = Math.max(real.classNames.length, synthetic.classNames.length, 1);
  const rng = new Random(config.seed);
  const nSynth = Math.round(config.imageCount * config.syntheticFraction);
  const nReal = config.imageCount - nSynth;
  if (nSynth === 0 || nReal === 0) throw new StudyDesignError('With this many images the share leaves one kind empty; add images or change the share.');
  const tReal = Math.floor(config.trainingCount / 2);
  const tSynth = config.trainingCount - tReal;

  const realIdx = draw(real, nReal + tReal, rng, config.balancePerClass, classCount, new Set());
  const synthIdx = draw(synthetic, nSynth + tSynth, rng, config.balancePerClass, classCount, new Set());
  // Training images come from the drawn ones; the test set never repeats them.
  shuffle(realIdx, rng);
  shuffle(synthIdx, rng);
  const entries: KeyEntry[] = [
    ...realIdx.slice(tReal).map((i) => ({ synthetic: false, classIndex: real.images[i].classIndex, sourceIndex: i })),
    ...synthIdx.slice(tSynth).map((i) => ({ synthetic: true, classIndex: synthetic.images[i].classIndex, sourceIndex: i })),
  ];
  const trainingEntries: KeyEntry[] = [
    ...realIdx.slice(0, tReal).map((i) => ({ synthetic: false, classIndex: real.images[i].classIndex, sourceIndex: i })),
    ...synthIdx.slice(0, tSynth).map((i) => ({ synthetic: true, classIndex: synthetic.images[i].classIndex, sourceIndex: i })),
  ];
  shuffle(entries, rng);
  shuffle(trainingEntries, rng);
  const pixelsOf = (e: KeyEntry): Uint8Array => Uint8Array.from((e.synthetic ? synthetic : real).images[e.sourceIndex].pixels);
  const key: Record<string, KeyEntry> = {};
  const items = entries.map((e, n) => {
    const id = itemId(config.seed, n);
    key[id] = e;
    return { id, pixels: pixelsOf(e) };
  });
  const training = trainingEntries.map((e, n) => ({ id: itemId(config.seed, entries.length + n), pixels: pixelsOf(e), synthetic: e.synthetic }));
  for (const it of [...items, ...training]) {
    if (it.pixels.length !== real.width * real.height) throw new StudyDesignError(`An image holds ${it.pixels.length} pixels, not ${real.width}×${real.height}.`);
  }
  return {
    studyId,
    config,
    width: real.width,
    height: real.height,
    classNames: real.classNames.length >= synthetic.classNames.length ? real.classNames : synthetic.classNames,
    items,
    training,
    key,
    realDataset: { id: real.datasetId, name: real.datasetName },
    syntheticDataset: { id: synthetic.datasetId, name: synthetic.datasetName },
  };
}
