/**
 * Dataset → MedMNIST-layout .npz with class names, or → ZIP of PNGs with labels.csv. Both re-import
 * losslessly (same pixels, labels, class names and splits) through the pipeline.
 */
import { encode as encodePng } from 'fast-png';
import { unzipSync, zipSync } from 'fflate';
import { writeNpz, type NpyWritable } from './npy';
import { CLASS_NAMES_KEY } from './npzLayout';
import { MAX_CLASSES } from './importFinish';
import { ImportError, SPLITS, type ImportFile, type ExportableDataset } from './types';

/**
 * MedMNIST layout plus `class_names` (a numpy unicode array): labels are class indices, so
 * `class_names[label]` names each image's class in numpy as in the studio. Labels are written only
 * when every image has one (the import finish gives unlabelled images a class of their own).
 * `extra` arrays go beside them (a synthetic export's run card); the importer ignores other keys.
 */
export function exportNpz(dataset: ExportableDataset, extra: Record<string, NpyWritable> = {}): Uint8Array {
  const { size, channels } = dataset;
  if (dataset.classNames.length > MAX_CLASSES) throw new ImportError(`npz export stores labels as uint8: at most ${MAX_CLASSES} classes, this dataset has ${dataset.classNames.length}`);
  const labelled = dataset.images.every((image) => image.label >= 0);
  const arrays: Record<string, NpyWritable> = {};
  const perImage = size * size * channels;
  for (const split of SPLITS) {
    const images = dataset.images.filter((image) => (image.split ?? 'train') === split);
    const pixels = new Uint8Array(images.length * perImage);
    images.forEach((image, i) => pixels.set(image.pixels, i * perImage));
    arrays[`${split}_images`] = { data: pixels, shape: channels === 1 ? [images.length, size, size] : [images.length, size, size, 3] };
    if (labelled) arrays[`${split}_labels`] = { data: Uint8Array.from(images, (image) => image.label), shape: [images.length, 1] };
  }
  if (dataset.classNames.length > 0) arrays[CLASS_NAMES_KEY] = { data: dataset.classNames, shape: [dataset.classNames.length] };
  for (const [key, array] of Object.entries(extra)) {
    if (key in arrays) throw new ImportError(`npz export: "${key}" is one of the layout's own arrays`);
    arrays[key] = array;
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
