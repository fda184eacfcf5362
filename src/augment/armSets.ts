/**
 * The training sets of the experiment's arms, composed from the real training split and the
 * synthetic set, all seeded: the rare-class subsample of one class, and the synthetic images that
 * arm B adds (a ratio of the real count, a top-up of one class, or balancing every class).
 * The real test split never enters here.
 */
import { Random } from '../data/random';

/** Images with one label each; pixels are count × height × width × channels bytes. */
export interface LabelledImages {
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** How arm B mixes synthetic images into the real training images. */
export type SyntheticMix =
  /** ratio × (real training count) synthetic images, drawn at random from the whole set. */
  | { kind: 'ratio'; ratio: number }
  /** Synthetic images of one class until it has as many as the largest other class. */
  | { kind: 'top-up'; classIndex: number }
  /** Synthetic images of every smaller class until each has as many as the largest. */
  | { kind: 'balance' };

/** Rare-class mode: keep `fraction` of one class's real training images. */
export interface RareClass {
  classIndex: number;
  fraction: number;
}

export function classCounts(set: Pick<LabelledImages, 'labels' | 'count'>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < set.count; i++) counts[set.labels[i]]++;
  return counts;
}

/** The images at `indices`, in that order. */
export function pick(set: LabelledImages, indices: readonly number[]): LabelledImages {
  const per = set.count ? set.pixels.length / set.count : 0;
  const pixels = new Uint8Array(indices.length * per);
  indices.forEach((i, k) => pixels.set(set.pixels.subarray(i * per, (i + 1) * per), k * per));
  return { pixels, labels: Uint8Array.from(indices, (i) => set.labels[i]), count: indices.length };
}

export function concat(a: LabelledImages, b: LabelledImages): LabelledImages {
  const pixels = new Uint8Array(a.pixels.length + b.pixels.length);
  pixels.set(a.pixels);
  pixels.set(b.pixels, a.pixels.length);
  const labels = new Uint8Array(a.count + b.count);
  labels.set(a.labels);
  labels.set(b.labels, a.count);
  return { pixels, labels, count: a.count + b.count };
}

function membersOf(set: LabelledImages, c: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < set.count; i++) if (set.labels[i] === c) out.push(i);
  return out;
}

/** `fraction` of class `classIndex` (at least one image), every image of the other classes; order kept. */
export function subsampleClass(set: LabelledImages, rare: RareClass, seed: number): LabelledImages {
  const members = membersOf(set, rare.classIndex);
  const keep = new Set(new Random(seed).shuffle([...members]).slice(0, Math.max(1, Math.round(rare.fraction * members.length))));
  const indices: number[] = [];
  for (let i = 0; i < set.count; i++) if (set.labels[i] !== rare.classIndex || keep.has(i)) indices.push(i);
  return pick(set, indices);
}

export interface SyntheticPick {
  images: LabelledImages;
  /** Synthetic images asked for per class. */
  wanted: number[];
  /** What the set could give when it held fewer than wanted, one sentence per class; empty otherwise. */
  shortfalls: string[];
}

/**
 * Draws `wanted[c]` synthetic images of each class (or, with `wanted` null, `total` from the
 * whole set), without replacement while the set lasts.
 */
function draw(synthetic: LabelledImages, wanted: number[] | null, total: number, classNames: readonly string[], seed: number): SyntheticPick {
  const random = new Random(seed);
  const shortfalls: string[] = [];
  if (!wanted) {
    const all = random.shuffle(Array.from({ length: synthetic.count }, (_, i) => i));
    if (total > all.length) shortfalls.push(`${total} synthetic images were asked for but the set holds ${all.length}; all of them were used`);
    const chosen = all.slice(0, total);
    return { images: pick(synthetic, chosen), wanted: classCounts(pick(synthetic, chosen), classNames.length), shortfalls };
  }
  const chosen: number[] = [];
  wanted.forEach((n, c) => {
    if (n <= 0) return;
    const members = random.shuffle(membersOf(synthetic, c));
    if (members.length < n) shortfalls.push(`${n} synthetic “${classNames[c]}” images were asked for but the set holds ${members.length}; all of them were used`);
    chosen.push(...members.slice(0, n));
  });
  return { images: pick(synthetic, chosen), wanted, shortfalls };
}

/** The synthetic images arm B adds to `realTrain` under `mix`. */
export function syntheticForMix(realTrain: LabelledImages, synthetic: LabelledImages, mix: SyntheticMix, classNames: readonly string[], seed: number): SyntheticPick {
  const counts = classCounts(realTrain, classNames.length);
  if (mix.kind === 'ratio') return draw(synthetic, null, Math.round(mix.ratio * realTrain.count), classNames, seed);
  if (mix.kind === 'top-up') {
    const others = Math.max(...counts.filter((_, c) => c !== mix.classIndex));
    return draw(synthetic, counts.map((n, c) => (c === mix.classIndex ? Math.max(0, others - n) : 0)), 0, classNames, seed);
  }
  const largest = Math.max(...counts);
  return draw(synthetic, counts.map((n) => largest - n), 0, classNames, seed);
}

/** Synthetic images of the rare class only, as many as the subsample removed. */
export function syntheticForRare(fullTrain: LabelledImages, rareTrain: LabelledImages, synthetic: LabelledImages, rare: RareClass, classNames: readonly string[], seed: number): SyntheticPick {
  const missing = classCounts(fullTrain, classNames.length)[rare.classIndex] - classCounts(rareTrain, classNames.length)[rare.classIndex];
  return draw(synthetic, classNames.map((_, c) => (c === rare.classIndex ? missing : 0)), 0, classNames, seed);
}

/** For arm C (synthetic only): as many synthetic images as real training images, or all of them when fewer. */
export function syntheticOnly(realTrain: LabelledImages, synthetic: LabelledImages, classNames: readonly string[], seed: number): LabelledImages {
  if (synthetic.count <= realTrain.count) return synthetic;
  return draw(synthetic, null, realTrain.count, classNames, seed).images;
}
