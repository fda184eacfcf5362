/**
 * A model state as one self-describing byte array: a little-endian u32 header length, a JSON header
 * (config, step, tensor names and shapes), then the float32 data, 4-byte aligned. The SHA-256 of
 * the bytes is stored beside it and checked before a restore, so a torn or corrupted write is
 * detected instead of silently loading garbage.
 */
import type { ModelState, StateTensor } from '../../models/types';

interface Header {
  format: ModelState['format'];
  version: ModelState['version'];
  kind: ModelState['kind'];
  config: ModelState['config'];
  step: number;
  extra: ModelState['extra'];
  tensors: { name: string; shape: number[]; dtype: 'float32'; length: number }[];
}

export function encodeState(state: ModelState): Uint8Array {
  const header: Header = {
    format: state.format,
    version: state.version,
    kind: state.kind,
    config: state.config,
    step: state.step,
    extra: state.extra,
    tensors: state.tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: t.dtype, length: t.data.length })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = Math.ceil((4 + json.length) / 4) * 4;
  const floats = state.tensors.reduce((n, t) => n + t.data.length, 0);
  const out = new Uint8Array(headerBytes + floats * 4);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  const data = new Float32Array(out.buffer, headerBytes, floats);
  let offset = 0;
  for (const t of state.tensors) {
    data.set(t.data, offset);
    offset += t.data.length;
  }
  return out;
}

/**
 * alias: the tensors may be views of `bytes` (no copy) when it is 4-byte aligned there. Only for a
 * caller that owns `bytes` (a fresh read from the store) and never writes to the state: the
 * run-file export, which would otherwise hold a 300 MB checkpoint twice.
 */
export function decodeState(bytes: Uint8Array, what = 'checkpoint', options: { alias?: boolean } = {}): ModelState {
  if (bytes.byteLength < 8) throw new Error(`The ${what} is truncated (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = view.getUint32(0, true);
  if (4 + jsonLength > bytes.byteLength) throw new Error(`The ${what} is truncated: its header claims ${jsonLength} bytes`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + jsonLength))) as Header;
  } catch {
    throw new Error(`The ${what} has an unreadable header`);
  }
  if (header.format !== 'phantom-studio/model-state') throw new Error(`The ${what} is not a Phantom Studio model state`);
  const headerBytes = Math.ceil((4 + jsonLength) / 4) * 4;
  const floats = header.tensors.reduce((n, t) => n + t.length, 0);
  if (headerBytes + floats * 4 !== bytes.byteLength) throw new Error(`The ${what} is truncated: expected ${headerBytes + floats * 4} bytes, found ${bytes.byteLength}`);
  // Copy so the state does not pin (or alias) the stored buffer, unless the caller asked for views.
  const aligned = (bytes.byteOffset + headerBytes) % 4 === 0;
  const data = options.alias && aligned ? new Float32Array(bytes.buffer, bytes.byteOffset + headerBytes, floats) : new Float32Array(bytes.slice(headerBytes).buffer);
  let offset = 0;
  const tensors: StateTensor[] = header.tensors.map((t) => {
    const slice = data.subarray(offset, offset + t.length);
    offset += t.length;
    return { name: t.name, shape: t.shape, dtype: t.dtype, data: slice };
  });
  return { format: header.format, version: header.version, kind: header.kind, config: header.config, step: header.step, extra: header.extra, tensors };
}

export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
