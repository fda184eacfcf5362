/**
 * One input file → a stream of IntensityImages, whatever its format. This is the only place that
 * knows file formats; the pipeline above it sees images, labels and group indices.
 */
import { dicomFrameToIntensity, looksLikeDicom, readDicom } from './dicom/decodeDicom';
import type { WindowChoice } from './dicom/window';
import type { PatientGrouper } from './grouping';
import type { LabelResolver } from './labels';
import { countNonFinite, looksLikeNifti, niftiSlices, readNifti, type NiftiSliceOptions } from './nifti';
import { readNpz } from './npy';
import { readNpzLayout } from './npzLayout';
import { decodeJpeg, decodePng, isJpeg, isPng } from './raster';
import { ImportError, type ImportNotice, type IntensityImage, type SourceFormat } from './types';

export interface DecodeOptions {
  window?: WindowChoice;
  /** DICOM frames to import from multi-frame files; all when absent. */
  frames?: number[];
  nifti?: NiftiSliceOptions;
  /** Import DICOM files whose Burned In Annotation is YES (left out by default: their pixels may show identifying text). */
  includeBurnedInAnnotation?: boolean;
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
  const layout = readNpzLayout(readNpz(bytes, name), name);
  // Checked before registering any class, so a file with too many classes is refused on its own
  // and the classes of the files before it stay as they were.
  context.labels.checkRoomFor(layout.classNames, name);
  // Every class of the archive is registered in its order, so indices follow the file (MedMNIST:
  // index == label value) and a class absent from one split keeps its place.
  const classIndex = layout.classNames.map((className) => context.labels.indexOf(className));
  for (const part of layout.parts) {
    if (part.labelNote) context.notice({ file: name, message: part.labelNote });
    const per = part.height * part.width * part.channels;
    for (let i = 0; i < part.count; i++) {
      const pixels = new Float32Array(per);
      for (let k = 0; k < per; k++) pixels[k] = part.pixels[i * per + k] / 255;
      yield {
        width: part.width,
        height: part.height,
        channels: part.channels,
        pixels,
        meta: { format: 'npz', width: part.width, height: part.height, frame: i },
        label: part.labels ? classIndex[part.labels[i]] : undefined,
        split: part.split,
      };
    }
  }
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
      const volume = readNifti(bytes, name);
      const bad = countNonFinite(volume.data);
      if (bad > 0) throw new ImportError(`${bad} NaN/Inf voxels`);
      yield* niftiSlices(volume, options.nifti);
      return;
    }
    case 'dicom': {
      const image = readDicom(bytes);
      if (image.burnedInAnnotation && !options.includeBurnedInAnnotation) {
        throw new ImportError('Burned In Annotation is YES: the pixels may show patient details as text, so the file is left out (include such files on purpose with the burned-in option)');
      }
      if (image.burnedInAnnotation) context.notice({ file: name, message: 'Burned In Annotation is YES: the pixels may show patient details as text' });
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
