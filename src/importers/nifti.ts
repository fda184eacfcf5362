/**
 * NIfTI-1 / NIfTI-2 (.nii, .nii.gz, either byte order) → 2-D slices. nifti-reader-js parses the
 * header; voxel conversion is ours so byte order and scl_slope/scl_inter are handled explicitly.
 */
import * as nifti from 'nifti-reader-js';
import { gunzipChecked, inflateCapped, isGzip } from './formats/inflate';
import { formatBytes, MAX_IMAGE_SIDE, MAX_IMAGES_PER_FILE, MAX_INFLATED_BYTES, MAX_VOXELS } from './limits';
import { ImportError, type IntensityImage } from './types';
import { errorMessage } from '../core/errorMessage';

export interface NiftiVolume {
  /** [nx, ny, nz, nt] (missing dimensions are 1). */
  dims: [number, number, number, number];
  /** Voxel size in mm for x, y, z. */
  spacing: [number, number, number];
  /** Scaled voxel values in file order (x fastest, then y, z, t). */
  data: Float32Array;
}

export function looksLikeNifti(bytes: Uint8Array, name: string): boolean {
  return /\.nii(\.gz)?$/i.test(name) || (!isGzip(bytes) && bytes.length >= 348 && nifti.isNIFTI(toArrayBuffer(bytes)));
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer);
}

type Reader = (view: DataView, offset: number, le: boolean) => number;
const DATATYPES: Record<number, { bytes: number; read: Reader; name: string }> = {
  2: { bytes: 1, read: (v, o) => v.getUint8(o), name: 'uint8' },
  4: { bytes: 2, read: (v, o, le) => v.getInt16(o, le), name: 'int16' },
  8: { bytes: 4, read: (v, o, le) => v.getInt32(o, le), name: 'int32' },
  16: { bytes: 4, read: (v, o, le) => v.getFloat32(o, le), name: 'float32' },
  64: { bytes: 8, read: (v, o, le) => v.getFloat64(o, le), name: 'float64' },
  256: { bytes: 1, read: (v, o) => v.getInt8(o), name: 'int8' },
  512: { bytes: 2, read: (v, o, le) => v.getUint16(o, le), name: 'uint16' },
  768: { bytes: 4, read: (v, o, le) => v.getUint32(o, le), name: 'uint32' },
};

/** NIfTI-2's header is 540 bytes, NIfTI-1's 348: enough to read every declared size. */
const HEADER_BYTES = 540;

function parseHeader(buffer: ArrayBuffer): nifti.NIFTI1 | nifti.NIFTI2 {
  if (!nifti.isNIFTI(buffer)) throw new ImportError('not a NIfTI-1/NIfTI-2 file (bad header magic)');
  try {
    return nifti.readHeader(buffer) as nifti.NIFTI1 | nifti.NIFTI2;
  } catch (error) {
    throw new ImportError(`NIfTI header could not be read (${errorMessage(error)})`);
  }
}

interface DeclaredVolume {
  dims: NiftiVolume['dims'];
  type: (typeof DATATYPES)[number];
  offset: number;
  /** Bytes the file must hold: header and extensions, then every voxel. */
  needed: number;
}

/** Every size the header declares, checked against the import's limits before any voxel is read or allocated. */
function declaredVolume(header: nifti.NIFTI1 | nifti.NIFTI2): DeclaredVolume {
  const type = DATATYPES[header.datatypeCode];
  if (!type) throw new ImportError(`unsupported NIfTI datatype code ${header.datatypeCode}`);
  const rank = header.dims[0];
  if (rank < 2 || rank > 4) {
    if (!(rank > 4 && rank <= 7 && header.dims.slice(5, rank + 1).every((d) => d === 1))) throw new ImportError(`unsupported NIfTI rank ${rank}`);
  }
  const dims = [1, 2, 3, 4].map((i) => (i <= rank ? header.dims[i] : 1)) as NiftiVolume['dims'];
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 1)) throw new ImportError(`NIfTI dimensions ${dims.join('x')} are not positive whole numbers`);
  const [nx, ny, nz, nt] = dims;
  if (Math.max(nx, ny, nz) > MAX_IMAGE_SIDE) throw new ImportError(`volume is ${nx}x${ny}x${nz}, over the ${MAX_IMAGE_SIDE} px limit`);
  const voxels = nx * ny * nz * nt;
  if (voxels > MAX_VOXELS) throw new ImportError(`volume is ${dims.join('x')} (${voxels} voxels), over the ${MAX_VOXELS} voxel limit for one file`);
  // Any slicing axis gives at most the longest side's count of slices per volume.
  if (Math.max(nx, ny, nz) * nt > MAX_IMAGES_PER_FILE) throw new ImportError(`volume is ${dims.join('x')}: up to ${Math.max(nx, ny, nz) * nt} slices, over the ${MAX_IMAGES_PER_FILE} limit for one file`);
  const offset = Math.floor(header.vox_offset);
  if (!Number.isFinite(offset) || offset < 0) throw new ImportError(`NIfTI vox_offset ${header.vox_offset} is not a byte offset`);
  return { dims, type, offset, needed: offset + voxels * type.bytes };
}

export function readNifti(bytes: Uint8Array, name = 'the NIfTI file'): NiftiVolume {
  let raw = bytes;
  if (isGzip(raw)) {
    // Read the header first, from the first few hundred inflated bytes, so a small .nii.gz that
    // declares (or inflates to) gigabytes is refused before it is inflated.
    const head = inflateCapped(raw, 'gzip', { what: name, prefix: HEADER_BYTES });
    const header = peekHeader(head);
    if (header) {
      const declared = declaredVolume(header);
      if (declared.needed > MAX_INFLATED_BYTES) throw new ImportError(`${name} declares ${formatBytes(declared.needed)} of voxels, over the ${formatBytes(MAX_INFLATED_BYTES)} limit`);
    }
    raw = gunzipChecked(raw, name);
  }
  const buffer = toArrayBuffer(raw);
  const header = parseHeader(buffer);
  const { dims, type, offset, needed } = declaredVolume(header);
  const count = dims[0] * dims[1] * dims[2] * dims[3];
  if (needed > raw.byteLength) throw new ImportError(`NIfTI is truncated: needs ${needed} bytes, has ${raw.byteLength}`);
  const view = new DataView(buffer, offset, count * type.bytes);
  // scl_slope 0 (or NaN) means "no scaling" per the NIfTI-1 standard.
  const scaled = Number.isFinite(header.scl_slope) && header.scl_slope !== 0;
  const slope = scaled ? header.scl_slope : 1;
  const inter = scaled && Number.isFinite(header.scl_inter) ? header.scl_inter : 0;
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = type.read(view, i * type.bytes, header.littleEndian) * slope + inter;
  const pix = header.pixDims;
  return { dims, spacing: [Math.abs(pix[1]) || 1, Math.abs(pix[2]) || 1, Math.abs(pix[3]) || 1], data };
}

/**
 * The header from the start of the inflated stream, or undefined when it cannot be read from this
 * prefix alone (an extension running past it): the full read below then refuses or accepts it.
 */
function peekHeader(head: Uint8Array): nifti.NIFTI1 | nifti.NIFTI2 | undefined {
  if (head.length < 348) return undefined;
  try {
    return parseHeader(toArrayBuffer(head));
  } catch {
    return undefined;
  }
}

export type SliceAxis = 'axial' | 'coronal' | 'sagittal';

export interface NiftiSliceOptions {
  axis?: SliceAxis;
  /** Slices whose fraction of voxels above 10 % of the volume's range is below this are skipped (0 keeps all). */
  minForegroundFraction?: number;
  /** Percentiles that map to 0 and 1 for each 3-D volume. */
  percentiles?: [number, number];
}

/** Value at a percentile, from a strided sample so a 10M-voxel volume is not sorted whole. */
function percentileRange(volume: Float32Array, low: number, high: number): [number, number] {
  const step = Math.max(1, Math.floor(volume.length / 1_000_000));
  const sample = new Float32Array(Math.ceil(volume.length / step));
  for (let i = 0, j = 0; i < volume.length; i += step) sample[j++] = volume[i];
  sample.sort();
  const at = (p: number) => sample[Math.min(sample.length - 1, Math.max(0, Math.round((p / 100) * (sample.length - 1))))];
  return [at(low), at(high)];
}

/** Count of NaN/±Inf voxels (such files are refused rather than silently zero-filled). */
export function countNonFinite(data: Float32Array): number {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) n++;
  return n;
}

/**
 * Yield one IntensityImage per kept slice of every 3-D volume. Rows are flipped so that anterior
 * (axial) or superior (coronal/sagittal) is at the top, as radiologists view them.
 */
export function* niftiSlices(volume: NiftiVolume, options: NiftiSliceOptions = {}): Generator<IntensityImage> {
  const axis = options.axis ?? 'axial';
  const [plow, phigh] = options.percentiles ?? [0.5, 99.5];
  const minForeground = options.minForegroundFraction ?? 0.02;
  const [nx, ny, nz, nt] = volume.dims;
  const perVolume = nx * ny * nz;
  const [width, height, sliceCount] = axis === 'axial' ? [nx, ny, nz] : axis === 'coronal' ? [nx, nz, ny] : [ny, nz, nx];
  const [spacingCols, spacingRows] =
    axis === 'axial' ? [volume.spacing[0], volume.spacing[1]] : axis === 'coronal' ? [volume.spacing[0], volume.spacing[2]] : [volume.spacing[1], volume.spacing[2]];
  for (let t = 0; t < nt; t++) {
    const data = volume.data.subarray(t * perVolume, (t + 1) * perVolume);
    const [lo, hi] = percentileRange(data, plow, phigh);
    const scale = hi > lo ? 1 / (hi - lo) : 0;
    for (let s = 0; s < sliceCount; s++) {
      const pixels = new Float32Array(width * height);
      let foreground = 0;
      for (let r = 0; r < height; r++) {
        const flipped = height - 1 - r;
        for (let c = 0; c < width; c++) {
          const index =
            axis === 'axial' ? c + nx * (flipped + ny * s) : axis === 'coronal' ? c + nx * (s + ny * flipped) : s + nx * (c + ny * flipped);
          const v = (data[index] - lo) * scale;
          const clamped = v <= 0 ? 0 : v >= 1 ? 1 : v;
          pixels[r * width + c] = clamped;
          if (clamped > 0.1) foreground++;
        }
      }
      if (foreground / pixels.length < minForeground) continue;
      yield {
        width,
        height,
        channels: 1,
        pixels,
        meta: {
          format: 'nifti',
          width,
          height,
          pixelSpacing: [spacingRows, spacingCols],
          window: { center: (lo + hi) / 2, width: hi - lo },
          slice: s,
          volume: nt > 1 ? t : undefined,
        },
      };
    }
  }
}
