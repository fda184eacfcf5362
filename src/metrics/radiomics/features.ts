/**
 * The radiomics feature vector behind FRD: pyradiomics-style first-order and texture features
 * (GLCM, GLRLM, GLSZM, GLDM, NGTDM) of the image and of its filtered versions (LoG at two
 * scales, one-level Haar sub-bands). One table (FEATURE_TABLE) drives both the names and the
 * extraction, so they cannot drift apart.
 *
 * Discretisation: the original image uses a fixed range (so absolute intensity matters, as for
 * calibrated CT); filter responses use per-image min..max bins (pyradiomics' binCount), because
 * their range is not known in advance. First-order statistics always see raw values.
 */
import type { FeatureMatrix } from '../types';
import { MetricInputError } from '../types';
import { FirstOrderCalculator, type FirstOrderFeatures } from './firstOrder';
import { LaplacianOfGaussian, haar, HAAR_BAND_NAMES, type HaarBands } from './filters';
import type { GlcmVectorProps } from './glcm';
import type { GldmFeatures } from './gldm';
import type { GlrlmFeatures } from './glrlm';
import type { GlszmFeatures } from './glszm';
import { NgtdmCalculator, type NgtdmFeatures } from './ngtdm';
import { quantiseFixed, quantiseMinMax } from './quantise';
import { TexturePass } from './texturePass';

export interface RadiomicsOptions {
  /** Grey levels of the texture matrices (default 32, at most 256). */
  levels?: number;
  /** LoG scales in pixels (default [1, 2]). */
  logSigmas?: number[];
  /** Intensity range of float input (default 1, i.e. [0, 1]); byte input is always 0..255. */
  dataRange?: number;
}

export interface RadiomicsResult {
  features: FeatureMatrix;
  names: string[];
}

interface ViewFeatures {
  firstorder: FirstOrderFeatures;
  glcm: GlcmVectorProps;
  glrlm: GlrlmFeatures;
  glszm: GlszmFeatures;
  gldm: GldmFeatures;
  ngtdm: NgtdmFeatures;
}

/** Which features of each family enter the vector (redundant ones such as ASM = energy² are left out). */
export const FEATURE_TABLE = {
  firstorder: ['mean', 'standardDeviation', 'skewness', 'kurtosis', 'minimum', 'percentile10', 'median', 'percentile90', 'maximum', 'interquartileRange', 'meanAbsoluteDeviation', 'robustMeanAbsoluteDeviation', 'entropy', 'uniformity'],
  glcm: ['contrast', 'dissimilarity', 'homogeneity', 'energy', 'correlation', 'jointEntropy', 'clusterShade', 'clusterProminence'],
  glrlm: ['smallEmphasis', 'largeEmphasis', 'greyLevelNonUniformityNormalized', 'sizeNonUniformityNormalized', 'runPercentage', 'greyLevelVariance', 'sizeVariance', 'entropy', 'lowGreyLevelEmphasis', 'highGreyLevelEmphasis'],
  glszm: ['smallEmphasis', 'largeEmphasis', 'greyLevelNonUniformityNormalized', 'sizeNonUniformityNormalized', 'zonePercentage', 'greyLevelVariance', 'sizeVariance', 'entropy', 'lowGreyLevelEmphasis', 'highGreyLevelEmphasis'],
  gldm: ['smallEmphasis', 'largeEmphasis', 'sizeNonUniformityNormalized', 'greyLevelVariance', 'sizeVariance', 'entropy', 'lowGreyLevelEmphasis', 'highGreyLevelEmphasis'],
  ngtdm: ['coarseness', 'contrast', 'busyness', 'complexity', 'strength'],
} as const satisfies { [F in keyof ViewFeatures]: readonly (keyof ViewFeatures[F])[] };

const FAMILIES = Object.keys(FEATURE_TABLE) as (keyof ViewFeatures)[];

type ViewKind = 'original' | 'log' | 'wavelet';

/**
 * Features left out of one kind of view because they carry no information there. The LoG
 * response's mean is a sum of discrete Laplacians under reflecting boundaries, which telescopes
 * to 0 for every image: it was constant in every FRD run and dropped there with a warning.
 */
const OMITTED: Record<ViewKind, ReadonlySet<string>> = {
  original: new Set(),
  log: new Set(['firstorder_mean']),
  wavelet: new Set(),
};

/** (family, key) pairs of one kind of view, in vector order. */
function viewLayout(kind: ViewKind): { family: keyof ViewFeatures; key: string }[] {
  return FAMILIES.flatMap((family) => FEATURE_TABLE[family].filter((key) => !OMITTED[kind].has(`${family}_${key}`)).map((key) => ({ family, key })));
}

const LAYOUTS: Record<ViewKind, { family: keyof ViewFeatures; key: string }[]> = { original: viewLayout('original'), log: viewLayout('log'), wavelet: viewLayout('wavelet') };

function viewKind(view: string): ViewKind {
  return view === 'original' ? 'original' : view.startsWith('log-') ? 'log' : 'wavelet';
}

export function viewNames(logSigmas: readonly number[]): string[] {
  return ['original', ...logSigmas.map((s) => `log-sigma-${s}`), ...HAAR_BAND_NAMES.map((b) => `wavelet-${b}`)];
}

export function radiomicsFeatureNames(options: RadiomicsOptions = {}): string[] {
  const names: string[] = [];
  for (const view of viewNames(options.logSigmas ?? DEFAULTS.logSigmas)) {
    for (const { family, key } of LAYOUTS[viewKind(view)]) names.push(`${view}_${family}_${key}`);
  }
  return names;
}

const DEFAULTS = { levels: 32, logSigmas: [1, 2], dataRange: 1 };

/** b / 255 for every byte: a table read instead of a division per pixel (same values). */
const BYTE_VALUES = Float64Array.from({ length: 256 }, (_, b) => b / 255);

/**
 * All calculators for one view size, allocated once and reused for every image. GLCM, GLRLM,
 * GLSZM and GLDM come from one shared pass over the pixel pairs (texturePass.ts); the
 * per-family calculators (glcm.ts, glrlm.ts, ...) are the readable definitions it is tested against.
 */
class ViewExtractor {
  private readonly firstOrder: FirstOrderCalculator;
  private readonly texture: TexturePass;
  private readonly ngtdm: NgtdmCalculator;
  readonly quantised: Uint8Array;

  constructor(width: number, height: number, levels: number) {
    this.firstOrder = new FirstOrderCalculator(width * height, levels);
    this.texture = new TexturePass(width, height, levels);
    this.ngtdm = new NgtdmCalculator(width, height, levels);
    this.quantised = new Uint8Array(width * height);
  }

  /** Writes this view's features into out[offset..]; `quantised` must already hold the levels. */
  extract(values: Float64Array, kind: ViewKind, out: Float64Array, offset: number): number {
    const q = this.quantised;
    const texture = this.texture.compute(q);
    const features: ViewFeatures = {
      firstorder: this.firstOrder.compute(values, q),
      glcm: texture.glcm,
      glrlm: texture.glrlm,
      glszm: texture.glszm,
      gldm: texture.gldm,
      ngtdm: this.ngtdm.compute(q),
    };
    let o = offset;
    for (const { family, key } of LAYOUTS[kind]) out[o++] = (features[family] as unknown as Record<string, number>)[key];
    return o;
  }
}

/** Checks what radiomicsFeatures would refuse (so a pool can refuse it before splitting the work); returns the image count. */
export function checkRadiomicsInput(values: number, size: number, options: RadiomicsOptions = {}): number {
  const levels = options.levels ?? DEFAULTS.levels;
  if (!Number.isInteger(size) || size < 4) throw new MetricInputError(`radiomics: image size must be an integer >= 4, got ${size}`);
  if (values % (size * size) !== 0) throw new MetricInputError(`radiomics: ${values} values is not a whole number of ${size}x${size} images`);
  if (!Number.isInteger(levels) || levels < 2 || levels > 256) throw new MetricInputError(`radiomics: levels must be an integer in [2, 256], got ${levels}`);
  return values / (size * size);
}

export function radiomicsFeatures(images: Uint8Array | Float32Array | Float64Array, size: number, options: RadiomicsOptions = {}): RadiomicsResult {
  const levels = options.levels ?? DEFAULTS.levels;
  const logSigmas = options.logSigmas ?? DEFAULTS.logSigmas;
  const dataRange = options.dataRange ?? DEFAULTS.dataRange;
  const pixels = size * size;
  const count = checkRadiomicsInput(images.length, size, options);
  const isBytes = images instanceof Uint8Array;
  const half = size >> 1;

  const full = new ViewExtractor(size, size, levels);
  const sub = new ViewExtractor(half, half, levels);
  const logs = logSigmas.map((s) => new LaplacianOfGaussian(s, size, size));
  const values = new Float64Array(pixels);
  const filtered = new Float64Array(pixels);
  const bands: HaarBands = { LL: new Float64Array(half * half), LH: new Float64Array(half * half), HL: new Float64Array(half * half), HH: new Float64Array(half * half), width: half, height: half };

  const names = radiomicsFeatureNames({ logSigmas });
  const dims = names.length;
  if (dims !== LAYOUTS.original.length + logSigmas.length * LAYOUTS.log.length + HAAR_BAND_NAMES.length * LAYOUTS.wavelet.length) throw new Error('radiomics: feature table and names disagree');
  const out = new Float64Array(count * dims);

  for (let n = 0; n < count; n++) {
    const image = images.subarray(n * pixels, (n + 1) * pixels);
    // Raw values on [0, 1] for bytes so first-order features do not depend on the input type.
    if (isBytes) for (let i = 0; i < pixels; i++) values[i] = BYTE_VALUES[image[i]];
    else for (let i = 0; i < pixels; i++) values[i] = image[i] / dataRange;
    if (isBytes) quantiseFixed(image, 0, 256, levels, full.quantised);
    // 256/255 makes a [0, 1] float image quantise exactly like its 8-bit original: floor(b·32/256).
    else quantiseFixed(values, 0, 256 / 255, levels, full.quantised);
    let o = full.extract(values, 'original', out, n * dims);
    for (const log of logs) {
      log.apply(values, filtered);
      quantiseMinMax(filtered, levels, full.quantised);
      o = full.extract(filtered, 'log', out, o);
    }
    haar(values, size, size, bands);
    for (const band of HAAR_BAND_NAMES) {
      quantiseMinMax(bands[band], levels, sub.quantised);
      o = sub.extract(bands[band], 'wavelet', out, o);
    }
  }
  return { features: { data: out, rows: count, cols: dims }, names };
}
