/**
 * DICOM → display-ready frames. Identifying attributes are read in exactly one place
 * (`patientKey`) and only so the caller's grouper can turn them into an anonymous group index;
 * everything else that leaves this module is on the TechnicalMetadata whitelist.
 */
import { translateLibraryMessage } from '../../core/errorMessage';
import dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { inflateCapped } from '../formats/inflate';
import { MAX_FRAMES, MAX_IMAGE_SIDE } from '../limits';
import { ImportError, type IntensityImage, type TechnicalMetadata } from '../types';
import { definedModality, definedPhotometric } from './definedTerms';
import { readStoredFrame, type PixelLayout, type StoredFrame } from './frames';
import { TRANSFER_SYNTAXES } from './transferSyntax';
import { applyWindow, CT_WINDOW_PRESETS, rangeWindow, type VoiWindow, type WindowChoice } from './window';

export interface DicomImage {
  layout: PixelLayout;
  transferSyntax: string;
  modality?: string;
  photometric: string;
  pixelSpacing?: [number, number];
  /** Patient identity for grouping (PatientID, else StudyInstanceUID). Must only be passed to a grouper. */
  patientKey?: string;
  storedFrame(index: number): Promise<StoredFrame>;
  /** Rescale slope/intercept for a frame (enhanced multi-frame functional groups win over the top level). */
  rescale(index: number): { slope: number; intercept: number };
  /** The file's own VOI window for a frame, if any. */
  fileWindow(index: number): VoiWindow | undefined;
  /** Burned In Annotation (0028,0301) is YES: the pixels may show identifying text. */
  burnedInAnnotation: boolean;
  /** Palette colour lookup, when photometric is PALETTE COLOR. */
  palette?: { red: Uint16Array; green: Uint16Array; blue: Uint16Array; firstMapped: number; bits: number };
}

const hasDicmPreamble = (bytes: Uint8Array) => bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;

export function looksLikeDicom(bytes: Uint8Array): boolean {
  return hasDicmPreamble(bytes);
}

/** Deflated transfer syntax: the data set after the meta group is raw deflate, inflated under the import's cap. */
function inflateDataSet(bytes: Uint8Array, position: number): Uint8Array {
  const inflated = inflateCapped(bytes.subarray(position), 'deflate', { what: 'the deflated DICOM data set' });
  const out = new Uint8Array(position + inflated.length);
  out.set(bytes.subarray(0, position));
  out.set(inflated, position);
  return out;
}

function parse(bytes: Uint8Array): DataSet {
  try {
    return dicomParser.parseDicom(bytes, { inflater: inflateDataSet } as unknown as Parameters<typeof dicomParser.parseDicom>[1]);
  } catch (error) {
    if (error instanceof ImportError) throw error;
    // dicom-parser throws plain strings or {exception, dataSet}; keep only its message.
    const message = typeof error === 'string' ? error : error instanceof Error ? error.message : String((error as { exception?: unknown })?.exception ?? error);
    const detail = message.replace(/^dicomParser[.:]\w+: /, '');
    // "buffer overrun" and "read past end of buffer" both mean an element ran past the file's end.
    const overrun = /overrun|past end of buffer/.test(detail);
    const words = overrun ? "the file ends early (truncated), or an element's length runs past its end" : translateLibraryMessage(detail);
    throw new ImportError(words ? `not a readable DICOM file: ${words}` : `not a readable DICOM file (${detail})`, detail);
  }
}

function numbers(dataSet: DataSet | undefined, tag: string): number[] | undefined {
  const text = dataSet?.string(tag);
  if (!text) return undefined;
  const values = text.split('\\').map(Number).filter(Number.isFinite);
  return values.length ? values : undefined;
}

function firstItem(dataSet: DataSet | undefined, tag: string): DataSet | undefined {
  return dataSet?.elements[tag]?.items?.[0]?.dataSet;
}

/** Functional group macro item for a frame: per-frame first, then shared. */
function functionalGroup(dataSet: DataSet, frame: number, macroTag: string): DataSet | undefined {
  const perFrame = dataSet.elements.x52009230?.items?.[frame]?.dataSet;
  return firstItem(perFrame, macroTag) ?? firstItem(firstItem(dataSet, 'x52009229'), macroTag);
}

function readLut(dataSet: DataSet, descriptorTag: string, dataTag: string): { data: Uint16Array; firstMapped: number; bits: number } | undefined {
  const descriptor = dataSet.elements[descriptorTag];
  const element = dataSet.elements[dataTag];
  if (!descriptor || !element) return undefined;
  const entries = dataSet.uint16(descriptorTag, 0) || 65536;
  const firstMapped = dataSet.uint16(descriptorTag, 1) ?? 0;
  const bits = dataSet.uint16(descriptorTag, 2) ?? 16;
  const data = new Uint16Array(entries);
  const bytesPerEntry = element.length >= entries * 2 ? 2 : 1;
  for (let i = 0; i < entries; i++) {
    data[i] = bytesPerEntry === 2 ? dataSet.byteArrayParser.readUint16(dataSet.byteArray, element.dataOffset + 2 * i) : dataSet.byteArray[element.dataOffset + i];
  }
  return { data, firstMapped, bits };
}

/** NumberOfFrames (0028,0008), refused above MAX_FRAMES before anything per frame is allocated. */
function declaredFrames(dataSet: DataSet): number {
  const text = dataSet.string('x00280008')?.trim();
  if (!text) return 1;
  const frames = Number(text);
  if (!Number.isInteger(frames) || frames < 0) throw new ImportError(`Number of Frames "${text.slice(0, 20)}" is not a whole number`);
  if (frames > MAX_FRAMES) throw new ImportError(`Number of Frames is ${frames}, over the ${MAX_FRAMES} limit for one file`);
  return Math.max(1, frames);
}

/** The declared frames must fit in the pixel data: a header that promises more is corrupt, not short of frames. */
function checkFramesFit(layout: PixelLayout, pixel: Element, native: boolean): void {
  const samples = layout.rows * layout.columns * layout.samplesPerPixel;
  if (native) {
    const frameBytes = layout.bitsAllocated === 1 ? samples / 8 : samples * Math.max(1, layout.bitsAllocated / 8);
    const needed = Math.ceil(frameBytes * layout.frameCount);
    if (needed > pixel.length) {
      throw new ImportError(`the header promises ${layout.frameCount} frame(s) of ${layout.columns}x${layout.rows} (${needed} bytes) but the pixel data holds ${pixel.length} bytes`);
    }
  } else if (pixel.fragments && layout.frameCount > pixel.fragments.length) {
    throw new ImportError(`the header promises ${layout.frameCount} frames but the pixel data has only ${pixel.fragments.length} fragment(s)`);
  }
}

export function readDicom(bytes: Uint8Array): DicomImage {
  if (!hasDicmPreamble(bytes)) throw new ImportError('not a DICOM Part 10 file (no DICM preamble)');
  const dataSet = parse(bytes);
  const transferSyntax = dataSet.string('x00020010')?.trim() ?? '1.2.840.10008.1.2';
  const syntax = TRANSFER_SYNTAXES[transferSyntax];
  if (!syntax) throw new ImportError(`unsupported transfer syntax ${transferSyntax}`);
  const pixel: Element | undefined = dataSet.elements.x7fe00010;
  if (!pixel) throw new ImportError('DICOM file has no pixel data (not an image)');
  const rows = dataSet.uint16('x00280010') ?? 0;
  const columns = dataSet.uint16('x00280011') ?? 0;
  if (!rows || !columns) throw new ImportError('DICOM image has no Rows/Columns');
  if (rows > MAX_IMAGE_SIDE || columns > MAX_IMAGE_SIDE) throw new ImportError(`image is ${columns}x${rows}, over the ${MAX_IMAGE_SIDE} px limit`);
  const bitsAllocated = dataSet.uint16('x00280100') ?? 16;
  const layout: PixelLayout = {
    rows,
    columns,
    samplesPerPixel: dataSet.uint16('x00280002') ?? 1,
    bitsAllocated,
    bitsStored: dataSet.uint16('x00280101') ?? bitsAllocated,
    signed: dataSet.uint16('x00280103') === 1,
    planarConfiguration: dataSet.uint16('x00280006') ?? 0,
    frameCount: declaredFrames(dataSet),
  };
  // Checked before any per-frame size is computed from them: a flipped byte here would multiply every allocation.
  if (layout.samplesPerPixel !== 1 && layout.samplesPerPixel !== 3) throw new ImportError(`unsupported Samples per Pixel ${layout.samplesPerPixel} (1 or 3 are)`);
  if (![1, 8, 16, 32].includes(layout.bitsAllocated)) throw new ImportError(`unsupported Bits Allocated ${layout.bitsAllocated} (1, 8, 16 or 32 are)`);
  checkFramesFit(layout, pixel, syntax.encoding === 'native');
  const photometric = (dataSet.string('x00280004') ?? 'MONOCHROME2').trim().toUpperCase();
  const spacing = numbers(dataSet, 'x00280030') ?? numbers(functionalGroup(dataSet, 0, 'x00289110'), 'x00280030');
  const palette =
    photometric === 'PALETTE COLOR'
      ? (() => {
          const red = readLut(dataSet, 'x00281101', 'x00281201');
          const green = readLut(dataSet, 'x00281102', 'x00281202');
          const blue = readLut(dataSet, 'x00281103', 'x00281203');
          if (!red || !green || !blue) throw new ImportError('PALETTE COLOR image without its lookup tables');
          return { red: red.data, green: green.data, blue: blue.data, firstMapped: red.firstMapped, bits: red.bits };
        })()
      : undefined;
  const patientKey = dataSet.string('x00100020')?.trim() || dataSet.string('x0020000d')?.trim() || undefined;

  return {
    layout,
    transferSyntax,
    modality: definedModality(dataSet.string('x00080060')),
    photometric,
    pixelSpacing: spacing && spacing.length >= 2 ? [spacing[0], spacing[1]] : undefined,
    patientKey,
    burnedInAnnotation: dataSet.string('x00280301')?.trim().toUpperCase() === 'YES',
    palette,
    storedFrame(index) {
      if (index < 0 || index >= layout.frameCount) throw new ImportError(`frame ${index} out of range (0..${layout.frameCount - 1})`);
      return readStoredFrame(dataSet, pixel, layout, syntax.encoding, syntax.bigEndian === true, index, photometric);
    },
    rescale(index) {
      const group = functionalGroup(dataSet, index, 'x00289145');
      const slope = numbers(group, 'x00281053')?.[0] ?? numbers(dataSet, 'x00281053')?.[0] ?? 1;
      const intercept = numbers(group, 'x00281052')?.[0] ?? numbers(dataSet, 'x00281052')?.[0] ?? 0;
      return { slope, intercept };
    },
    fileWindow(index) {
      const group = functionalGroup(dataSet, index, 'x00289132');
      const center = numbers(group, 'x00281050')?.[0] ?? numbers(dataSet, 'x00281050')?.[0];
      const width = numbers(group, 'x00281051')?.[0] ?? numbers(dataSet, 'x00281051')?.[0];
      return center !== undefined && width !== undefined && width > 0 ? { center, width } : undefined;
    },
  };
}

/** Modality LUT: stored values → real-world values (HU for CT). */
export function modalityValues(image: DicomImage, frame: StoredFrame, index: number): Float32Array {
  const { slope, intercept } = image.rescale(index);
  const out = new Float32Array(frame.values.length);
  for (let i = 0; i < out.length; i++) out[i] = frame.values[i] * slope + intercept;
  return out;
}

function ybrFullToRgb(values: Int32Array, out: Float32Array, max: number): void {
  for (let i = 0; i < values.length; i += 3) {
    const y = values[i];
    const cb = values[i + 1] - (max + 1) / 2;
    const cr = values[i + 2] - (max + 1) / 2;
    out[i] = clamp01((y + 1.402 * cr) / max);
    out[i + 1] = clamp01((y - 0.344136 * cb - 0.714136 * cr) / max);
    out[i + 2] = clamp01((y + 1.772 * cb) / max);
  }
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

export interface DicomDisplayOptions {
  window?: WindowChoice;
}

/** One frame as an IntensityImage in [0, 1]: modality LUT, VOI window, MONOCHROME1 inversion, colour conversion. */
export async function dicomFrameToIntensity(image: DicomImage, index: number, options: DicomDisplayOptions = {}): Promise<IntensityImage> {
  const { layout, photometric } = image;
  const frame = await image.storedFrame(index);
  const meta: TechnicalMetadata = {
    format: 'dicom',
    modality: image.modality,
    width: layout.columns,
    height: layout.rows,
    pixelSpacing: image.pixelSpacing,
    photometricInterpretation: definedPhotometric(photometric),
    bitsAllocated: layout.bitsAllocated,
    bitsStored: layout.bitsStored,
    frame: layout.frameCount > 1 ? index : undefined,
  };
  const base = { width: layout.columns, height: layout.rows, meta };

  if (photometric === 'PALETTE COLOR' && image.palette) {
    const { red, green, blue, firstMapped, bits } = image.palette;
    const max = bits === 8 ? 255 : 65535;
    const pixels = new Float32Array(frame.values.length * 3);
    for (let i = 0; i < frame.values.length; i++) {
      const entry = Math.min(red.length - 1, Math.max(0, frame.values[i] - firstMapped));
      pixels[3 * i] = red[entry] / max;
      pixels[3 * i + 1] = green[entry] / max;
      pixels[3 * i + 2] = blue[entry] / max;
    }
    return { ...base, channels: 3, pixels };
  }
  if (layout.samplesPerPixel === 3) {
    const max = 2 ** layout.bitsStored - 1;
    const pixels = new Float32Array(frame.values.length);
    if (photometric.startsWith('YBR_FULL') && !frame.convertedToRgb) ybrFullToRgb(frame.values, pixels, max);
    else for (let i = 0; i < pixels.length; i++) pixels[i] = clamp01(frame.values[i] / max);
    return { ...base, channels: 3, pixels };
  }
  if (layout.samplesPerPixel !== 1) throw new ImportError(`unsupported Samples per Pixel ${layout.samplesPerPixel}`);

  const values = modalityValues(image, frame, index);
  const choice = options.window ?? { kind: 'file' };
  const window =
    choice.kind === 'custom'
      ? choice.window
      : choice.kind === 'preset'
        ? CT_WINDOW_PRESETS[choice.preset]
        : choice.kind === 'file'
          ? (image.fileWindow(index) ?? rangeWindow(values))
          : rangeWindow(values);
  const pixels = applyWindow(values, window);
  if (photometric === 'MONOCHROME1') for (let i = 0; i < pixels.length; i++) pixels[i] = 1 - pixels[i];
  return { ...base, channels: 1, pixels, meta: { ...meta, window } };
}
