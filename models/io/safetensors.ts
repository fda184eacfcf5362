/**
 * safetensors (https://github.com/huggingface/safetensors): the weight format of the portable run
 * file. Python reads it with one call (`safetensors.torch.load_file`, or python/phantom_models.py's
 * `read_safetensors` with nothing but torch). Pure TypeScript, no dependency, no tfjs.
 *
 * Layout: 8 bytes little-endian u64 N; N bytes of UTF-8 JSON
 *   {"<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
 *    "__metadata__": {"<key>": "<string value>", ...}}
 * padded with spaces to a multiple of 8; then the raw little-endian tensor bytes, offsets relative
 * to the end of the header, contiguous and covering the data with no gap.
 *
 * API (kept small on purpose; the PyTorch export and the run file depend on it):
 *   encodeSafetensors(tensors, metadata?)  → Uint8Array
 *   safetensorsPieces(tensors, metadata?)  → Uint8Array[]: the same bytes as pieces (header, then views of each tensor's data)
 *       tensors: NamedTensor[] ({ name, shape, data: Float32Array }), written in the given order.
 *       metadata: string → string (safetensors allows only strings there).
 *   decodeSafetensors(bytes, where?)       → { tensors: NamedTensor[], metadata }
 *       tensors in data order, each with its own copy of the data (never a view of `bytes`).
 *       Only F32 tensors are read; anything else (another dtype, a malformed header, offsets that
 *       overlap, leave gaps or run past the end, a shape whose size disagrees with its bytes) throws
 *       a SafetensorsError whose message starts with `where` (e.g. "run.phantomrun › weights.safetensors").
 */

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface DecodedSafetensors {
  tensors: NamedTensor[];
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const METADATA_KEY = '__metadata__';
/** The reference implementation refuses headers above 100 MB; so do we (a corrupt length otherwise allocates gigabytes). */
const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function assertHost(): void {
  // Float32Array is host-endian; safetensors is little-endian. Every browser and Node target is LE.
  if (!LITTLE_ENDIAN) throw new SafetensorsError('safetensors: this machine is big-endian, which this codec does not support');
}

function elementCount(shape: number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/**
 * The file as pieces, without building it: the 8-byte length and header, then each tensor's bytes
 * as a view of its own data (no copy). Concatenated they are encodeSafetensors' bytes; the run
 * file's export streams them into its ZIP so a 300 MB model is never copied into one buffer.
 */
export function safetensorsPieces(tensors: NamedTensor[], metadata: Record<string, string> = {}): Uint8Array[] {
  assertHost();
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  const meta = Object.entries(metadata);
  if (meta.length > 0) {
    for (const [k, v] of meta) if (typeof v !== 'string') throw new SafetensorsError(`safetensors: metadata "${k}" is not a string`);
    header[METADATA_KEY] = { ...metadata };
  }
  let offset = 0;
  for (const t of tensors) {
    if (t.name === METADATA_KEY) throw new SafetensorsError(`safetensors: "${METADATA_KEY}" cannot name a tensor`);
    if (Object.hasOwn(header, t.name)) throw new SafetensorsError(`safetensors: two tensors are named "${t.name}"`);
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new SafetensorsError(`safetensors: tensor "${t.name}" has shape [${t.shape.join(', ')}]`);
    if (elementCount(t.shape) !== t.data.length) {
      throw new SafetensorsError(`safetensors: tensor "${t.name}" has shape [${t.shape.join(', ')}] but ${t.data.length} values`);
    }
    header[t.name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  let json = JSON.stringify(header);
  let jsonBytes = new TextEncoder().encode(json);
  const pad = (8 - (jsonBytes.length % 8)) % 8;
  if (pad > 0) {
    json += ' '.repeat(pad);
    jsonBytes = new TextEncoder().encode(json);
  }
  const head = new Uint8Array(8 + jsonBytes.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  head.set(jsonBytes, 8);
  return [head, ...tensors.map((t) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))];
}

export function encodeSafetensors(tensors: NamedTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const pieces = safetensorsPieces(tensors, metadata);
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, where = 'safetensors'): DecodedSafetensors {
  assertHost();
  const fail = (reason: string): never => {
    throw new SafetensorsError(`${where}: ${reason}`);
  };
  if (bytes.byteLength < 8) fail(`too short to be a safetensors file (${bytes.byteLength} bytes)`);
  const lengthBig = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (lengthBig > BigInt(Math.min(MAX_HEADER_BYTES, bytes.byteLength - 8))) {
    fail(`the header claims ${lengthBig} bytes but the file holds ${bytes.byteLength - 8} after its length`);
  }
  const headerLength = Number(lengthBig);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    fail('the header is not valid UTF-8 JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) fail('the header is not a JSON object');
  const header = parsed as Record<string, unknown>;
  const dataStart = 8 + headerLength;
  const dataLength = bytes.byteLength - dataStart;

  const metadata: Record<string, string> = {};
  const rawMeta = header[METADATA_KEY];
  if (rawMeta !== undefined && rawMeta !== null) {
    if (typeof rawMeta !== 'object' || Array.isArray(rawMeta)) fail('__metadata__ is not an object');
    for (const [k, v] of Object.entries(rawMeta as Record<string, unknown>)) {
      if (typeof v !== 'string') fail(`__metadata__ "${k}" is not a string`);
      metadata[k] = v as string;
    }
  }

  const entries: { name: string; entry: HeaderEntry }[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    const e = value as Partial<HeaderEntry> | null;
    if (e === null || typeof e !== 'object') fail(`tensor "${name}" has no description`);
    const entry = e as Partial<HeaderEntry>;
    if (entry.dtype !== 'F32') fail(`tensor "${name}" has dtype ${String(entry.dtype)}; only F32 (float32) is read`);
    if (!Array.isArray(entry.shape) || !entry.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor "${name}" has an invalid shape`);
    const offs = entry.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0) || offs[0] > offs[1]) {
      fail(`tensor "${name}" has invalid data_offsets`);
    }
    entries.push({ name, entry: entry as HeaderEntry });
  }
  entries.sort((a, b) => a.entry.data_offsets[0] - b.entry.data_offsets[0] || a.entry.data_offsets[1] - b.entry.data_offsets[1]);

  let expected = 0;
  const tensors: NamedTensor[] = [];
  for (const { name, entry } of entries) {
    const [begin, end] = entry.data_offsets;
    if (begin !== expected) fail(`tensor "${name}" starts at byte ${begin}, expected ${expected} (overlapping or missing data)`);
    if (end > dataLength) fail(`tensor "${name}" runs past the end of the file (byte ${end} of ${dataLength})`);
    const count = elementCount(entry.shape);
    if (count * 4 !== end - begin) fail(`tensor "${name}" has shape [${entry.shape.join(', ')}] (${count * 4} bytes) but ${end - begin} bytes of data`);
    // slice() copies into a fresh, 4-aligned buffer whatever the alignment of `bytes`.
    const data = new Float32Array(bytes.slice(dataStart + begin, dataStart + end).buffer);
    tensors.push({ name, shape: [...entry.shape], data });
    expected = end;
  }
  if (expected !== dataLength) fail(`${dataLength - expected} bytes after the last tensor are not described by the header`);
  return { tensors, metadata };
}
