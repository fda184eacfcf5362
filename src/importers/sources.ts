/**
 * One input file → a stream of IntensityImages, whatever its format. This is the only place that
 * knows file formats; the pipeline above it sees images, labels and group indices.
 */
import { dicomFrameToIntensity, looksLikeDicom, MAX_IMAGE_SIDE, readDicom } from './dicom/decodeDicom';
import type { WindowChoice } from './dicom/window';
import type { PatientGrouper } from './grouping';
import type { LabelResolver } from './labels';
import { countNonFinite, looksLikeNifti, niftiSlices, readNifti, type NiftiSliceOptions } from './nifti';
import { readNpz, type NpyArray } from './npy';
import { decodeJpeg, decodePng, isJpeg, isPng } from './raster';
import { ImportError, SPLITS, type ImportNotice, type IntensityImage, type SourceFormat } from './types';

export interface DecodeOptions {
  window?: WindowChoice;
  /** DICOM frames to import from multi-frame files; all when absent. */
  frames?: number[];
  nifti?: NiftiSliceOptions;
}

export interface DecodeContext {
  grouper: PatientGrouper;
  labels: LabelResolver;
  notice(notice: ImportNotice): void;
}

const isZip = (b: Uint8Array) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

export function detectFormat(bytes: Uint8Array, name: string): SourceFormat | undefined {
  if (looksLikeDicom(bytes)) return 'dicom';
  if (isPng(bytes)) return 'png';
  if (isJpeg(bytes)) return 'jpeg';
  if (isZip(bytes) && /\.npz$/i.test(name)) return 'npz';
  if (looksLikeNifti(bytes, name)) return 'nifti';
  return undefined;
}

function* npzImages(bytes: Uint8Array, name: string, context: DecodeContext): Generator<IntensityImage> {
  const arrays = readNpz(bytes, name);
  const splitKeys = SPLITS.filter((s) => arrays.has(`${s}_images`));
  const keys = splitKeys.length > 0 ? splitKeys.map((s) => [`${s}_images`, `${s}_labels`, s] as const) : arrays.has('images') ? [['images', 'labels', undefined] as const] : [];
  if (keys.length === 0) throw new ImportError('npz has no MedMNIST-style {train,val,test}_images or images array');
  // Register numeric classes in numeric order so class index == label value.
  const allLabels = new Set<number>();
  for (const [, labelKey] of keys) for (const v of labelValues(arrays.get(labelKey), context, name)) allLabels.add(v);
  for (const v of [...allLabels].sort((a, b) => a - b)) context.labels.indexOf(String(v));

  for (const [imageKey, labelKey, split] of keys) {
    const images = arrays.get(imageKey)!;
    if (images.dtype !== 'u1') throw new ImportError(`${imageKey} has dtype ${images.dtype}; MedMNIST images are uint8`);
    const [count, height, width, depth = 1] = images.shape;
    if (images.shape.length < 3 || (depth !== 1 && depth !== 3)) throw new ImportError(`${imageKey} has shape (${images.shape}); expected (N,H,W) or (N,H,W,3)`);
    const labels = labelValues(arrays.get(labelKey), context, name);
    if (labels.length > 0 && labels.length !== count) throw new ImportError(`${labelKey} has ${labels.length} rows for ${count} images`);
    const per = height * width * depth;
    for (let i = 0; i < count; i++) {
      const pixels = new Float32Array(per);
      const data = images.data as Uint8Array;
      for (let k = 0; k < per; k++) pixels[k] = data[i * per + k] / 255;
      yield {
        width,
        height,
        channels: depth as 1 | 3,
        pixels,
        meta: { format: 'npz', width, height, frame: i },
        label: labels.length ? context.labels.indexOf(String(labels[i])) : undefined,
        split,
      };
    }
  }
}

function labelValues(array: NpyArray | undefined, context: DecodeContext, name: string): number[] {
  if (!array) return [];
  const columns = array.shape.length > 1 ? array.shape[1] : 1;
  if (columns !== 1) {
    context.notice({ file: name, message: `multi-label npz (${columns} label columns) is not supported: labels dropped` });
    return [];
  }
  return Array.from(array.data as ArrayLike<number | bigint>, Number);
}

/** Decode one file into display-ready images. Throws ImportError with a user-facing reason. */
export async function* decodeFile(bytes: Uint8Array, name: string, options: DecodeOptions, context: DecodeContext): AsyncGenerator<IntensityImage> {
  if (bytes.length === 0) throw new ImportError('empty file (0 bytes)');
  const format = detectFormat(bytes, name);
  switch (format) {
    case 'png':
      yield decodePng(bytes);
      return;
    case 'jpeg':
      yield decodeJpeg(bytes);
      return;
    case 'npz':
      yield* npzImages(bytes, name, context);
      return;
    case 'nifti': {
      const volume = readNifti(bytes);
      const [nx, ny, nz] = volume.dims;
      if (Math.max(nx, ny, nz) > MAX_IMAGE_SIDE) throw new ImportError(`volume is ${nx}x${ny}x${nz}, over the ${MAX_IMAGE_SIDE} px limit`);
      const bad = countNonFinite(volume.data);
      if (bad > 0) throw new ImportError(`${bad} NaN/Inf voxels`);
      yield* niftiSlices(volume, options.nifti);
      return;
    }
    case 'dicom': {
      const image = readDicom(bytes);
      const group = image.patientKey ? await context.grouper.groupOf(image.patientKey) : undefined;
      const frames = options.frames?.filter((f) => f < image.layout.frameCount) ?? Array.from({ length: image.layout.frameCount }, (_, i) => i);
      for (const f of frames) {
        const decoded = await dicomFrameToIntensity(image, f, { window: options.window });
        yield { ...decoded, group };
      }
      return;
    }
    default:
      throw new ImportError('not a supported image (PNG, JPEG, DICOM, NIfTI .nii/.nii.gz, MedMNIST .npz)');
  }
}
