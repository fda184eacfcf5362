/**
 * A synthetic dataset as a ZIP: PNGs (each marked, syntheticPng.ts) laid out as
 * `{split}/{class}/synthetic_<class>_<n>.png` with `labels.csv` (file,label,split), beside
 * `run_card.json` (where the images came from) and `audit.json` (the memorisation audit). Or the
 * same images as DICOM Secondary Capture files, `dicom/synthetic_<class>_<n>.dcm`.
 */
import { zipSync } from 'fflate';
import type { Split } from '../../storage/datasetStore';
import { encodeSyntheticDicom, newDicomSeries, syntheticDicomName } from './syntheticDicom';
import { encodeSyntheticPng, syntheticPngName, type MarkedImage } from './syntheticPng';
import { safeName, seedOfMark } from './syntheticMark';

export interface SyntheticZipContent {
  images: (MarkedImage & { split: Split })[];
  /** run_card.json: the provenance, the run's settings and the dataset's counts. */
  runCard: unknown;
  /** audit.json: the memorisation audit of the export, or null when its record is gone. */
  audit: unknown;
}

export const RUN_CARD_FILE = 'run_card.json';
export const AUDIT_FILE = 'audit.json';

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value, null, 2) + '\n');
const csvField = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** labels.csv's header: the importer reads file, label and split; `seed` is each image's own seed (regenerates it alone). */
const LABELS_HEADER = 'file,label,split,seed';
const labelsRow = (path: string, image: MarkedImage & { split: Split }) => `${path},${csvField(image.mark.className)},${image.split},${seedOfMark(image.mark)}`;

function sideFiles(content: SyntheticZipContent): Record<string, Uint8Array> {
  return { [RUN_CARD_FILE]: json(content.runCard), [AUDIT_FILE]: json(content.audit) };
}

export function syntheticPngZip(content: SyntheticZipContent): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const rows = [LABELS_HEADER];
  for (const image of content.images) {
    const path = `${image.split}/${safeName(image.mark.className)}/${syntheticPngName(image.mark)}`;
    files[path] = encodeSyntheticPng(image);
    rows.push(labelsRow(path, image));
  }
  files['labels.csv'] = new TextEncoder().encode(rows.join('\n') + '\n');
  Object.assign(files, sideFiles(content));
  // PNGs are already deflated; storing them avoids compressing twice.
  return zipSync(files, { level: 0 });
}

export async function syntheticDicomZip(content: SyntheticZipContent): Promise<Uint8Array> {
  const series = newDicomSeries();
  const files: Record<string, Uint8Array> = {};
  const rows = [LABELS_HEADER];
  for (const image of content.images) {
    const path = `dicom/${syntheticDicomName(image.mark)}`;
    files[path] = await encodeSyntheticDicom(image, series);
    rows.push(labelsRow(path, image));
  }
  files['labels.csv'] = new TextEncoder().encode(rows.join('\n') + '\n');
  Object.assign(files, sideFiles(content));
  return zipSync(files, { level: 1 });
}
