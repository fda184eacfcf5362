/**
 * The fuzz corpus of issue 18, built on the fly and never written into the repository: mutations of
 * the real files under ../shared/data (truncations, byte flips in headers and pixel data, wrong
 * tag lengths, absurd declared sizes, mutated volumes inside their .gz, mutated arrays inside their
 * npz) plus hand-built cases that each once broke the import (bombs, absurd sizes, 300 classes,
 * corrupt palettes, …) with the refusal each must now get. (Test helper only.)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { gunzipSync, gzipSync, unzipSync, zipSync } from 'fflate';
import { readNpz, writeNpz } from '../../npy';
import { deflateWithZeros, gzipWithZeros, writeZip, zipEntryWithZeros, zlibWithZeros } from './bombs';
import { deflatedDicom, ihdr, imageDicom, niftiHeader, niftiVolume, npyHeader, npzOf, palettePng, pngFromChunks } from './fixtures';
import { seededRandom } from '../../splits';

export interface FuzzCase {
  /** File name inside the corpus (unique); its extension is what the importer sees. */
  name: string;
  bytes: Uint8Array;
  /** How the case was made: `truncate`, `flip-header`, `bomb`, … */
  family: string;
  /** For hand-built cases: the refusal each must get. Mutations may import or be refused. */
  refusal?: RegExp;
}

const GIB = 1024 ** 3;


/** The hand-built cases: every defect the first fuzzing run found, and the classes of input it named. */
export function namedCases(): FuzzCase[] {
  const gradient = (n: number) => Uint16Array.from({ length: n }, (_, i) => (i * 37) % 4096);
  const palette = (name: string, bytes: Uint8Array, refusal: RegExp): FuzzCase => ({ name, bytes, family: 'corrupt-palette', refusal });
  const manyClasses = writeNpz({ images: { data: new Uint8Array(300 * 28 * 28).fill(7), shape: [300, 28, 28] }, labels: { data: Float32Array.from({ length: 300 }, (_, i) => i), shape: [300, 1] } });
  const badCrc = gzipSync(niftiVolume([8, 8, 4]));
  badCrc[badCrc.length - 6] ^= 0xff;
  const unknownType = new Uint8Array(niftiVolume([8, 8, 2]));
  new DataView(unknownType.buffer).setInt16(70, 1234, true);
  return [
    { name: 'bomb-idat-3gib.png', family: 'bomb', bytes: pngFromChunks([['IHDR', ihdr(1, 1, 8, 0)], ['IDAT', zlibWithZeros(new Uint8Array(0), 3 * GIB)], ['IEND', new Uint8Array(0)]]), refusal: /inflates past/ },
    { name: 'bomb-deflated-3gib.dcm', family: 'bomb', bytes: deflatedDicom(deflateWithZeros(new Uint8Array(0), 3 * GIB)), refusal: /inflates to more than 512 MiB/ },
    { name: 'bomb-64x64x64x1024.nii.gz', family: 'bomb', bytes: gzipWithZeros(niftiHeader({ dims: [64, 64, 64, 1024] }), 64 * 64 * 64 * 1024), refusal: /voxel limit/ },
    { name: 'bomb-header-lies.nii.gz', family: 'bomb', bytes: gzipWithZeros(niftiHeader({ dims: [8, 8, 8] }), 3 * GIB), refusal: /inflates to more than 512 MiB/ },
    { name: 'bomb-1x30000x30000.npz', family: 'bomb', bytes: writeZip([zipEntryWithZeros('images.npy', npyHeader('|u1', [1, 30000, 30000]), 30000 * 30000)]), refusal: /declare 858 MiB together/ },
    { name: 'bomb-junk-entry-3gib.npz', family: 'bomb', bytes: npzOf({ images: { data: new Uint8Array(28 * 28).fill(9), shape: [1, 28, 28] } }, [zipEntryWithZeros('junk.npy', new Uint8Array(0), 3 * GIB, 4096)]), refusal: /junk\.npy inflates to more than 4 KiB/ },
    { name: 'absurd-rows-65535.dcm', family: 'absurd-size', bytes: imageDicom({ rows: 65535, columns: 65535, pixels: gradient(16) }), refusal: /65535x65535, over the 8000 px limit/ },
    { name: 'absurd-frames-999999999.dcm', family: 'absurd-size', bytes: imageDicom({ frames: '999999999' }), refusal: /Number of Frames is 999999999, over the 10000 limit/ },
    { name: 'absurd-frames-beyond-data.dcm', family: 'absurd-size', bytes: imageDicom({ frames: 1000, pixels: gradient(16 * 16 * 2) }), refusal: /promises 1000 frame\(s\)/ },
    { name: 'absurd-dims-30000.nii', family: 'absurd-size', bytes: niftiHeader({ dims: [30000, 30000, 1] }), refusal: /over the 8000 px limit/ },
    { name: 'unknown-datatype.nii', family: 'nifti-header', bytes: unknownType, refusal: /unsupported NIfTI datatype code 1234/ },
    { name: 'bad-crc.nii.gz', family: 'corrupt-gzip', bytes: badCrc, refusal: /fails its gzip CRC/ },
    { name: 'mismatched-shapes.npz', family: 'npz-shape', bytes: npzOf({ images: { data: new Uint8Array(3 * 28 * 28), shape: [3, 28, 28] }, labels: { data: new Float32Array([0, 1]), shape: [2, 1] } }), refusal: /labels has 2 rows for 3 images/ },
    { name: 'shape-exceeds-data.npz', family: 'npz-shape', bytes: npzOf({}, [{ name: 'images.npy', data: npyHeader('|u1', [1000, 28, 28]), method: 0, size: npyHeader('|u1', [1000, 28, 28]).length, crc: 0 }]), refusal: /CRC|truncated/ },
    { name: 'classes-300.npz', family: 'too-many-classes', bytes: manyClasses, refusal: /would bring the dataset to 30\d classes; at most 256/ },
    palette('palette-without-plte.png', palettePng(8, 8, (i) => i % 4, 0), /without its PLTE/),
    palette('palette-too-short.png', palettePng(8, 8, (i) => i % 8, 4), /PLTE holds only 4 entries/),
    { name: 'burned-in-annotation.dcm', family: 'privacy', bytes: imageDicom({ burnedIn: 'YES' }), refusal: /Burned In Annotation is YES/ },
  ];
}

interface Seed {
  name: string;
  bytes: Uint8Array;
}

/** The real files to mutate: every DICOM and NIfTI file, a few PNGs, and a small npz cut from PneumoniaMNIST. */
export function realSeeds(sharedDir: string): Seed[] {
  const data = joinPath(sharedDir, 'data');
  const seeds: Seed[] = [];
  const add = (dir: string, filter: (name: string) => boolean, limit = Infinity) => {
    if (!existsSync(joinPath(data, dir))) return;
    for (const name of readdirSync(joinPath(data, dir)).filter(filter).sort().slice(0, limit)) seeds.push({ name, bytes: new Uint8Array(readFileSync(joinPath(data, dir, name))) });
  };
  add('dicom', (n) => n.endsWith('.dcm'));
  add('nifti', (n) => /\.nii(\.gz)?$/.test(n));
  add('pneumoniamnist/png-sample/normal', (n) => n.endsWith('.png'), 3);
  add('pneumoniamnist/png-sample/pneumonia', (n) => n.endsWith('.png'), 3);
  const npzPath = joinPath(data, 'pneumoniamnist', 'pneumoniamnist.npz');
  if (existsSync(npzPath)) {
    // 20 rows per split keep each mutated copy cheap to import while keeping the real layout.
    const arrays = readNpz(new Uint8Array(readFileSync(npzPath)), 'pneumoniamnist.npz');
    const cut: Parameters<typeof writeNpz>[0] = {};
    for (const split of ['train', 'val', 'test']) {
      const images = arrays.get(`${split}_images`)!;
      const labels = arrays.get(`${split}_labels`)!;
      cut[`${split}_images`] = { data: (images.data as Uint8Array).slice(0, 20 * 28 * 28), shape: [20, 28, 28] };
      cut[`${split}_labels`] = { data: Float64Array.from((labels.data as Uint8Array).slice(0, 20)), shape: [20, 1] };
    }
    seeds.push({ name: 'pneumoniamnist-cut.npz', bytes: writeNpz(cut) });
  }
  return seeds;
}

/** Stand-ins when ../shared is absent, so the mutation machinery still runs. */
export function syntheticSeeds(): Seed[] {
  return [
    { name: 'synthetic.dcm', bytes: imageDicom({ rows: 32, columns: 32 }) },
    { name: 'synthetic.nii', bytes: niftiVolume([16, 16, 4]) },
    { name: 'synthetic.nii.gz', bytes: gzipSync(niftiVolume([16, 16, 4])) },
    { name: 'synthetic.png', bytes: encodePng({ width: 24, height: 24, data: Uint8Array.from({ length: 576 }, (_, i) => i % 256), channels: 1, depth: 8 }) },
    { name: 'synthetic.npz', bytes: writeNpz({ images: { data: Uint8Array.from({ length: 4 * 784 }, (_, i) => i % 256), shape: [4, 28, 28] }, labels: { data: new Float64Array([0, 1, 0, 1]), shape: [4, 1] } }) },
  ];
}

type Mutation = (bytes: Uint8Array, random: () => number, name: string) => { bytes: Uint8Array; family: string };

const pick = (random: () => number, n: number) => Math.floor(random() * n);

function flip(bytes: Uint8Array, random: () => number, from: number, to: number, count: number): Uint8Array {
  const out = new Uint8Array(bytes);
  if (to <= from) return out;
  for (let i = 0; i < count; i++) out[from + pick(random, to - from)] ^= 1 + pick(random, 255);
  return out;
}

/** Where the header ends, roughly: DICOM's pixel data tag, NIfTI's vox_offset, else the first 1 KiB. */
function headerEnd(bytes: Uint8Array, name: string): number {
  if (name.endsWith('.dcm')) {
    for (let i = bytes.length - 8; i > 132; i--) if (bytes[i] === 0xe0 && bytes[i + 1] === 0x7f && bytes[i + 2] === 0x10 && bytes[i + 3] === 0x00) return i;
  }
  if (name.endsWith('.nii')) return 352;
  return Math.min(bytes.length, 1024);
}

/** Offsets of explicit-VR little-endian elements of group 0028 (image pixel module) with a 16-bit length. */
function imageElements(bytes: Uint8Array): number[] {
  const found: number[] = [];
  for (let i = 132; i + 8 < bytes.length && found.length < 40; i++) {
    if (bytes[i] === 0x28 && bytes[i + 1] === 0x00 && bytes[i + 4] >= 0x41 && bytes[i + 4] <= 0x5a && bytes[i + 5] >= 0x41 && bytes[i + 5] <= 0x5a) found.push(i);
  }
  return found;
}

/** Replace `inner` of a .gz or .npz file by a mutation of its content and wrap it again, so the mutation reaches the parser. */
function inside(bytes: Uint8Array, name: string, random: () => number, mutate: (inner: Uint8Array) => Uint8Array): Uint8Array {
  if (name.endsWith('.gz')) return gzipSync(mutate(gunzipSync(bytes)));
  if (name.endsWith('.npz')) {
    const entries: Record<string, Uint8Array> = unzipSync(bytes);
    const keys = Object.keys(entries);
    const key = keys[pick(random, keys.length)];
    entries[key] = mutate(entries[key]);
    return zipSync(entries, { level: 1 });
  }
  return mutate(bytes);
}

const MUTATIONS: Mutation[] = [
  (bytes, random) => ({ bytes: bytes.slice(0, pick(random, bytes.length)), family: 'truncate' }),
  (bytes, random, name) => ({ bytes: flip(bytes, random, 0, headerEnd(bytes, name), 1 + pick(random, 4)), family: 'flip-header' }),
  (bytes, random, name) => ({ bytes: flip(bytes, random, headerEnd(bytes, name), bytes.length, 1 + pick(random, 16)), family: 'flip-data' }),
  (bytes, random, name) => ({ bytes: inside(bytes, name, random, (inner) => flip(inner, random, 0, Math.min(inner.length, 600), 1 + pick(random, 3))), family: 'flip-inside' }),
  (bytes, random, name) => {
    if (name.endsWith('.dcm')) {
      // Wrong tag length: an image-module element's 16-bit length set to something it is not.
      const out = new Uint8Array(bytes);
      const at = imageElements(out);
      if (at.length === 0) return { bytes: flip(bytes, random, 132, 400, 2), family: 'flip-header' };
      const i = at[pick(random, at.length)];
      const lengths = [0, 1, 3, 0xffff, 0x7fff, 2 + pick(random, 64)];
      new DataView(out.buffer).setUint16(i + 6, lengths[pick(random, lengths.length)], true);
      return { bytes: out, family: 'wrong-tag-length' };
    }
    return { bytes: inside(bytes, name, random, (inner) => inner.slice(0, Math.max(0, inner.length - 1 - pick(random, 64)))), family: 'truncate-inside' };
  },
  (bytes, random, name) => {
    // Absurd declared sizes: DICOM Rows/Columns or US values of the image module, NIfTI dims.
    if (name.endsWith('.dcm')) {
      const out = new Uint8Array(bytes);
      const at = imageElements(out).filter((i) => out[i + 4] === 0x55 && out[i + 5] === 0x53);
      if (at.length) new DataView(out.buffer).setUint16(at[pick(random, at.length)] + 8, [65535, 0, 32768, 1][pick(random, 4)], true);
      return { bytes: out, family: 'absurd-size' };
    }
    if (/\.nii(\.gz)?$/.test(name)) {
      return {
        bytes: inside(bytes, name, random, (inner) => {
          const out = new Uint8Array(inner);
          const view = new DataView(out.buffer);
          const little = view.getInt32(0, true) === 348;
          if (view.getInt32(0, little) === 348) view.setInt16(42 + 2 * pick(random, 4), [32767, -1, 0, 30000][pick(random, 4)], little);
          return out;
        }),
        family: 'absurd-size',
      };
    }
    return { bytes: flip(bytes, random, 0, Math.min(bytes.length, 64), 2), family: 'flip-header' };
  },
];

export interface CorpusOptions {
  /** ../shared, or null when it is absent (synthetic seeds stand in). */
  sharedDir: string | null;
  /** Mutated files to make (on top of the named cases). */
  mutations: number;
  seed?: number;
}

export function buildCorpus({ sharedDir, mutations, seed = 18 }: CorpusOptions): FuzzCase[] {
  const random = seededRandom(seed);
  const seeds = sharedDir ? realSeeds(sharedDir) : syntheticSeeds();
  const cases = namedCases();
  for (let i = 0; i < mutations; i++) {
    const source = seeds[i % seeds.length];
    const mutation = MUTATIONS[pick(random, MUTATIONS.length)];
    const { bytes, family } = mutation(source.bytes, random, source.name);
    const extension = /\.(nii\.gz|[a-z]+)$/i.exec(source.name)?.[0] ?? '';
    cases.push({ name: `m${String(i).padStart(5, '0')}-${family}-${source.name.slice(0, -extension.length)}${extension}`, bytes, family });
  }
  return cases;
}
