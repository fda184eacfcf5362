/**
 * Near-duplicates across splits: a held-out image that is almost a training image (re-saved,
 * re-windowed, a slightly different crop or noise) leaks training data into evaluation just as an
 * exact copy does, but has a different pixel hash. Bounded cost in two steps:
 *   1. prefilter: every image's 8×8 block means, z-scored (so brightness and contrast changes do not
 *      hide a copy). Images are sorted by their projection on the set's main direction; only pairs
 *      whose projections lie within the prefilter radius can be that close (|u·(a−b)| ≤ ‖a−b‖), so
 *      each image is compared with a window of neighbours, not with every image, and each pair stops
 *      at the first dimensions that exceed the radius;
 *   2. SSIM, on the candidates only, at up to 64 px, after bringing both images to a common
 *      brightness and contrast (a re-windowed copy stays a copy): a pair at or below
 *      NEAR_DUPLICATE_DISTANCE (1 − SSIM) is reported.
 * Exact copies (same pixel hash) are left to duplicates.ts.
 */
import { prepareSsimImage, ssimPrepared } from '../metrics/paired/ssim';
import { SPLITS, type NearDuplicatePair, type Split } from './types';
export type { NearDuplicateMember, NearDuplicatePair } from './types';

/** 8×8 block means per image in the prefilter. */
export const PREFILTER_SIDE = 8;
const DIMS = PREFILTER_SIDE * PREFILTER_SIDE;
/**
 * Candidate pairs correlate at ≥ 0.98 on their z-scored 8×8 block means: ‖a − b‖² = 2·64·(1 − r).
 * A copy with noise or a re-windowing correlates above 0.99; distinct patients rarely reach 0.98.
 */
const PREFILTER_RADIUS = Math.sqrt(2 * DIMS * (1 - 0.98));
/** 1 − SSIM at or below this marks a near-duplicate (the leaked brain image sat at 0.005). */
export const NEAR_DUPLICATE_DISTANCE = 0.02;
/** SSIM is computed at most at this size (images are area-averaged down to it). */
const SSIM_SIDE = 64;
/** Candidates checked by SSIM per image, nearest (by the prefilter) first. */
const CANDIDATES_PER_IMAGE = 4;

/** The z-scored 8×8 block means of one image (grey, or RGB averaged); null for a flat image. */
export function prefilterVector(pixels: Uint8Array, size: number, channels: 1 | 3): Float32Array | null {
  const grey = toGrey(pixels, size, channels);
  const blocks = areaResample(grey, size, PREFILTER_SIDE);
  let mean = 0;
  for (const v of blocks) mean += v;
  mean /= DIMS;
  let variance = 0;
  for (const v of blocks) variance += (v - mean) ** 2;
  const std = Math.sqrt(variance / DIMS);
  if (std < 0.5) return null;
  return Float32Array.from(blocks, (v) => (v - mean) / std);
}

/** Gathers the prefilter vectors while images stream by (64 floats per image). */
export class NearDuplicateIndex {
  private vectors: Float32Array[] = [];
  private flat: boolean[] = [];

  add(pixels: Uint8Array, size: number, channels: 1 | 3): void {
    const v = prefilterVector(pixels, size, channels);
    this.flat.push(v === null);
    this.vectors.push(v ?? new Float32Array(DIMS));
  }

  get count(): number {
    return this.vectors.length;
  }

  /** Pairs of images in different splits that pass the prefilter, each image with its few nearest. */
  candidates(splits: readonly Split[], hashes: readonly string[]): [number, number][] {
    const n = this.vectors.length;
    const direction = mainDirection(this.vectors, this.flat);
    const projection = this.vectors.map((v) => dot(v, direction));
    const order = Array.from({ length: n }, (_, i) => i).filter((i) => !this.flat[i]).sort((a, b) => projection[a] - projection[b]);
    const r2 = PREFILTER_RADIUS * PREFILTER_RADIUS;
    const nearest: { j: number; d: number }[][] = Array.from({ length: n }, () => []);
    const offer = (i: number, j: number, d: number) => {
      const list = nearest[i];
      if (list.length < CANDIDATES_PER_IMAGE) list.push({ j, d });
      else {
        let worst = 0;
        for (let k = 1; k < list.length; k++) if (list[k].d > list[worst].d) worst = k;
        if (d >= list[worst].d) return;
        list[worst] = { j, d };
      }
    };
    for (let a = 0; a < order.length; a++) {
      const i = order[a];
      const vi = this.vectors[i];
      for (let b = a + 1; b < order.length; b++) {
        const j = order[b];
        if (projection[j] - projection[i] > PREFILTER_RADIUS) break;
        if (splits[i] === splits[j] || hashes[i] === hashes[j]) continue;
        const vj = this.vectors[j];
        let d = 0;
        for (let k = 0; k < DIMS && d <= r2; k++) d += (vi[k] - vj[k]) ** 2;
        if (d > r2) continue;
        offer(i, j, d);
        offer(j, i, d);
      }
    }
    const pairs = new Map<string, [number, number]>();
    nearest.forEach((list, i) => {
      for (const { j } of list) {
        const [a, b] = i < j ? [i, j] : [j, i];
        pairs.set(`${a}:${b}`, [a, b]);
      }
    });
    return [...pairs.values()];
  }
}

/**
 * Confirms the candidates by SSIM. `readPixels` gives the images at the import size (size² ×
 * channels each, in the order asked); pairs at or below `threshold` come back closest first.
 */
export async function confirmNearDuplicates(
  candidates: readonly [number, number][],
  members: { splits: readonly Split[]; files: (index: number) => string },
  readPixels: (indices: number[]) => Promise<Uint8Array[]>,
  image: { size: number; channels: 1 | 3 },
  threshold = NEAR_DUPLICATE_DISTANCE,
): Promise<NearDuplicatePair[]> {
  const wanted = [...new Set(candidates.flat())].sort((a, b) => a - b);
  const side = Math.min(SSIM_SIDE, image.size);
  if (side < 11 || wanted.length === 0) return [];
  const prepared = new Map<number, ReturnType<typeof prepareSsimImage>>();
  // Read in slices so a large candidate set never holds every image at once.
  const SLICE = 512;
  const found: NearDuplicatePair[] = [];
  const rank = (s: Split) => SPLITS.indexOf(s);
  for (let start = 0; start < wanted.length; start += SLICE) {
    const slice = wanted.slice(start, start + SLICE);
    const pixels = await readPixels(slice);
    slice.forEach((index, k) => {
      const grey = standardise(areaResample(toGrey(pixels[k], image.size, image.channels), image.size, side));
      prepared.set(index, prepareSsimImage({ data: grey, width: side, height: side }, { dataRange: 255 }));
    });
  }
  for (const [a, b] of candidates) {
    const distance = Math.max(0, 1 - ssimPrepared(prepared.get(a)!, prepared.get(b)!).ssim);
    if (distance > threshold) continue;
    const [kept, heldOut] = rank(members.splits[a]) <= rank(members.splits[b]) ? [a, b] : [b, a];
    const member = (index: number) => ({ index, split: members.splits[index], file: members.files(index) });
    found.push({ kept: member(kept), heldOut: member(heldOut), distance });
  }
  return found.sort((x, y) => x.distance - y.distance);
}

/** The import report's notice about near-duplicate pairs (the studio's import and npm run convert say the same); null when there are none. */
export function nearDuplicateNotice(pairs: readonly NearDuplicatePair[]): string | null {
  if (pairs.length === 0) return null;
  return `${pairs.length} image${pairs.length === 1 ? ' is a near-duplicate' : 's are near-duplicates'} of an image in another split (1 − SSIM at most ${Math.max(...pairs.map((p) => p.distance)).toPrecision(2)}): a leak between training and evaluation data`;
}

/**
 * The whole check over images held in memory (npm run convert's import): the prefilter index,
 * candidate pairs in different splits with different pixel hashes, then SSIM. Same thresholds and
 * same pairs as the studio's import, which builds its index while images stream to storage.
 */
export async function findNearDuplicates(
  images: readonly { pixels: Uint8Array; pixelHash: string; split?: Split }[],
  files: (index: number) => string,
  image: { size: number; channels: 1 | 3 },
): Promise<{ pairs: NearDuplicatePair[]; check: { images: number; candidates: number; ms: number } }> {
  const t0 = performance.now();
  const index = new NearDuplicateIndex();
  for (const im of images) index.add(im.pixels, image.size, image.channels);
  const splits = images.map((im) => im.split ?? 'train');
  const candidates = index.candidates(splits, images.map((im) => im.pixelHash));
  const pairs = await confirmNearDuplicates(candidates, { splits, files }, async (indices) => indices.map((i) => images[i].pixels), image);
  return { pairs, check: { images: images.length, candidates: candidates.length, ms: Math.round(performance.now() - t0) } };
}

/** Mean and spread every image is brought to before SSIM, so a re-windowed copy (brighter, more contrast) is still seen as a copy. */
const COMMON_MEAN = 128;
const COMMON_STD = 48;

/** The image with its brightness and contrast brought to a common mean and standard deviation (a flat image stays flat). */
export function standardise(grey: Float64Array): Float64Array {
  let mean = 0;
  for (const v of grey) mean += v;
  mean /= grey.length;
  let variance = 0;
  for (const v of grey) variance += (v - mean) ** 2;
  const std = Math.sqrt(variance / grey.length);
  return grey.map((v) => COMMON_MEAN + (std > 0 ? ((v - mean) / std) * COMMON_STD : 0));
}

function toGrey(pixels: Uint8Array, size: number, channels: 1 | 3): Float64Array {
  const n = size * size;
  const grey = new Float64Array(n);
  if (channels === 1) for (let p = 0; p < n; p++) grey[p] = pixels[p];
  else for (let p = 0; p < n; p++) grey[p] = 0.299 * pixels[3 * p] + 0.587 * pixels[3 * p + 1] + 0.114 * pixels[3 * p + 2];
  return grey;
}

/** Area-averages a size² image down to side² (each output pixel is the mean of its source block). */
export function areaResample(src: Float64Array, size: number, side: number): Float64Array {
  if (side === size) return src;
  const out = new Float64Array(side * side);
  for (let y = 0; y < side; y++) {
    const y0 = Math.floor((y * size) / side);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * size) / side));
    for (let x = 0; x < side; x++) {
      const x0 = Math.floor((x * size) / side);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * size) / side));
      let sum = 0;
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) sum += src[yy * size + xx];
      out[y * side + x] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

const dot = (a: Float32Array, b: Float64Array) => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
};

/** The vectors' first principal direction (a few power iterations on their 64×64 covariance), spreading them most along the sort. */
function mainDirection(vectors: readonly Float32Array[], flat: readonly boolean[]): Float64Array {
  const mean = new Float64Array(DIMS);
  let n = 0;
  vectors.forEach((v, i) => {
    if (flat[i]) return;
    n++;
    for (let k = 0; k < DIMS; k++) mean[k] += v[k];
  });
  const direction = new Float64Array(DIMS).fill(1 / Math.sqrt(DIMS));
  if (n < 2) return direction;
  for (let k = 0; k < DIMS; k++) mean[k] /= n;
  const cov = new Float64Array(DIMS * DIMS);
  const centred = new Float64Array(DIMS);
  vectors.forEach((v, i) => {
    if (flat[i]) return;
    for (let k = 0; k < DIMS; k++) centred[k] = v[k] - mean[k];
    for (let r = 0; r < DIMS; r++) for (let c = r; c < DIMS; c++) cov[r * DIMS + c] += centred[r] * centred[c];
  });
  for (let r = 0; r < DIMS; r++) for (let c = 0; c < r; c++) cov[r * DIMS + c] = cov[c * DIMS + r];
  // A fixed, uneven start so a symmetric set does not start orthogonal to its main direction.
  for (let k = 0; k < DIMS; k++) direction[k] = 1 + k / DIMS;
  const start = Math.hypot(...direction);
  for (let k = 0; k < DIMS; k++) direction[k] /= start;
  for (let iteration = 0; iteration < 30; iteration++) {
    const next = new Float64Array(DIMS);
    for (let r = 0; r < DIMS; r++) {
      let s = 0;
      for (let c = 0; c < DIMS; c++) s += cov[r * DIMS + c] * direction[c];
      next[r] = s;
    }
    const norm = Math.hypot(...next);
    if (!(norm > 0)) break;
    for (let k = 0; k < DIMS; k++) direction[k] = next[k] / norm;
  }
  return direction;
}
