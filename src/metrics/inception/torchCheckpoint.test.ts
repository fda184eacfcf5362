import { unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fidInceptionTensorShapes } from './architecture';
import { detectCheckpointFormat, readTorchCheckpoint, readTorchStateDict, TorchCheckpointError, type TorchTensor } from './torchCheckpoint';
import { hasTorch, runTorchReference, TORCH_SKIP_MESSAGE, type TorchReference } from './testing/torchReference';
import { contiguousTensor, randomFidInceptionStateDict, writeTorchLegacy, writeTorchZip, type TensorToSave } from './testing/torchSave';

if (!hasTorch) console.warn(TORCH_SKIP_MESSAGE);

/** A 4×6 float32 storage seen whole, transposed, and as an offset 2×3 window, plus other dtypes. */
function viewsStateDict(): [string, TensorToSave][] {
  const base = Float32Array.from({ length: 24 }, (_, i) => i / 7);
  const storage = { key: '0', dtype: 'float32' as const, values: base };
  return [
    ['plain', { storage, offset: 0, shape: [4, 6], stride: [6, 1] }],
    ['transposed', { storage, offset: 0, shape: [6, 4], stride: [1, 6] }],
    ['offset_slice', { storage, offset: 8, shape: [2, 3], stride: [6, 1] }],
    ['double', contiguousTensor('1', Float64Array.of(-2, -1, 0, 1, 2), [5], 'float64')],
    ['long_scalar', contiguousTensor('2', BigInt64Array.of(123456789012n), [], 'int64')],
  ];
}

const EXPECTED_VIEWS: Record<string, number[]> = {
  plain: Array.from({ length: 24 }, (_, i) => Math.fround(i / 7)),
  transposed: Array.from({ length: 24 }, (_, i) => Math.fround(((i % 4) * 6 + Math.floor(i / 4)) / 7)),
  offset_slice: [8, 9, 10, 14, 15, 16].map((i) => Math.fround(i / 7)),
  double: [-2, -1, 0, 1, 2],
  long_scalar: [123456789012],
};

function values(tensor: TorchTensor): number[] {
  return Array.from(tensor.values as ArrayLike<number | bigint>, Number);
}

describe('torch.save reader', () => {
  it('round-trips a full FID Inception state_dict in the zip format: names, order, shapes and values', () => {
    const entries = randomFidInceptionStateDict(3);
    const bytes = writeTorchZip(entries, 'pt_inception-2015-12-05-6726825d');
    expect(detectCheckpointFormat(bytes)).toBe('zip');
    const read = readTorchStateDict(bytes, 'random.pth');
    expect([...read.keys()]).toEqual(entries.map(([name]) => name));
    // every float tensor pytorch-fid loads, plus one num_batches_tracked per BatchNorm
    expect(read.size).toBe(fidInceptionTensorShapes().length + (fidInceptionTensorShapes().length - 2) / 5);
    for (const [name, saved] of entries) {
      const tensor = read.get(name)!;
      expect(tensor.shape, name).toEqual(saved.shape);
      expect(tensor.dtype, name).toBe(saved.storage.dtype);
      // bitwise equal: the reader must not round or reorder anything
      expect(Buffer.from(tensor.values.buffer, tensor.values.byteOffset, tensor.values.byteLength).equals(Buffer.from(saved.storage.values.buffer)), name).toBe(true);
    }
    const conv = read.get('Mixed_7c.branch3x3dbl_3b.conv.weight')!;
    expect(conv.shape).toEqual([384, 384, 3, 1]);
  });

  it.each(['zip', 'legacy'] as const)('honours storage offsets, strides, shared storages and dtypes (%s)', (format) => {
    const bytes = format === 'zip' ? writeTorchZip(viewsStateDict()) : writeTorchLegacy(viewsStateDict());
    const { format: detected, value } = readTorchCheckpoint(bytes, 'views.pth');
    expect(detected).toBe(format);
    const dict = value as Map<string, TorchTensor>;
    expect(dict.get('transposed')!.shape).toEqual([6, 4]);
    expect(dict.get('long_scalar')!.shape).toEqual([]);
    for (const [name, expected] of Object.entries(EXPECTED_VIEWS)) expect(values(dict.get(name)!), name).toEqual(expected);
  });

  it('names the file and the reason for input that is not a checkpoint', () => {
    const text = new TextEncoder().encode('just some notes, not weights\n');
    expect(() => readTorchCheckpoint(text, 'notes.txt')).toThrow(TorchCheckpointError);
    expect(() => readTorchCheckpoint(text, 'notes.txt')).toThrow(/^notes\.txt: is not a PyTorch checkpoint/);
    expect(() => readTorchCheckpoint(new Uint8Array(0), 'empty.pth')).toThrow('empty.pth: is empty');
    const tar = new Uint8Array(1024);
    tar.set(new TextEncoder().encode('ustar'), 257);
    expect(() => readTorchCheckpoint(tar, 'old.pth')).toThrow(/old\.pth: is a tar archive from PyTorch before 0\.4/);
    const otherZip = zipSync({ 'readme.txt': new TextEncoder().encode('hello') });
    expect(() => readTorchCheckpoint(otherZip, 'photos.zip')).toThrow(/photos\.zip: is a zip archive without data\.pkl/);
  });

  it('rejects damaged checkpoints clearly', () => {
    const good = writeTorchZip(viewsStateDict());
    expect(() => readTorchCheckpoint(good.subarray(0, good.length - 40), 'cut.pth')).toThrow(/cut\.pth: is not a readable zip archive/);
    const files = unzipSync(good);
    delete files['archive/data/1'];
    expect(() => readTorchCheckpoint(zipSync(files), 'lost.pth')).toThrow('lost.pth: storage data/1 is missing from the zip');
    const legacy = writeTorchLegacy(viewsStateDict());
    expect(() => readTorchCheckpoint(legacy.subarray(0, legacy.length - 3), 'short.pth')).toThrow(/short\.pth: is truncated inside storage/);
    const pickleCut = { ...unzipSync(good) };
    pickleCut['archive/data.pkl'] = pickleCut['archive/data.pkl'].subarray(0, 100);
    expect(() => readTorchCheckpoint(zipSync(pickleCut), 'p.pth')).toThrow(/p\.pth: could not be decoded: pickle truncated/);
  });

  it('never resolves a global outside its whitelist (a pickle cannot run code)', () => {
    const files = unzipSync(writeTorchZip(viewsStateDict()));
    // PROTO 2, GLOBAL 'os system', SHORT_BINSTRING 'id', TUPLE1, REDUCE, STOP
    const evil = Uint8Array.from([0x80, 2, ...new TextEncoder().encode('cos\nsystem\n'), 0x55, 2, 0x69, 0x64, 0x85, 0x52, 0x2e]);
    files['archive/data.pkl'] = evil;
    expect(() => readTorchCheckpoint(zipSync(files), 'evil.pth')).toThrow('evil.pth: could not be decoded: pickle refers to os.system, which this reader does not accept');
  });

  it('says what it found when the file is not a flat state_dict', () => {
    const bytes = writeTorchZip([['w', contiguousTensor('0', Float32Array.of(1), [1])]]);
    const files = unzipSync(bytes);
    // Wrap as {'model': <that dict>}: SETITEMS of a nested dict is not a tensor entry.
    expect(() => readTorchStateDict(bytes, 'ok.pth')).not.toThrow();
    const pkl = files['archive/data.pkl'];
    const nested = Uint8Array.from([0x80, 2, 0x7d, 0x58, 5, 0, 0, 0, ...new TextEncoder().encode('model'), ...pkl.subarray(2, pkl.length - 1), 0x73, 0x2e]);
    files['archive/data.pkl'] = nested;
    expect(() => readTorchStateDict(zipSync(files), 'ckpt.pth')).toThrow(/ckpt\.pth: entry "model" is a dict, not a tensor; save model\.state_dict\(\)/);
  });
});

describe.skipIf(!hasTorch)('against real PyTorch (torch.save from /usr/bin/python3)', () => {
  let ref: TorchReference;
  beforeAll(() => {
    ref = runTorchReference('formats');
  });
  afterAll(() => ref?.dispose());

  it.each(['zip', 'legacy'] as const)('reads torch.save files in the %s format: views, offsets, float64, float16, int64, empty', (format) => {
    const expected = ref.json<Record<string, { shape: number[]; values: number[] }>>('formats.json');
    const { format: detected, value } = readTorchCheckpoint(ref.bytes(`formats-${format}.pth`), `formats-${format}.pth`);
    expect(detected).toBe(format);
    const dict = value as Map<string, TorchTensor>;
    expect([...dict.keys()]).toEqual(Object.keys(expected));
    for (const [name, { shape, values: want }] of Object.entries(expected)) {
      expect(dict.get(name)!.shape, name).toEqual(shape);
      expect(values(dict.get(name)!), name).toEqual(want);
    }
  });
});
