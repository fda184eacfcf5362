import { describe, expect, it } from 'vitest';
import { parseNpy } from './npy';

function npyFloat32(values: number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${values.length},), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const out = new Uint8Array(10 + header.length + values.length * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  new Float32Array(out.buffer, 10 + header.length).set(values);
  return out;
}

describe('npy reader', () => {
  it('reads float32 data from a Node Buffer that sits inside a larger pooled allocation', () => {
    const bytes = npyFloat32([1.5, -2.25, 3]);
    // Buffer.from on a small array lands in Node's shared pool, at a non-zero byteOffset.
    const pooled = Buffer.from(bytes);
    expect(pooled.byteOffset).toBeGreaterThan(0);
    expect(Array.from(parseNpy(pooled).data as Float32Array)).toEqual([1.5, -2.25, 3]);
  });
});
