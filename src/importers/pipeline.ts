/**
 * The import pipeline: files in, PreparedImages out, one report row per refused file.
 *
 * Memory stays bounded by the largest single input: each file's bytes and decoded originals are
 * dropped as soon as its images are prepared; only the small Uint8 outputs are yielded.
 */
import { PatientGrouper, pixelHash } from './grouping';
import { countClasses, LabelResolver, type LabelSource } from './labels';
import { preprocess, validatePreprocessOptions, type PreprocessOptions } from './preprocess';
import { decodeFile, type DecodeOptions } from './sources';
import { finishImport, type FinishOptions } from './importFinish';
import { describeSource } from './duplicates';
import { findNearDuplicates, nearDuplicateNotice } from './nearDuplicates';
import { ImportError, type ImportFile, type ImportProgress, type ImportReport, type PreparedImage, type StudioDataset } from './types';
import { errorMessage, explainError, translateLibraryMessage } from '../core/errorMessage';

export interface ImportOptions extends PreprocessOptions, DecodeOptions {
  labels?: LabelSource;
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  /** Number of files, when known, for progress and ETA. */
  filesTotal?: number;
}

export interface ImportRun {
  images: AsyncGenerator<PreparedImage, void, void>;
  /** Filled while `images` is consumed; complete when it finishes. */
  report: ImportReport;
  classNames: string[];
}

/** Give the event loop a turn now and then so an AbortSignal raised by a worker message can land. */
function createYielder(everyMs = 50): () => Promise<void> {
  let last = Date.now();
  return async () => {
    if (Date.now() - last < everyMs) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    last = Date.now();
  };
}

/**
 * A reason for a failure no decoder anticipated. Wasm codecs throw bare numbers and allocation
 * failures surface as RangeErrors; neither message means anything to a user on its own.
 */
export function unexpectedFailure(error: unknown): string {
  if (typeof error === 'number') return 'the decoder stopped on corrupt or unsupported data';
  if (error instanceof RangeError && /allocation|array length|buffer/i.test(error.message)) return `too large to decode in memory (${error.message})`;
  // A TypeError from inside a decoder ("reading '1' of undefined") is a symptom of corrupt input, not a reason.
  if (error instanceof TypeError) return 'could not be read: the decoder failed on corrupt data';
  const words = translateLibraryMessage(errorMessage(error));
  return words ? `could not be read: ${words}` : 'could not be read: the file looks corrupt (see details)';
}

function hasNonFinite(pixels: Float32Array): boolean {
  for (let i = 0; i < pixels.length; i++) if (!Number.isFinite(pixels[i])) return true;
  return false;
}

export function importFiles(files: Iterable<ImportFile> | AsyncIterable<ImportFile>, options: ImportOptions): ImportRun {
  validatePreprocessOptions(options);
  const labels = new LabelResolver(options.labels ?? { kind: 'none' });
  const report: ImportReport = {
    filesSeen: 0,
    filesImported: 0,
    imagesProduced: 0,
    rejected: [],
    notices: [],
    duplicates: [],
    classCounts: {},
    elapsedMs: 0,
    cancelled: false,
  };

  async function* run(): AsyncGenerator<PreparedImage, void, void> {
    const grouper = new PatientGrouper();
    const started = Date.now();
    const yieldNow = createYielder();
    const sizes = new Set<string>();
    const channelCounts = new Map<number, number>();
    const labelList: number[] = [];
    const context = { grouper, labels, notice: (n: { file?: string; message: string }) => report.notices.push(n) };

    const progress = () => {
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? report.filesSeen / seconds : 0;
      options.onProgress?.({
        filesDone: report.filesSeen,
        filesTotal: options.filesTotal,
        filesPerSecond: rate,
        etaSeconds: options.filesTotal !== undefined && rate > 0 ? (options.filesTotal - report.filesSeen) / rate : undefined,
        imagesProduced: report.imagesProduced,
      });
    };

    try {
      for await (const file of files) {
        if (options.signal?.aborted) {
          report.cancelled = true;
          break;
        }
        report.filesSeen++;
        let produced = 0;
        try {
          const bytes = typeof file.bytes === 'function' ? await file.bytes() : file.bytes;
          const folderLabel = labels.nameFor(file.relativePath);
          const fixedSplit = labels.splitFor(file.relativePath);
          for await (const image of decodeFile(bytes, file.name, options, context)) {
            if (options.signal?.aborted) break;
            if (hasNonFinite(image.pixels)) throw new ImportError(`image ${produced + 1} of the file holds NaN/Inf pixel values after decoding`);
            sizes.add(`${image.width}x${image.height}`);
            channelCounts.set(image.channels, (channelCounts.get(image.channels) ?? 0) + 1);
            const pixels = preprocess(image, options);
            const label = image.label ?? labels.labelFor(folderLabel, file.name);
            labelList.push(label);
            produced++;
            report.imagesProduced++;
            yield {
              size: options.size,
              channels: options.channels,
              pixels,
              label,
              split: image.split ?? fixedSplit,
              group: image.group,
              pixelHash: pixelHash(pixels, options.size, options.channels),
              source: { file: file.name, relativePath: file.relativePath },
              meta: image.meta,
            };
            await yieldNow();
          }
          if (produced > 0) report.filesImported++;
          else if (!options.signal?.aborted) report.notices.push({ file: file.name, message: 'no image kept (all slices near-empty or no frames selected)' });
        } catch (error) {
          // Library messages are translated into the user's terms; the original stays as the detail.
          const explained = error instanceof ImportError ? explainError(error) : { message: unexpectedFailure(error), detail: typeof error === 'number' ? `error code ${error}` : errorMessage(error) };
          const reason = explained.message;
          // A multi-image file that failed half-way keeps what it produced; the row says so.
          report.rejected.push({
            file: file.name,
            relativePath: file.relativePath,
            reason: produced > 0 ? `${reason} (after ${produced} images)` : reason,
            ...(explained.detail ? { detail: explained.detail } : {}),
          });
        }
        if (options.signal?.aborted) report.cancelled = true;
        progress();
        await yieldNow();
      }
    } finally {
      for (const message of labels.csvNotices()) report.notices.push({ message });
      if (sizes.size > 1) report.notices.push({ message: `mixed original sizes (${sizes.size} distinct); all resized to ${options.size}x${options.size}` });
      if (channelCounts.size > 1) {
        const other = options.channels === 1 ? 3 : 1;
        report.notices.push({ message: `mixed channel counts: ${channelCounts.get(other) ?? 0} images converted to ${options.channels === 1 ? 'grey' : 'RGB'}` });
      }
      report.classCounts = countClasses(labelList, labels.classNames);
      report.elapsedMs = Date.now() - started;
    }
  }

  return { images: run(), report, classNames: labels.classNames };
}

/**
 * The in-memory entry point (`npm run convert`, tests): every image is kept with its pixels, then
 * the shared import finish gives the final classes, splits, duplicates and notices — the same
 * finish the studio's ImportJobs applies to images it streams to storage.
 */
export async function importDataset(
  files: Iterable<ImportFile> | AsyncIterable<ImportFile>,
  /** nearDuplicates: false skips the near-duplicate check across splits (on by default, as in the studio's import). */
  options: ImportOptions & Partial<FinishOptions> & { nearDuplicates?: boolean },
): Promise<{ dataset: StudioDataset; report: ImportReport }> {
  const run = importFiles(files, options);
  const images: PreparedImage[] = [];
  for await (const image of run.images) images.push(image);
  const finished = finishImport(images, run.classNames, run.report, { seed: options.seed ?? 0, fractions: options.fractions, dedupe: options.dedupe });
  const kept = finished.kept.map((i, k): PreparedImage => ({ ...images[i], label: finished.labels[k], split: finished.splits[k] }));
  if (options.nearDuplicates !== false) {
    // The studio's near-duplicate check across the final splits, on the images kept (after any dedupe).
    const { pairs, check } = await findNearDuplicates(kept, (k) => describeSource(kept[k], images[finished.kept[k]].split), { size: options.size, channels: options.channels });
    finished.report.nearDuplicates = pairs;
    finished.report.nearDuplicateCheck = check;
    const notice = nearDuplicateNotice(pairs);
    if (notice) finished.report.notices.push({ message: notice });
  }
  return { dataset: { size: options.size, channels: options.channels, classNames: finished.classNames, images: kept }, report: finished.report };
}
