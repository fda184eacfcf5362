/**
 * Dataset → MedMNIST-layout .npz, or → ZIP of PNGs with labels.csv. Both re-import losslessly
 * (same pixels, labels and splits) through the pipeline.
 */
import { encode as encodePng } from 'fast-png';
import { unzipSync, zipSync } from 'fflate';
import { writeNpz } from './npy';
import { ImportError, SPLITS, type ImportFile, type ExportableDataset } from './types';

export function exportNpz(dataset: ExportableDataset): Uint8Array {
  const { size, channels } = dataset;
  if (dataset.classNames.length > 256) throw new ImportError('npz export stores labels as uint8: at most 256 classes');
  const arrays: Record<string, { data: Uint8Array; shape: number[] }> = {};
  const perImage = size * size * channels;
  for (const split of SPLITS) {
    const images = dataset.images.filter((image) => (image.split ?? 'train') === split);
    const pixels = new Uint8Array(images.length * perImage);
    const labels = new Uint8Array(images.length);
    images.forEach((image, i) => {
      pixels.set(image.pixels, i * perImage);
      // MedMNIST stores the class index; names that are numbers keep their value.
      const name = dataset.classNames[image.label];
      labels[i] = image.label < 0 ? 0 : /^\d+$/.test(name ?? '') && Number(name) < 256 ? Number(name) : image.label;
    });
    arrays[`${split}_images`] = { data: pixels, shape: channels === 1 ? [images.length, size, size] : [images.length, size, size, 3] };
    if (dataset.images.every((image) => image.label >= 0)) arrays[`${split}_labels`] = { data: labels, shape: [images.length, 1] };
  }
  return writeNpz(arrays);
}

const safeName = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, '_') || 'class';

/** ZIP laid out as `{split}/{class}/{n}.png` plus `labels.csv` (file,label,split). */
export function exportPngZip(dataset: ExportableDataset): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const rows = ['file,label,split'];
  dataset.images.forEach((image, i) => {
    const className = image.label >= 0 ? dataset.classNames[image.label] : 'unlabelled';
    const path = `${image.split ?? 'train'}/${safeName(className)}/${String(i).padStart(6, '0')}.png`;
    files[path] = encodePng({ width: image.size, height: image.size, data: image.pixels, channels: image.channels, depth: 8 });
    rows.push(`${path},"${className.replace(/"/g, '""')}",${image.split ?? 'train'}`);
  });
  files['labels.csv'] = new TextEncoder().encode(rows.join('\n') + '\n');
  // PNGs are already deflated; storing them avoids compressing twice.
  return zipSync(files, { level: 0 });
}

/** Entries of a ZIP as import files (used to re-import a PNG ZIP, or a zipped folder of scans). */
export function filesFromZip(bytes: Uint8Array): { files: ImportFile[]; labelsCsv?: string } {
  const entries = unzipSync(bytes);
  const files: ImportFile[] = [];
  let labelsCsv: string | undefined;
  for (const [path, data] of Object.entries(entries)) {
    if (path.endsWith('/')) continue;
    if (path === 'labels.csv') labelsCsv = new TextDecoder().decode(data);
    else files.push({ name: path.split('/').pop()!, relativePath: path, bytes: data });
  }
  return { files, labelsCsv };
}
