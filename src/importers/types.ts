/**
 * Shared types of the import core. Everything here is plain data so it can cross a comlink
 * boundary (structured clone) between the import worker and the UI.
 */

/** One user file as handed to the pipeline. `bytes` may be lazy so a folder of 10k files is not read up-front. */
export interface ImportFile {
  /** Base name, used in report rows. */
  name: string;
  /** Path relative to the dropped folder (`normal/img1.png`); its parent folder can be the label. */
  relativePath: string;
  bytes: Uint8Array | (() => Promise<Uint8Array> | Uint8Array);
}

export type SourceFormat = 'png' | 'jpeg' | 'dicom' | 'nifti' | 'npz';

/**
 * The only metadata that ever leaves a decoder. It is a whitelist of technical attributes:
 * no names, IDs, dates, UIDs or institutions can be represented here by construction.
 */
export interface TechnicalMetadata {
  format: SourceFormat;
  modality?: string;
  /** Size of the decoded original, before preprocessing. */
  width: number;
  height: number;
  /** Row spacing then column spacing in mm (DICOM PixelSpacing, NIfTI pixdim of the in-plane axes). */
  pixelSpacing?: [number, number];
  /** The window that mapped values to display grey levels. */
  window?: { center: number; width: number };
  photometricInterpretation?: string;
  bitsAllocated?: number;
  bitsStored?: number;
  /** Frame index inside a multi-frame DICOM, slice/volume index inside a NIfTI, row index inside an npz. */
  frame?: number;
  slice?: number;
  volume?: number;
}

/**
 * A decoded image with intensities already mapped to display range [0, 1] (float so that resizing
 * happens before quantisation). Interleaved channels (HWC).
 */
export interface IntensityImage {
  width: number;
  height: number;
  channels: 1 | 3;
  pixels: Float32Array;
  meta: TechnicalMetadata;
  /** Label carried by the source itself (npz). */
  label?: number;
  /** Split carried by the source itself (MedMNIST npz). */
  split?: Split;
  /** Patient/study group index from the per-import grouper; never the identifier itself. */
  group?: number;
}

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/**
 * One image ready for training: square `size`×`size`, `channels` interleaved, stored as Uint8 0..255.
 * Mapping to [-1, 1] happens at training time so the dataset stays compact (1 byte per sample).
 */
export interface PreparedImage {
  size: number;
  channels: 1 | 3;
  pixels: Uint8Array;
  /** Index into the dataset's class names, or -1 when unlabelled. */
  label: number;
  split?: Split;
  /** Patient group index (same index ⇒ same patient/study). Undefined when the file does not identify one. */
  group?: number;
  /** Hash of `pixels` (hex) for exact-duplicate detection. */
  pixelHash: string;
  /** Which input produced it (file name as the user named it; never DICOM identifiers). */
  source: { file: string; relativePath: string };
  meta: TechnicalMetadata;
}

export interface RejectedFile {
  file: string;
  relativePath: string;
  /** Why, in the user's terms. */
  reason: string;
  /** The decoder's own message, when the reason translates it (shown under "details"). */
  detail?: string;
}

export interface ImportNotice {
  file?: string;
  message: string;
}

export interface NearDuplicateMember {
  /** Index of the prepared image (import order). */
  index: number;
  split: Split;
  /** Where it came from: file, plus the row, frame or slice inside it. */
  file: string;
}

/** Two images in different splits that are almost the same; `heldOut` is the one in the later split (train < val < test). */
export interface NearDuplicatePair {
  kept: NearDuplicateMember;
  heldOut: NearDuplicateMember;
  /** 1 − SSIM between the two images after matching their brightness and contrast (0 = identical). */
  distance: number;
}

export interface DuplicateGroup {
  pixelHash: string;
  /** Indices of the prepared images (in import order, before any dedupe) that share the same pixels. */
  indices: number[];
  /** Per member: where it came from (file, plus the row, frame or slice inside it). */
  files: string[];
  /** Per member: its split. */
  splits: Split[];
  /** The member kept as the original (the first in train, else the first); the others are copies. */
  original: number;
  crossesSplits: boolean;
}

export interface ImportReport {
  filesSeen: number;
  filesImported: number;
  imagesProduced: number;
  rejected: RejectedFile[];
  notices: ImportNotice[];
  duplicates: DuplicateGroup[];
  classCounts: Record<string, number>;
  /**
   * Images in different splits that are almost the same (1 − SSIM at or below the threshold), found
   * by the studio's import (nearDuplicates.ts); absent where the check did not run.
   */
  nearDuplicates?: NearDuplicatePair[];
  /** What the near-duplicate check cost: images, candidate pairs checked by SSIM, milliseconds. */
  nearDuplicateCheck?: { images: number; candidates: number; ms: number };
  /** How the splits were made, in words (splits.ts describeSplits); set by the import finish. */
  splitMethod?: string;
  elapsedMs: number;
  cancelled: boolean;
}

export interface ImportProgress {
  filesDone: number;
  /** Undefined when the input is a stream of unknown length. */
  filesTotal?: number;
  filesPerSecond: number;
  /** Seconds left, undefined when the total is unknown. */
  etaSeconds?: number;
  imagesProduced: number;
}

/** A complete, labelled, split dataset as the studio stores it. */
export interface StudioDataset {
  size: number;
  channels: 1 | 3;
  classNames: string[];
  images: PreparedImage[];
}

/** What an export needs of a dataset: pixels, labels and splits (a stored dataset has no more). */
export interface ExportableDataset extends Omit<StudioDataset, 'images'> {
  images: Pick<PreparedImage, 'pixels' | 'label' | 'split' | 'size' | 'channels'>[];
}

/** An error whose message is safe to show in a report row. */
export class ImportError extends Error {
  /** The library's own words behind `message`, kept for the "details" disclosure. */
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'ImportError';
  }
}
