/**
 * The MedMNIST .npz layout, read in one place for the importer, `npm run train` and `npm run metrics`:
 * `{train,val,test}_images` (N, H, W[, C]) uint8 with `{split}_labels` (N, 1), or a single
 * `images`/`labels` pair, plus the studio's optional `class_names` (a numpy unicode array, so
 * `np.load(f)['class_names']` gives strings). Without `class_names` the classes are the distinct
 * label values as text, in numeric order, so a class's index equals its label value as in MedMNIST.
 */
import type { NpyArray } from './npy';
import { MAX_IMAGE_SIDE, MAX_IMAGES_PER_FILE } from './limits';
import { ImportError, SPLITS, type Split } from './types';

export const CLASS_NAMES_KEY = 'class_names';

/** One image array of the archive with its labels as indices into the archive's class list. */
export interface NpzPart {
  /** The split the archive fixes, or undefined for a plain `images` array. */
  split?: Split;
  imageKey: string;
  labelKey: string;
  pixels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  /** Class index per image, or null when the archive gives no usable labels for this array. */
  labels: Int32Array | null;
  /** Why labels present in the file were not used (multi-label columns), for the import report. */
  labelNote?: string;
}

export interface NpzLayout {
  parts: NpzPart[];
  /** Index → class name for every label of every part (empty when no part is labelled). */
  classNames: string[];
  /** True when the names came from the archive's `class_names` rather than from label values. */
  namedClasses: boolean;
}

export function readNpzLayout(arrays: Map<string, NpyArray>, name: string): NpzLayout {
  const splitKeys = SPLITS.filter((s) => arrays.has(`${s}_images`));
  const keys: [string, string, Split | undefined][] =
    splitKeys.length > 0 ? splitKeys.map((s) => [`${s}_images`, `${s}_labels`, s]) : arrays.has('images') ? [['images', 'labels', undefined]] : [];
  if (keys.length === 0) {
    throw new ImportError(`${name}: has no MedMNIST-style {train,val,test}_images or images array (has: ${[...arrays.keys()].join(', ') || 'nothing'})`);
  }
  const declared = declaredClassNames(arrays, name);
  const raw = keys.map(([imageKey, labelKey, split]) => ({ ...imageArray(arrays.get(imageKey)!, `${name}:${imageKey}`), imageKey, labelKey, split, ...labelValues(arrays.get(labelKey), `${name}:${labelKey}`) }));
  for (const part of raw) {
    if (part.values && part.values.length !== part.count) throw new ImportError(`${name}: ${part.labelKey} has ${part.values.length} rows for ${part.count} images`);
  }

  let classNames: string[];
  let indexOf: (value: number, where: string) => number;
  if (declared) {
    classNames = declared;
    indexOf = (value, where) => {
      if (!Number.isInteger(value) || value < 0 || value >= declared.length) {
        throw new ImportError(`${where}: label ${value} has no entry in ${CLASS_NAMES_KEY} (${declared.length} names)`);
      }
      return value;
    };
  } else {
    const values = [...new Set(raw.flatMap((p) => (p.values ? [...p.values] : [])))].sort((a, b) => a - b);
    classNames = values.map(String);
    const index = new Map(values.map((v, i) => [v, i]));
    indexOf = (value) => index.get(value)!;
  }
  const parts = raw.map(({ values, ...part }): NpzPart => ({
    ...part,
    labels: values ? Int32Array.from(values, (v) => indexOf(v, `${name}:${part.labelKey}`)) : null,
  }));
  return { parts, classNames, namedClasses: declared !== null };
}

function imageArray(array: NpyArray, where: string): Pick<NpzPart, 'pixels' | 'count' | 'height' | 'width' | 'channels'> {
  if (!(array.data instanceof Uint8Array) || array.dtype !== 'u1') throw new ImportError(`${where}: has dtype ${array.dtype}; MedMNIST images are uint8`);
  const [count, height, width, depth = 1] = array.shape;
  if (array.shape.length < 3 || array.shape.length > 4 || (depth !== 1 && depth !== 3)) {
    throw new ImportError(`${where}: has shape (${array.shape.join(', ')}); expected (N, H, W), (N, H, W, 1) or (N, H, W, 3)`);
  }
  if (height < 1 || width < 1) throw new ImportError(`${where}: has shape (${array.shape.join(', ')}); its images have no pixels`);
  if (height > MAX_IMAGE_SIDE || width > MAX_IMAGE_SIDE) throw new ImportError(`${where}: images are ${width}x${height}, over the ${MAX_IMAGE_SIDE} px limit`);
  if (count > MAX_IMAGES_PER_FILE) throw new ImportError(`${where}: holds ${count} images, over the ${MAX_IMAGES_PER_FILE} limit for one file`);
  return { pixels: array.data, count, height, width, channels: depth };
}

function labelValues(array: NpyArray | undefined, where: string): { values: number[] | null; labelNote?: string } {
  if (!array) return { values: null };
  if (Array.isArray(array.data)) throw new ImportError(`${where}: labels must be integers, got strings (class names belong in ${CLASS_NAMES_KEY})`);
  const columns = array.shape.length > 1 ? array.shape[1] : 1;
  if (array.shape.length > 2 || columns !== 1) return { values: null, labelNote: `multi-label npz (${columns} label columns) is not supported: labels dropped` };
  const values = Array.from(array.data as ArrayLike<number | bigint>, Number);
  const bad = values.find((v) => !Number.isInteger(v) || v < 0);
  if (bad !== undefined) throw new ImportError(`${where}: labels must be non-negative integers, found ${bad}`);
  return { values };
}

function declaredClassNames(arrays: Map<string, NpyArray>, name: string): string[] | null {
  const array = arrays.get(CLASS_NAMES_KEY);
  if (!array) return null;
  const where = `${name}:${CLASS_NAMES_KEY}`;
  if (!Array.isArray(array.data) || array.shape.length !== 1) {
    throw new ImportError(`${where}: must be a 1-D unicode string array (numpy dtype '<U…'), got dtype ${array.dtype} shape (${array.shape.join(', ')})`);
  }
  const names = array.data;
  const seen = new Set<string>();
  for (const n of names) {
    if (n === '') throw new ImportError(`${where}: holds an empty class name`);
    if (seen.has(n)) throw new ImportError(`${where}: names the class "${n}" twice`);
    seen.add(n);
  }
  return [...names];
}
