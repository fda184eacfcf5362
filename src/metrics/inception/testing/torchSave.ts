/**
 * Test utility: writes state_dicts the way torch.save does, so the reader can be tested without
 * PyTorch. The pickle has torch's opcode sequence (protocol 2, OrderedDict via REDUCE, tensors via
 * torch._utils._rebuild_tensor_v2 with BINPERSID storage ids, memoised strings and globals,
 * SETITEMS in batches of 1000, the state_dict's `_metadata` applied by BUILD). Containers:
 *  - zip: `<archive>/data.pkl`, `<archive>/data/<key>`, `<archive>/version`, stored uncompressed
 *    (torch also 64-byte-aligns each record, which no reader depends on);
 *  - legacy: magic number, protocol, sys_info, the pickle, the storage key list, then each
 *    storage as int64 element count + raw little-endian elements.
 */
import { zipSync } from 'fflate';
import { FID_INCEPTION_CONVS, fidInceptionTensorShapes } from '../architecture';

export type SavedDtype = 'float32' | 'float64' | 'int64';

export interface StorageToSave {
  key: string;
  dtype: SavedDtype;
  values: Float32Array | Float64Array | BigInt64Array;
}

export interface TensorToSave {
  storage: StorageToSave;
  offset: number;
  shape: number[];
  stride: number[];
}

const STORAGE_CLASS: Record<SavedDtype, string> = { float32: 'FloatStorage', float64: 'DoubleStorage', int64: 'LongStorage' };

export function contiguousStrides(shape: number[]): number[] {
  const stride = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    stride[d] = step;
    step *= shape[d];
  }
  return stride;
}

export function contiguousTensor(key: string, values: StorageToSave['values'], shape: number[], dtype: SavedDtype = 'float32'): TensorToSave {
  return { storage: { key, dtype, values }, offset: 0, shape, stride: contiguousStrides(shape) };
}

class PickleWriter {
  private chunks: number[] = [];
  private memo = new Map<string, number>();

  private byte(...values: number[]) {
    this.chunks.push(...values);
  }
  private u32(value: number) {
    this.byte(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
  }
  private put() {
    const index = this.memo.size;
    if (index < 256) this.byte(0x71, index);
    else {
      this.byte(0x72);
      this.u32(index);
    }
    return index;
  }
  private get(index: number) {
    if (index < 256) this.byte(0x68, index);
    else {
      this.byte(0x6a);
      this.u32(index);
    }
  }
  /** Strings and globals are memoised by identity in CPython; equal values stand in for that here. */
  private memoised(id: string, write: () => void) {
    const known = this.memo.get(id);
    if (known !== undefined) return this.get(known);
    write();
    this.memo.set(id, this.put());
  }
  proto() {
    this.byte(0x80, 2);
  }
  stop() {
    this.byte(0x2e);
  }
  mark() {
    this.byte(0x28);
  }
  global(module: string, name: string) {
    this.memoised(`global:${module} ${name}`, () => this.byte(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`)));
  }
  string(value: string) {
    this.memoised(`str:${value}`, () => {
      const utf8 = new TextEncoder().encode(value);
      this.byte(0x58);
      this.u32(utf8.length);
      this.byte(...utf8);
    });
  }
  int(value: number | bigint) {
    const v = BigInt(value);
    if (v >= 0n && v < 256n) this.byte(0x4b, Number(v));
    else if (v >= 0n && v < 65536n) this.byte(0x4d, Number(v) & 0xff, Number(v) >> 8);
    else if (v >= -(2n ** 31n) && v < 2n ** 31n) {
      this.byte(0x4a);
      this.u32(Number(BigInt.asUintN(32, v)));
    } else {
      // LONG1: minimal little-endian two's complement
      const bytes: number[] = [];
      let rest = v;
      do {
        bytes.push(Number(BigInt.asUintN(8, rest)));
        rest >>= 8n;
      } while (!((rest === 0n && (bytes[bytes.length - 1] & 0x80) === 0) || (rest === -1n && (bytes[bytes.length - 1] & 0x80) !== 0)));
      this.byte(0x8a, bytes.length, ...bytes);
    }
  }
  bool(value: boolean) {
    this.byte(value ? 0x88 : 0x89);
  }
  none() {
    this.byte(0x4e);
  }
  /** Python tuples are memoised too (unless empty). */
  tuple(writeItems: (() => void)[]) {
    if (writeItems.length === 0) return this.byte(0x29);
    if (writeItems.length > 3) this.mark();
    for (const write of writeItems) write();
    this.byte(writeItems.length > 3 ? 0x74 : [0, 0x85, 0x86, 0x87][writeItems.length]);
    this.memo.set(`tuple#${this.memo.size}`, this.put());
  }
  ints(values: number[]) {
    this.tuple(values.map((v) => () => this.int(v)));
  }
  reduceMemo() {
    this.byte(0x52);
    this.memo.set(`obj#${this.memo.size}`, this.put());
  }
  emptyOrderedDict() {
    this.global('collections', 'OrderedDict');
    this.byte(0x29);
    this.reduceMemo();
  }
  /** Dict items in SETITEMS batches of 1000, as pickle._batch_setitems does. */
  setItems(items: (() => void)[]) {
    for (let start = 0; start < items.length; start += 1000) {
      const batch = items.slice(start, start + 1000);
      if (batch.length > 1) this.mark();
      for (const write of batch) write();
      this.byte(batch.length > 1 ? 0x75 : 0x73);
    }
  }
  persistentId(writeTuple: () => void) {
    writeTuple();
    this.byte(0x51);
  }
  build() {
    this.byte(0x62);
  }
  emptyDict() {
    this.byte(0x7d);
    this.memo.set(`obj#${this.memo.size}`, this.put());
  }
  list(writeItems: (() => void)[]) {
    this.byte(0x5d);
    this.memo.set(`obj#${this.memo.size}`, this.put());
    if (writeItems.length === 0) return;
    if (writeItems.length > 1) this.mark();
    for (const write of writeItems) write();
    this.byte(writeItems.length > 1 ? 0x65 : 0x61);
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

type Format = 'zip' | 'legacy';

/** The main pickle: OrderedDict of tensors, then BUILD with {'_metadata': OrderedDict(module → {'version': n})}. */
function statePickle(entries: [string, TensorToSave][], format: Format): Uint8Array {
  const w = new PickleWriter();
  w.proto();
  w.emptyOrderedDict();
  w.setItems(
    entries.map(([name, t]) => () => {
      w.string(name);
      w.global('torch._utils', '_rebuild_tensor_v2');
      w.tuple([
        () =>
          w.persistentId(() =>
            w.tuple([
              () => w.string('storage'),
              () => w.global('torch', STORAGE_CLASS[t.storage.dtype]),
              () => w.string(t.storage.key),
              () => w.string('cpu'),
              () => w.int(t.storage.values.length),
              ...(format === 'legacy' ? [() => w.none()] : []),
            ]),
          ),
        () => w.int(t.offset),
        () => w.ints(t.shape),
        () => w.ints(t.stride),
        () => w.bool(false),
        () => w.emptyOrderedDict(),
      ]);
      w.reduceMemo();
    }),
  );
  // state_dict() records every module on the way down, parents first: '', 'Mixed_5b', 'Mixed_5b.branch1x1', …
  const modules = new Set<string>();
  for (const [name] of entries) {
    const path = name.split('.').slice(0, -1);
    for (let depth = 0; depth <= path.length; depth++) modules.add(path.slice(0, depth).join('.'));
  }
  w.emptyDict();
  w.setItems([
    () => {
      w.string('_metadata');
      w.emptyOrderedDict();
      w.setItems(
        [...modules].map((module) => () => {
          w.string(module);
          w.emptyDict();
          w.setItems([() => (w.string('version'), w.int(module.endsWith('.bn') ? 2 : 1))]);
        }),
      );
    },
  ]);
  w.build();
  w.stop();
  return w.bytes();
}

function uniqueStorages(entries: [string, TensorToSave][]): StorageToSave[] {
  const byKey = new Map<string, StorageToSave>();
  for (const [, t] of entries) byKey.set(t.storage.key, t.storage);
  return [...byKey.values()];
}

function storageBytes(storage: StorageToSave): Uint8Array {
  // Typed arrays are host-endian; every platform tfjs runs on is little-endian, as torch's files are.
  return new Uint8Array(storage.values.buffer, storage.values.byteOffset, storage.values.byteLength);
}

export function writeTorchZip(entries: [string, TensorToSave][], archiveName = 'archive'): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  const stored = { level: 0 } as const;
  files[`${archiveName}/data.pkl`] = [statePickle(entries, 'zip'), stored];
  for (const storage of uniqueStorages(entries)) files[`${archiveName}/data/${storage.key}`] = [storageBytes(storage), stored];
  files[`${archiveName}/version`] = [new TextEncoder().encode('3\n'), stored];
  return zipSync(files);
}

export function writeTorchLegacy(entries: [string, TensorToSave][]): Uint8Array {
  const header = new PickleWriter();
  header.proto();
  header.int(0x1950a86a20f9469cfc6cn);
  header.stop();
  header.proto();
  header.int(1001);
  header.stop();
  header.proto();
  header.emptyDict();
  header.setItems([
    () => (header.string('protocol_version'), header.int(1001)),
    () => (header.string('little_endian'), header.bool(true)),
    () => {
      header.string('type_sizes');
      header.emptyDict();
      header.setItems([() => (header.string('short'), header.int(2)), () => (header.string('int'), header.int(4)), () => (header.string('long'), header.int(4))]);
    },
  ]);
  header.stop();
  const storages = uniqueStorages(entries).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const keys = new PickleWriter();
  keys.proto();
  keys.list(storages.map((s) => () => keys.string(s.key)));
  keys.stop();
  const parts: Uint8Array[] = [header.bytes(), statePickle(entries, 'legacy'), keys.bytes()];
  for (const storage of storages) {
    const count = new Uint8Array(8);
    new DataView(count.buffer).setBigInt64(0, BigInt(storage.values.length), true);
    parts.push(count, storageBytes(storage));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A randomly initialised FID Inception state_dict with the real file's names, shapes and order
 * (including bn.num_batches_tracked), He-scaled so activations survive the whole network.
 */
export function randomFidInceptionStateDict(seed = 1): [string, TensorToSave][] {
  const random = seededUniform(seed);
  const uniform = (n: number, lo: number, hi: number) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * random();
    return out;
  };
  const shapes = new Map(fidInceptionTensorShapes());
  const entries: [string, TensorToSave][] = [];
  let key = 0;
  const add = (name: string, values: StorageToSave['values'], shape: number[], dtype: SavedDtype = 'float32') => entries.push([name, contiguousTensor(String(key++), values, shape, dtype)]);
  for (const spec of FID_INCEPTION_CONVS) {
    const weightShape = shapes.get(`${spec.name}.conv.weight`)!;
    const fanIn = spec.inChannels * spec.kernel[0] * spec.kernel[1];
    const bound = Math.sqrt(6 / fanIn);
    const c = spec.outChannels;
    add(`${spec.name}.conv.weight`, uniform(c * fanIn, -bound, bound), weightShape);
    add(`${spec.name}.bn.weight`, uniform(c, 0.8, 1.2), [c]);
    add(`${spec.name}.bn.bias`, uniform(c, -0.1, 0.3), [c]);
    add(`${spec.name}.bn.running_mean`, uniform(c, -0.2, 0.2), [c]);
    add(`${spec.name}.bn.running_var`, uniform(c, 0.5, 1.5), [c]);
    add(`${spec.name}.bn.num_batches_tracked`, BigInt64Array.of(7n), [], 'int64');
  }
  const [classes, features] = shapes.get('fc.weight')!;
  add('fc.weight', uniform(classes * features, -0.02, 0.02), [classes, features]);
  add('fc.bias', uniform(classes, -0.02, 0.02), [classes]);
  return entries;
}
