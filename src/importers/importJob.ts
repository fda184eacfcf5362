/**
 * Imports the user's files inside the compute worker in two steps, so they can check the result
 * before anything becomes a dataset:
 *   1. stage: decode, preprocess and write pixel chunks (streamed: memory stays bounded), then the
 *      shared import finish (importFinish.ts, the same as `npm run convert`) settles classes,
 *      splits, duplicates and notices; the UI shows the report, class counts and a preview;
 *   2. commit (write the metadata pointer) or discard (delete the staged chunks).
 * Staged chunks that are never committed (tab closed) are swept at the next start.
 */
import { importFiles, type ImportOptions } from './pipeline';
import { finishImport, type FinishedImport, type ImageFacts } from './importFinish';
import type { LabelSource } from './labels';
import type { WindowChoice } from './dicom/window';
import type { NiftiSliceOptions } from './nifti';
import type { ImportReport, Split, TechnicalMetadata } from './types';
import type { CancelToken, ProgressCallback } from '../core/jobControl';
import type { ImagePage } from '../storage/datasetStore';
import type { KeyValueStore } from '../storage/keyValueStore';
import { readImagesAt } from '../storage/datasetSplits';
import { commitDataset, compactStaged, DEFAULT_CHUNK_SIZE, discardStaged, newDatasetId, stageChunks, SPLIT_CODES, type DatasetChunk, type DatasetMeta } from '../storage/datasetStore';
import { describeSource } from './duplicates';
import { confirmNearDuplicates, NearDuplicateIndex, nearDuplicateNotice } from './nearDuplicates';
import type { NearDuplicatePair } from './types';

export interface ImportSettings {
  name: string;
  size: number;
  channels: 1 | 3;
  fit: 'crop' | 'pad';
  labels: LabelSource;
  window: WindowChoice;
  nifti: NiftiSliceOptions;
  seed: number;
  fractions: [number, number, number];
  /** Import DICOM files whose Burned In Annotation is YES (their pixels may show identifying text); off unless ticked. */
  includeBurnedInAnnotation?: boolean;
}

export interface ImportInputFile {
  file: Blob;
  name: string;
  relativePath: string;
}

export interface StagedImport {
  stagingId: string;
  count: number;
  width: number;
  channels: 1 | 3;
  classNames: string[];
  classCounts: Record<string, number>;
  splitCounts: Record<Split, number>;
  report: ImportReport;
  /** The first images, for the preview grid. */
  preview: ImagePage;
  /**
   * The images of the first near-duplicate pairs (report.nearDuplicates), for showing them side by
   * side: pair p's kept image at 2p, its held-out image at 2p + 1, each width² × channels bytes.
   */
  nearDuplicateImages: Uint8Array;
}

/** What to do with a near-duplicate pair's held-out image at commit: move it into its twin's split, or leave it out. */
export interface NearDuplicateResolution {
  heldOut: number;
  action: 'move' | 'drop';
}

/** Near-duplicate pairs whose images travel with the staged import (the report lists every pair). */
export const NEAR_DUPLICATE_PAIRS_SHOWN = 60;

interface StagingRecord {
  meta: Omit<DatasetMeta, 'chunkCount' | 'byteLength'>;
  chunkCount: number;
  labels: Uint8Array;
  splits: Uint8Array;
  attributes: TechnicalMetadata[];
  nearDuplicates: NearDuplicatePair[];
}

const PREVIEW_COUNT = 24;

export class ImportJobs {
  private staged = new Map<string, StagingRecord>();
  /** Files handed over in batches before stage() (see queue()). */
  private queued: ImportInputFile[] = [];

  constructor(private readonly store: KeyValueStore) {}

  /** Accepts files ahead of stage(), so thousands can cross from the UI in several small messages. */
  queue(files: ImportInputFile[]): number {
    this.queued.push(...files);
    return this.queued.length;
  }

  clearQueue(): void {
    this.queued = [];
  }

  async stage(given: ImportInputFile[], settings: ImportSettings, onProgress: ProgressCallback, cancel?: CancelToken): Promise<StagedImport> {
    const files = [...this.queued, ...given];
    this.queued = [];
    if (files.length === 0) throw new Error('No files were given to import');
    const id = newDatasetId();
    const controller = new AbortController();
    const label = `Importing ${files.length} file${files.length === 1 ? '' : 's'}`;
    const options: ImportOptions = {
      size: settings.size,
      channels: settings.channels,
      fit: settings.fit,
      labels: settings.labels,
      window: settings.window,
      nifti: settings.nifti,
      includeBurnedInAnnotation: settings.includeBurnedInAnnotation === true,
      signal: controller.signal,
      filesTotal: files.length,
      onProgress: (p) =>
        onProgress({
          done: p.filesDone,
          total: files.length,
          label,
          detail: `${p.filesPerSecond.toFixed(1)} files/s · ${p.imagesProduced} images`,
        }),
    };
    const run = importFiles(
      files.map((f) => ({ name: f.name, relativePath: f.relativePath, bytes: async () => new Uint8Array(await f.file.arrayBuffer()) })),
      options,
    );
    const facts: ImageFacts[] = [];
    const near = new NearDuplicateIndex();
    const preview: Uint8Array[] = [];
    const perImage = settings.size * settings.size * settings.channels;
    const chunkSize = DEFAULT_CHUNK_SIZE;

    async function* chunks(): AsyncGenerator<DatasetChunk> {
      let buffer = new Uint8Array(chunkSize * perImage);
      let filled = 0;
      for await (const image of run.images) {
        if (facts.length % 32 === 0 && cancel && (await cancel.isCancelled())) controller.abort();
        facts.push({ label: image.label, group: image.group, split: image.split, pixelHash: image.pixelHash, source: image.source, meta: image.meta });
        if (preview.length < PREVIEW_COUNT) preview.push(image.pixels);
        near.add(image.pixels, settings.size, settings.channels);
        buffer.set(image.pixels, filled * perImage);
        if (++filled === chunkSize) {
          yield { pixels: buffer };
          buffer = new Uint8Array(chunkSize * perImage);
          filled = 0;
        }
      }
      if (filled > 0) yield { pixels: buffer.slice(0, filled * perImage) };
    }

    onProgress({ done: 0, total: files.length, label });
    const written = await stageChunks(this.store, { id, name: settings.name, width: settings.size, height: settings.size, channels: settings.channels, chunkSize }, chunks());
    let finished: FinishedImport;
    try {
      // No dedupe here: the staged chunks hold every image, so the finish must keep them all.
      finished = finishImport(facts, run.classNames, run.report, { seed: settings.seed, fractions: settings.fractions });
    } catch (error) {
      await discardStaged(this.store, id, written.chunkCount);
      throw error;
    }
    const { classNames, labels, splits } = finished;
    const splitCodes = Uint8Array.from(splits, (s) => SPLIT_CODES[s]);
    const stagedMeta = { id, name: settings.name, width: settings.size, height: settings.size, channels: settings.channels, chunkSize, count: facts.length } as DatasetMeta;
    const perImageBytes = settings.size * settings.size * settings.channels;
    // One read per chunk, not per image: a staged chunk holds 256 images.
    const readAt = async (indices: number[]) => {
      const all = await readImagesAt(this.store, stagedMeta, indices);
      return indices.map((_, k) => all.subarray(k * perImageBytes, (k + 1) * perImageBytes));
    };
    let nearDuplicates: NearDuplicatePair[];
    let nearDuplicateImages: Uint8Array;
    try {
      onProgress({ done: files.length, total: files.length, label: 'Looking for near-duplicates across splits' });
      const t0 = performance.now();
      const candidates = near.candidates(splits, facts.map((f) => f.pixelHash));
      const sourceSplits = facts.map((f) => f.split);
      nearDuplicates = await confirmNearDuplicates(candidates, { splits, files: (i) => describeSource(facts[i], sourceSplits[i]) }, readAt, { size: settings.size, channels: settings.channels });
      finished.report.nearDuplicates = nearDuplicates;
      finished.report.nearDuplicateCheck = { images: facts.length, candidates: candidates.length, ms: Math.round(performance.now() - t0) };
      const notice = nearDuplicateNotice(nearDuplicates);
      if (notice) finished.report.notices.push({ message: `${notice}; see the pairs below and choose what to do before saving` });
      const shown = nearDuplicates.slice(0, NEAR_DUPLICATE_PAIRS_SHOWN);
      const pixels = await readAt(shown.flatMap((p) => [p.kept.index, p.heldOut.index]));
      nearDuplicateImages = new Uint8Array(pixels.length * perImageBytes);
      pixels.forEach((p, i) => nearDuplicateImages.set(p, i * perImageBytes));
    } catch (error) {
      await discardStaged(this.store, id, written.chunkCount);
      throw error;
    }
    this.staged.set(id, {
      meta: {
        id,
        name: settings.name,
        source: 'import',
        description: `Imported from ${run.report.filesImported} file(s) at ${settings.size} px, ${settings.channels === 1 ? 'grey' : 'RGB'}, ${settings.fit}`,
        width: settings.size,
        height: settings.size,
        channels: settings.channels,
        count: facts.length,
        classNames,
        chunkSize,
        createdAt: Date.now(),
      },
      chunkCount: written.chunkCount,
      labels,
      splits: splitCodes,
      attributes: facts.map((f) => f.meta),
      nearDuplicates,
    });
    const previewPixels = new Uint8Array(preview.length * perImage);
    preview.forEach((p, i) => previewPixels.set(p, i * perImage));
    return {
      stagingId: id,
      count: facts.length,
      width: settings.size,
      channels: settings.channels,
      classNames,
      classCounts: finished.classCounts,
      splitCounts: finished.splitCounts,
      report: finished.report,
      preview: { pixels: previewPixels, labels: labels.slice(0, preview.length), splits: splitCodes.slice(0, preview.length) },
      nearDuplicateImages,
    };
  }

  /**
   * Makes the staged import a dataset. `resolutions` act on near-duplicate pairs: 'move' puts the
   * held-out image in its twin's split, 'drop' leaves it out of the dataset (its chunks are compacted).
   */
  async commit(stagingId: string, name?: string, resolutions: NearDuplicateResolution[] = []): Promise<DatasetMeta> {
    const record = this.take(stagingId);
    let { labels, splits, attributes, chunkCount } = record;
    let count = record.meta.count;
    const pairOf = new Map(record.nearDuplicates.map((p) => [p.heldOut.index, p]));
    const drop = new Set<number>();
    splits = splits.slice();
    for (const r of resolutions) {
      const pair = pairOf.get(r.heldOut);
      if (!pair) throw new Error(`Image ${r.heldOut} is not the held-out member of a near-duplicate pair`);
      if (r.action === 'drop') drop.add(r.heldOut);
      else splits[r.heldOut] = splits[pair.kept.index];
    }
    if (drop.size > 0) {
      try {
        const compacted = await compactStaged(this.store, record.meta, record.chunkCount, (i) => !drop.has(i));
        chunkCount = compacted.chunkCount;
        count = compacted.count;
      } catch (error) {
        await discardStaged(this.store, stagingId, record.chunkCount);
        throw error;
      }
      const keep = (_: unknown, i: number) => !drop.has(i);
      labels = labels.filter(keep);
      splits = splits.filter(keep);
      attributes = attributes.filter(keep);
    }
    const meta = { ...record.meta, count, name: name?.trim() || record.meta.name };
    return commitDataset(this.store, meta, { labels, splits }, chunkCount, attributes);
  }

  async discard(stagingId: string): Promise<void> {
    const record = this.take(stagingId);
    await discardStaged(this.store, stagingId, record.chunkCount);
  }

  private take(stagingId: string): StagingRecord {
    const record = this.staged.get(stagingId);
    if (!record) throw new Error('This import preview has expired (the studio was reloaded); please import the files again');
    this.staged.delete(stagingId);
    return record;
  }
}
