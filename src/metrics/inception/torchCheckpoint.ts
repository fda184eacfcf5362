/**
 * Reads files written by `torch.save` without PyTorch: the zip format (torch ≥ 1.6:
 * `<name>/data.pkl` plus one raw storage per `<name>/data/<key>`) and the older "legacy"
 * format (several pickles back to back, then the raw storages). The pickle is decoded by our own
 * whitelisting interpreter, so a checkpoint can describe tensors and dicts but never run code.
 *
 * Tensors come back materialised and contiguous, with storage offset, size and strides honoured.
 */
import { unzipSync } from 'fflate';
import { PickleError, unpickle, type PickleCallable } from './pickle';

export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';
export type TorchValues = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** A tensor read from a checkpoint. float16/bfloat16 values are widened to Float32Array. */
export interface TorchTensor {
  dtype: TorchDtype;
  shape: number[];
  values: TorchValues;
}

export type TorchCheckpointFormat = 'zip' | 'legacy';

export interface TorchCheckpoint {
  format: TorchCheckpointFormat;
  /** The unpickled object with every tensor replaced by a TorchTensor; dicts are Maps. */
  value: unknown;
}

/** Bad or unsupported checkpoint; the message always names the file. */
export class TorchCheckpointError extends Error {
  override name = 'TorchCheckpointError';
}

const STORAGE_DTYPES: Record<string, { dtype: TorchDtype; bytes: number }> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
};

/** torch/serialization.py MAGIC_NUMBER and PROTOCOL_VERSION of the legacy format. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface StorageType {
  readonly module: 'torch';
  readonly name: string;
  readonly dtype: TorchDtype;
  readonly bytes: number;
}

interface StorageRef {
  key: string;
  type: StorageType;
  /** Element offset of a legacy storage view into its root storage (0 otherwise). */
  viewOffset: number;
  numel: number;
}

/** What `_rebuild_tensor_v2` produced; becomes a TorchTensor once the storage bytes are known. */
class PendingTensor {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

export type CheckpointFormatGuess = TorchCheckpointFormat | 'tar' | 'unknown';

/** Sniffs the container from its first bytes. */
export function detectCheckpointFormat(bytes: Uint8Array): CheckpointFormatGuess {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5)) return 'zip';
  // Legacy: pickle PROTO 2 then LONG1 holding the magic number.
  if (bytes.length >= 3 && bytes[0] === 0x80 && bytes[2] === 0x8a) return 'legacy';
  if (bytes.length >= 262 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar') return 'tar';
  return 'unknown';
}

/** Parses a torch.save file. `fileName` only labels errors. */
export function readTorchCheckpoint(bytes: Uint8Array, fileName: string): TorchCheckpoint {
  const fail = (reason: string): never => {
    throw new TorchCheckpointError(`${fileName}: ${reason}`);
  };
  const format = detectCheckpointFormat(bytes);
  try {
    switch (format) {
      case 'zip':
        return { format, value: readZip(bytes, fail) };
      case 'legacy':
        return { format, value: readLegacy(bytes, fail) };
      case 'tar':
        return fail('is a tar archive from PyTorch before 0.4, which is not supported; load it in Python and re-save it with torch.save');
      default:
        return fail(
          bytes.length === 0
            ? 'is empty'
            : 'is not a PyTorch checkpoint (expected the zip format of torch.save, or its older pickle format)',
        );
    }
  } catch (error) {
    if (error instanceof TorchCheckpointError) throw error;
    if (error instanceof PickleError) fail(`could not be decoded: ${error.message}`);
    throw error;
  }
}

/** Reads a flat `state_dict`: every entry a tensor under a string key, in file order. */
export function readTorchStateDict(bytes: Uint8Array, fileName: string): Map<string, TorchTensor> {
  const { value } = readTorchCheckpoint(bytes, fileName);
  if (!(value instanceof Map)) throw new TorchCheckpointError(`${fileName}: holds ${describe(value)}, not a state_dict (a dict of tensors)`);
  const out = new Map<string, TorchTensor>();
  for (const [key, tensor] of value) {
    if (typeof key !== 'string' || !isTorchTensor(tensor)) {
      throw new TorchCheckpointError(
        `${fileName}: entry ${JSON.stringify(String(key))} is ${describe(tensor)}, not a tensor; save model.state_dict() rather than a training checkpoint`,
      );
    }
    out.set(key, tensor);
  }
  return out;
}

export function isTorchTensor(value: unknown): value is TorchTensor {
  return typeof value === 'object' && value !== null && 'dtype' in value && 'shape' in value && 'values' in value;
}

function describe(value: unknown): string {
  if (value instanceof Map) return 'a dict';
  if (Array.isArray(value)) return 'a list or tuple';
  if (value === null) return 'None';
  if (typeof value === 'object' && 'module' in value) return `${(value as PickleCallable).module}.${(value as PickleCallable).name}`;
  return `a ${typeof value}`;
}

type Fail = (reason: string) => never;

/** The globals a state_dict pickle may name, and nothing else. */
function torchGlobals(fail: Fail) {
  const ints = (value: unknown, what: string): number[] => {
    if (!Array.isArray(value) || !value.every((v) => Number.isSafeInteger(v) && v >= 0)) fail(`tensor ${what} is not a tuple of ints`);
    return value as number[];
  };
  const rebuildTensor: PickleCallable = {
    module: 'torch._utils',
    name: '_rebuild_tensor_v2',
    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    call([storage, offset, size, stride]) {
      if (!(storage && typeof storage === 'object' && 'key' in storage)) fail('tensor without a storage');
      if (!Number.isSafeInteger(offset) || (offset as number) < 0) fail('tensor storage offset is not a non-negative int');
      const shape = ints(size, 'size');
      const strides = ints(stride, 'stride');
      if (shape.length !== strides.length) fail(`tensor size ${shape.length}-d but stride ${strides.length}-d`);
      return new PendingTensor(storage as StorageRef, offset as number, shape, strides);
    },
  };
  const rebuildParameter: PickleCallable = {
    module: 'torch._utils',
    name: '_rebuild_parameter',
    call: ([data]) => data,
  };
  const orderedDict: PickleCallable = {
    module: 'collections',
    name: 'OrderedDict',
    call: (args) => {
      if (args.length !== 0) fail('OrderedDict built from arguments, which torch.save never writes');
      return new Map();
    },
  };
  return (module: string, name: string): PickleCallable | undefined => {
    if (module === 'collections' && name === 'OrderedDict') return orderedDict;
    if (module === 'torch._utils' && name === '_rebuild_tensor_v2') return rebuildTensor;
    if (module === 'torch._utils' && name === '_rebuild_parameter') return rebuildParameter;
    if (module === 'torch' && name in STORAGE_DTYPES) return { module, name, ...STORAGE_DTYPES[name] } satisfies StorageType;
    return undefined;
  };
}

function storageRef(pid: unknown, fail: Fail): { ref: StorageRef; rootNumel: number } {
  // ('storage', storage_type, key, location, numel[, view_metadata]) — the last only in the legacy format.
  if (!Array.isArray(pid) || pid[0] !== 'storage') {
    if (Array.isArray(pid) && pid[0] === 'module') fail('holds a whole pickled nn.Module; save model.state_dict() instead');
    return fail('has a persistent id that is not a storage');
  }
  const [, type, key, , numel, view] = pid as [string, StorageType, unknown, unknown, unknown, unknown];
  if (!type || typeof type !== 'object' || !('dtype' in type)) fail('has a storage of an unsupported type');
  if (typeof key !== 'string' || !Number.isSafeInteger(numel)) fail('has a malformed storage reference');
  const ref: StorageRef = { key: key as string, type, viewOffset: 0, numel: numel as number };
  if (view !== undefined && view !== null) {
    if (!Array.isArray(view) || view.length !== 3) fail('has a malformed storage view');
    const [, viewOffset, viewSize] = view as [unknown, number, number];
    return { ref: { ...ref, viewOffset, numel: viewSize }, rootNumel: numel as number };
  }
  return { ref, rootNumel: numel as number };
}

function readZip(bytes: Uint8Array, fail: Fail): unknown {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (error) {
    return fail(`is not a readable zip archive (${(error as Error).message})`);
  }
  // torch names the archive's one folder after the file it saved to ("archive" for buffers).
  const pickleName = Object.keys(files).find((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (!pickleName) return fail('is a zip archive without data.pkl, so not a torch.save checkpoint (TorchScript files from torch.jit.save are not supported)');
  const root = pickleName.slice(0, -'data.pkl'.length);
  const byteOrder = files[`${root}byteorder`];
  const littleEndian = !byteOrder || new TextDecoder().decode(byteOrder).trim() !== 'big';

  const refs = new Map<string, number>();
  const { value } = unpickle(files[pickleName], {
    resolveGlobal: torchGlobals(fail),
    persistentLoad: (pid) => {
      const { ref, rootNumel } = storageRef(pid, fail);
      refs.set(ref.key, rootNumel * ref.type.bytes);
      return ref;
    },
  });
  const storages = new Map<string, Uint8Array>();
  for (const [key, nbytes] of refs) {
    const data = files[`${root}data/${key}`];
    if (!data) fail(`storage data/${key} is missing from the zip`);
    if (data.length < nbytes) fail(`storage data/${key} holds ${data.length} bytes, expected ${nbytes}`);
    storages.set(key, data);
  }
  return materialise(value, storages, littleEndian, fail);
}

function readLegacy(bytes: Uint8Array, fail: Fail): unknown {
  const plain = { resolveGlobal: () => undefined };
  const magic = unpickle(bytes, plain);
  if (magic.value !== LEGACY_MAGIC) fail('starts like a pickle but lacks the torch.save magic number');
  const protocol = unpickle(bytes, plain, magic.end);
  if (protocol.value !== LEGACY_PROTOCOL) fail(`uses torch legacy protocol ${String(protocol.value)}, expected ${LEGACY_PROTOCOL}`);
  const sysInfo = unpickle(bytes, plain, protocol.end);
  const littleEndian = !(sysInfo.value instanceof Map) || sysInfo.value.get('little_endian') !== false;

  const rootTypes = new Map<string, StorageType>();
  const main = unpickle(bytes, {
    resolveGlobal: torchGlobals(fail),
    persistentLoad: (pid) => {
      const { ref } = storageRef(pid, fail);
      rootTypes.set(ref.key, ref.type);
      return ref;
    },
  }, sysInfo.end);
  const keyList = unpickle(bytes, plain, main.end);
  if (!Array.isArray(keyList.value)) fail('has no storage key list after its pickle');

  // Each storage: int64 element count, then the raw elements, in the key list's order.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const storages = new Map<string, Uint8Array>();
  let pos = keyList.end;
  for (const key of keyList.value as unknown[]) {
    const type = rootTypes.get(String(key));
    if (!type) fail(`lists storage ${String(key)} that no tensor uses`);
    if (pos + 8 > bytes.length) fail(`is truncated before storage ${String(key)}`);
    const numel = Number(view.getBigInt64(pos, littleEndian));
    const nbytes = numel * type!.bytes;
    if (pos + 8 + nbytes > bytes.length) fail(`is truncated inside storage ${String(key)}`);
    storages.set(String(key), bytes.subarray(pos + 8, pos + 8 + nbytes));
    pos += 8 + nbytes;
  }
  return materialise(main.value, storages, littleEndian, fail);
}

/** Replaces every PendingTensor in the unpickled structure by a TorchTensor. */
function materialise(value: unknown, storages: Map<string, Uint8Array>, littleEndian: boolean, fail: Fail): unknown {
  if (value instanceof PendingTensor) return tensorFromStorage(value, storages, littleEndian, fail);
  if (value instanceof Map) {
    for (const [key, item] of value) value.set(key, materialise(item, storages, littleEndian, fail));
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => materialise(item, storages, littleEndian, fail));
  return value;
}

function tensorFromStorage(t: PendingTensor, storages: Map<string, Uint8Array>, littleEndian: boolean, fail: Fail): TorchTensor {
  const { type, key, viewOffset, numel: storageNumel } = t.storage;
  const data = storages.get(key);
  if (!data) return fail(`storage ${key} has no data`);
  const count = t.shape.reduce((a, b) => a * b, 1);
  // The furthest element the strides reach must lie inside the storage (or its view).
  const last = t.offset + t.shape.reduce((sum, size, i) => sum + (size - 1) * t.stride[i], 0);
  if (count > 0 && last >= storageNumel) fail(`tensor of size [${t.shape}] reaches element ${last} of storage ${key}, which has ${storageNumel}`);
  const base = (viewOffset + t.offset) * type.bytes;
  const values = allocate(type.dtype, count);
  if (count === 0) return { dtype: type.dtype, shape: t.shape, values };

  const contiguous = isContiguous(t.shape, t.stride);
  if (contiguous && littleEndian === HOST_LITTLE_ENDIAN && type.dtype !== 'float16' && type.dtype !== 'bfloat16') {
    const copy = data.slice(base, base + count * type.bytes);
    new Uint8Array(values.buffer).set(copy);
    return { dtype: type.dtype, shape: t.shape, values };
  }
  const view = new DataView(data.buffer, data.byteOffset + base, data.byteLength - base);
  const read = reader(type.dtype, view, littleEndian);
  const index = new Array<number>(t.shape.length).fill(0);
  let element = 0; // storage element of `index`, relative to `base`
  for (let i = 0; i < count; i++) {
    (values as { [n: number]: number | bigint })[i] = read(element * type.bytes);
    // Odometer over the index, keeping the strided storage position in step.
    for (let d = t.shape.length - 1; d >= 0; d--) {
      if (++index[d] < t.shape[d]) {
        element += t.stride[d];
        break;
      }
      element -= (t.shape[d] - 1) * t.stride[d];
      index[d] = 0;
    }
  }
  return { dtype: type.dtype, shape: t.shape, values };
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

function allocate(dtype: TorchDtype, count: number): TorchValues {
  switch (dtype) {
    case 'float32':
    case 'float16':
    case 'bfloat16':
      return new Float32Array(count);
    case 'float64':
      return new Float64Array(count);
    case 'int64':
      return new BigInt64Array(count);
    case 'int32':
      return new Int32Array(count);
    case 'int16':
      return new Int16Array(count);
    case 'int8':
      return new Int8Array(count);
    case 'uint8':
    case 'bool':
      return new Uint8Array(count);
  }
}

function reader(dtype: TorchDtype, view: DataView, le: boolean): (byte: number) => number | bigint {
  switch (dtype) {
    case 'float32':
      return (b) => view.getFloat32(b, le);
    case 'float64':
      return (b) => view.getFloat64(b, le);
    case 'float16':
      return (b) => halfToFloat(view.getUint16(b, le));
    case 'bfloat16':
      return (b) => bfloat16ToFloat(view.getUint16(b, le));
    case 'int64':
      return (b) => view.getBigInt64(b, le);
    case 'int32':
      return (b) => view.getInt32(b, le);
    case 'int16':
      return (b) => view.getInt16(b, le);
    case 'int8':
      return (b) => view.getInt8(b);
    case 'uint8':
    case 'bool':
      return (b) => view.getUint8(b);
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const bfloatScratch = new DataView(new ArrayBuffer(4));
function bfloat16ToFloat(b: number): number {
  bfloatScratch.setUint32(0, b << 16);
  return bfloatScratch.getFloat32(0);
}
