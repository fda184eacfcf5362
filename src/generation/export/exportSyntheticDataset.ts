/**
 * A stored synthetic dataset written out with its marks: one PNG, a ZIP of PNGs (labels.csv, run
 * card, audit), a MedMNIST-layout npz (with class_names, run card and audit), one DICOM file or a
 * ZIP of DICOM files.
 * Used by the Generate stage's downloads and by the Data stage's export of a synthetic dataset.
 */
import type { KeyValueStore } from '../../storage/keyValueStore';
import { getDatasetIndex, getDatasetMeta, readImages, SPLIT_CODES, type DatasetMeta, type DatasetProvenance, type Split } from '../../storage/datasetStore';
import { exportNpz } from '../../importers/exportDataset';
import { loadRun } from '../../training/runStore';
import type { RunRecord } from '../../training/runTypes';
import { describeCollapse, describeTrainingLength, latestCollapse } from '../../training/collapse';
import { listExportAudits } from '../exportAuditStore';
import { seedsOfImages } from '../imageSeeds';
import { encodeSyntheticDicom, newDicomSeries, syntheticDicomName } from './syntheticDicom';
import { encodeSyntheticPng, syntheticPngName, type MarkedImage } from './syntheticPng';
import { syntheticDicomZip, syntheticPngZip, type SyntheticZipContent } from './syntheticZip';
import { safeName, STUDIO_SOFTWARE, SYNTHETIC_PREFIX } from './syntheticMark';

export const NPZ_RUN_CARD_KEY = 'synthetic_run_card';
export const NPZ_AUDIT_KEY = 'synthetic_audit';

export type SyntheticExportFormat = 'png' | 'zip' | 'npz' | 'dicom' | 'dicom-zip';

export interface SyntheticFile {
  fileName: string;
  mimeType: string;
  bytes: Uint8Array;
}

const SPLIT_NAMES = Object.keys(SPLIT_CODES) as Split[];

export function requireProvenance(meta: DatasetMeta): DatasetProvenance {
  if (!meta.provenance) throw new Error(`"${meta.name}" is not a synthetic dataset saved by this version of the studio (it has no provenance)`);
  return meta.provenance;
}

/** run_card.json: the provenance, the run's settings when the run still exists, and the dataset's counts. */
async function runCard(store: KeyValueStore, meta: DatasetMeta, provenance: DatasetProvenance, labels: Uint8Array): Promise<unknown> {
  const run = await loadRun(store, provenance.runId).catch(() => null);
  const perClass = meta.classNames.map((_, c) => labels.reduce((n, l) => n + (l === c ? 1 : 0), 0));
  return {
    synthetic: true,
    software: STUDIO_SOFTWARE,
    dataset: { id: meta.id, name: meta.name, description: meta.description, count: meta.count, width: meta.width, height: meta.height, channels: meta.channels, classNames: meta.classNames, perClass, createdAt: new Date(meta.createdAt).toISOString() },
    provenance,
    run: run ? { id: run.id, name: run.settings.name, status: run.status, step: run.step, settings: run.settings, config: run.config, trainedOn: run.settings.datasetId, quality: runQuality(run, provenance.step) } : null,
  };
}

/**
 * What the run card says about the images' quality: how far the run trained, the fixed-noise grid's
 * diversity at the exported step (mode collapse), what "best" means and its measure, and warnings.
 */
export function runQuality(run: RunRecord, step: number) {
  const length = describeTrainingLength(run);
  const collapse = latestCollapse(run, step);
  const diversity = [...run.samples].sort((a, b) => a.step - b.step).findLast((s) => s.diversity && s.step <= step)?.diversity ?? null;
  return {
    trainedSteps: run.step,
    totalSteps: run.settings.totalSteps,
    diversity,
    modeCollapse: !!collapse,
    best: run.best
      ? {
          step: run.best.step,
          means: run.best.quality ? 'lowest KID of generated images against held-out real images (radiomics features)' : `lowest smoothed ${run.scoreMetric} (no quality measure)`,
          quality: run.best.quality ?? null,
        }
      : null,
    warnings: [...(length.short ? [length.text] : []), ...(collapse ? [describeCollapse(collapse)] : [])],
  };
}

async function auditOf(store: KeyValueStore, provenance: DatasetProvenance): Promise<unknown> {
  const audits = await listExportAudits(store, provenance.runId).catch(() => []);
  return audits.find((a) => a.time === provenance.auditTime) ?? null;
}

/** The dataset's images (all, or the one at `index`) with their marks. */
async function markedImages(store: KeyValueStore, meta: DatasetMeta, provenance: DatasetProvenance, labels: Uint8Array, splits: Uint8Array, index?: number) {
  if (meta.width !== meta.height) throw new Error(`Dataset "${meta.name}" is not square; export needs square images`);
  const start = index ?? 0;
  const count = index === undefined ? meta.count : 1;
  if (!Number.isInteger(start) || start < 0 || start + count > meta.count) throw new Error(`"${meta.name}" has no image ${start}`);
  const pixels = await readImages(store, meta, start, count);
  const per = meta.width * meta.height * meta.channels;
  const seeds = seedsOfImages(provenance, meta.count);
  return Array.from({ length: count }, (_, k): MarkedImage & { split: Split } => ({
    pixels: pixels.subarray(k * per, (k + 1) * per),
    size: meta.width,
    channels: meta.channels,
    split: SPLIT_NAMES[splits[start + k]] ?? 'train',
    mark: { provenance, className: meta.classNames[labels[start + k]] ?? 'synthetic', index: start + k, seed: seeds[start + k] },
  }));
}

export async function exportSyntheticDataset(store: KeyValueStore, datasetId: string, format: SyntheticExportFormat, options: { index?: number } = {}): Promise<SyntheticFile> {
  const meta = await getDatasetMeta(store, datasetId);
  const provenance = requireProvenance(meta);
  const { labels, splits } = await getDatasetIndex(store, datasetId);
  const base = `${SYNTHETIC_PREFIX}${safeName(provenance.runName)}_step${provenance.step}_seed${provenance.seed}`;
  if (format === 'png' || format === 'dicom') {
    const [image] = await markedImages(store, meta, provenance, labels, splits, options.index ?? 0);
    return format === 'png'
      ? { fileName: syntheticPngName(image.mark), mimeType: 'image/png', bytes: encodeSyntheticPng(image) }
      : { fileName: syntheticDicomName(image.mark), mimeType: 'application/dicom', bytes: await encodeSyntheticDicom(image, newDicomSeries()) };
  }
  const images = await markedImages(store, meta, provenance, labels, splits);
  const content: SyntheticZipContent = { images, runCard: await runCard(store, meta, provenance, labels), audit: await auditOf(store, provenance) };
  if (format === 'npz') {
    // The run card and audit travel as one-element unicode arrays of JSON: json.loads(str(npz['synthetic_run_card'][0])).
    const text = (value: unknown) => ({ data: [JSON.stringify(value)], shape: [1] });
    const bytes = exportNpz(
      { size: meta.width, channels: meta.channels, classNames: meta.classNames, images: images.map((image, i) => ({ pixels: image.pixels, label: labels[i], split: image.split, size: meta.width, channels: meta.channels })) },
      { [NPZ_RUN_CARD_KEY]: text(content.runCard), [NPZ_AUDIT_KEY]: text(content.audit) },
    );
    return { fileName: `${base}.npz`, mimeType: 'application/octet-stream', bytes };
  }
  return format === 'zip'
    ? { fileName: `${base}_png.zip`, mimeType: 'application/zip', bytes: syntheticPngZip(content) }
    : { fileName: `${base}_dicom.zip`, mimeType: 'application/zip', bytes: await syntheticDicomZip(content) };
}
