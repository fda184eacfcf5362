/**
 * The safetensors codec: round trips, refusals of malformed files, and a cross-check with Python
 * (/usr/bin/python3): an independent numpy + struct reader reads what we write, we read what it
 * writes, and (when torch is there) python/phantom_models.py's reader agrees. Python checks skip
 * with the reason when /usr/bin/python3 or numpy is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type NamedTensor } from './safetensors';

const PYTHON = '/usr/bin/python3';
const PYTHON_DIR = resolve(import.meta.dirname, '../../python');

function sample(): NamedTensor[] {
  return [
    { name: 'g.dense.kernel', shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i * 0.5 - 2.25) },
    { name: 'g.bias', shape: [5], data: Float32Array.from([1e-30, -0, Math.PI, -1e20, 7]) },
    { name: 'scalar', shape: [], data: Float32Array.from([42]) },
    { name: 'empty', shape: [0, 3], data: new Float32Array(0) },
  ];
}

/** A header + data, built by hand, for the refusal tests. */
function handMade(header: unknown, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors codec', () => {
  it('round-trips names, shapes, values (bit-exact) and metadata', () => {
    const bytes = encodeSafetensors(sample(), { format: 'phantom-studio/weights', kind: 'dcgan' });
    const header = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(header % 8).toBe(0);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ format: 'phantom-studio/weights', kind: 'dcgan' });
    expect(tensors.map((t) => [t.name, t.shape])).toEqual(sample().map((t) => [t.name, t.shape]));
    for (const [i, t] of tensors.entries()) expect(Array.from(t.data)).toEqual(Array.from(sample()[i]!.data));
    expect(Object.is(tensors[1]!.data[1], -0)).toBe(true);
  });

  it('reads from an unaligned view and returns copies, not views of the input', () => {
    const bytes = encodeSafetensors(sample());
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const { tensors } = decodeSafetensors(shifted.subarray(3));
    expect(Array.from(tensors[0]!.data)).toEqual(Array.from(sample()[0]!.data));
    shifted.fill(0);
    expect(tensors[0]!.data[1]).toBe(-1.75);
  });

  it('writes a tensor that is a view into a larger buffer', () => {
    const big = Float32Array.from([9, 9, 1, 2, 3, 9]);
    const { tensors } = decodeSafetensors(encodeSafetensors([{ name: 'v', shape: [3], data: big.subarray(2, 5) }]));
    expect(Array.from(tensors[0]!.data)).toEqual([1, 2, 3]);
  });

  it('refuses to write inconsistent tensors', () => {
    expect(() => encodeSafetensors([{ name: 'a', shape: [2, 2], data: new Float32Array(3) }])).toThrow(/shape \[2, 2\] but 3 values/);
    expect(() => encodeSafetensors([{ name: 'a', shape: [1], data: new Float32Array(1) }, { name: 'a', shape: [1], data: new Float32Array(1) }])).toThrow(/two tensors are named "a"/);
    expect(() => encodeSafetensors([{ name: '__metadata__', shape: [1], data: new Float32Array(1) }])).toThrow(SafetensorsError);
  });

  it('refuses malformed files with the file name and the reason', () => {
    const where = 'run.phantomrun › weights.safetensors';
    const four = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(5), /too short/],
      [handMade({}, new Uint8Array(0), 1_000_000n), /header claims 1000000 bytes/],
      [(() => { const b = handMade({ a: 1 }); b[8] = 0x7b; b[9] = 0xff; return b; })(), /not valid UTF-8 JSON/],
      [handMade([1, 2]), /not a JSON object/],
      [handMade({ a: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } }, new Uint8Array(16)), /dtype F64; only F32/],
      [handMade({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 16] } }, four), /invalid shape/],
      [handMade({ a: { dtype: 'F32', shape: [4], data_offsets: [4, 0] } }, four), /invalid data_offsets/],
      [handMade({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, four), /shape \[3\] \(12 bytes\) but 16 bytes/],
      [handMade({ a: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } }, four), /runs past the end/],
      [handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, four), /starts at byte 4, expected 8/],
      [handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, four), /8 bytes after the last tensor/],
      [handMade({ __metadata__: { a: 1 } }), /__metadata__ "a" is not a string/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => decodeSafetensors(bytes, where)).toThrow(message);
      expect(() => decodeSafetensors(bytes, where)).toThrow(where);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Python cross-check
// ---------------------------------------------------------------------------------------------

/** An independent reader and writer: struct + numpy only, so it shares no code with either side. */
const NUMPY_SCRIPT = String.raw`
import json, struct, sys
import numpy as np
mode, path = sys.argv[1], sys.argv[2]
if mode == "read":
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    body = data[8 + n:]
    out = {}
    for name, e in header.items():
        assert e["dtype"] == "F32", e
        a, b = e["data_offsets"]
        arr = np.frombuffer(body[a:b], dtype="<f4").reshape(e["shape"])
        out[name] = {"shape": list(arr.shape), "values": [float(x) for x in arr.ravel()]}
    print(json.dumps({"tensors": out, "metadata": meta}))
else:
    tensors = {"w": np.arange(6, dtype="<f4").reshape(2, 3) / 8, "b": np.array([-1.5, 2.5e-8], dtype="<f4")}
    header, chunks, off = {"__metadata__": {"writer": "numpy"}}, [], 0
    for name in ["w", "b"]:
        raw = tensors[name].tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [off, off + len(raw)]}
        chunks.append(raw); off += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    open(path, "wb").write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
`;

const TORCH_SCRIPT = String.raw`
import json, sys
sys.path.insert(0, sys.argv[1])
try:
    import torch
except ImportError:
    print(json.dumps({"skipped": "torch is not installed for /usr/bin/python3"})); sys.exit(0)
from phantom_models import read_safetensors
tensors, meta = read_safetensors(sys.argv[2])
print(json.dumps({"tensors": {k: {"shape": list(v.shape), "values": [float(x) for x in v.flatten().tolist()]} for k, v in tensors.items()}, "metadata": meta}))
`;

function python(script: string, args: string[]): { skipped?: string; stdout?: string } {
  const run = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8' });
  if (run.error) return { skipped: `${PYTHON} is not available (${run.error.message})` };
  if (run.status !== 0) {
    if (/No module named 'numpy'/.test(run.stderr)) return { skipped: `numpy is not installed for ${PYTHON}` };
    throw new Error(`python failed: ${run.stderr}`);
  }
  return { stdout: run.stdout };
}

describe('safetensors cross-check with Python', () => {
  const dir = mkdtempSync(join(tmpdir(), 'safetensors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const expected = sample();

  function checkRead(stdout: string): void {
    const read = JSON.parse(stdout) as { tensors: Record<string, { shape: number[]; values: number[] }>; metadata: Record<string, string> };
    expect(read.metadata).toEqual({ kind: 'vae', note: 'ünïcode ✓' });
    expect(Object.keys(read.tensors).sort()).toEqual(expected.map((t) => t.name).sort());
    for (const t of expected) {
      expect(read.tensors[t.name]!.shape).toEqual(t.shape);
      // Python prints the float32 values as float64; compare them as float32 (bit-exact, -0 included).
      expect(Float32Array.from(read.tensors[t.name]!.values)).toEqual(t.data);
    }
  }

  it('numpy reads what we write', (ctx) => {
    const path = join(dir, 'ours.safetensors');
    writeFileSync(path, encodeSafetensors(expected, { kind: 'vae', note: 'ünïcode ✓' }));
    const result = python(NUMPY_SCRIPT, ['read', path]);
    if (result.skipped) return ctx.skip(result.skipped);
    checkRead(result.stdout!);
  });

  it('phantom_models.read_safetensors (torch) reads what we write', (ctx) => {
    const path = join(dir, 'ours-torch.safetensors');
    writeFileSync(path, encodeSafetensors(expected, { kind: 'vae', note: 'ünïcode ✓' }));
    const result = python(TORCH_SCRIPT, [PYTHON_DIR, path]);
    if (result.skipped) return ctx.skip(result.skipped);
    const parsed = JSON.parse(result.stdout!) as { skipped?: string };
    if (parsed.skipped) return ctx.skip(parsed.skipped);
    checkRead(result.stdout!);
  });

  it('we read what numpy writes', (ctx) => {
    const path = join(dir, 'theirs.safetensors');
    const result = python(NUMPY_SCRIPT, ['write', path]);
    if (result.skipped) return ctx.skip(result.skipped);
    const { tensors, metadata } = decodeSafetensors(new Uint8Array(readFileSync(path)), path);
    expect(metadata).toEqual({ writer: 'numpy' });
    expect(tensors.map((t) => [t.name, t.shape, Array.from(t.data)])).toEqual([
      ['w', [2, 3], [0, 0.125, 0.25, 0.375, 0.5, 0.625]],
      ['b', [2], [-1.5, Math.fround(2.5e-8)]],
    ]);
  });
});
