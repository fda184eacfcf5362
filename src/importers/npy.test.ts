import { describe, expect, it } from 'vitest';
import { parseNpy, writeNpy } from './npy';

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

/** Files written by numpy 1.24's np.save, so the writer is checked against numpy itself, byte for byte. */
const NUMPY_SAVED = {
  classNames: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPFU5JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIApuAAAAbwAAAHIAAABtAAAAYQAAAGwAAAAAAAAAAAAAAAAAAABwAAAAbgAAAGUAAAB1AAAAbQAAAG8AAABuAAAAaQAAAGEAAAA=',
  nonAscii: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPFU0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIArWAAAAZAAAAGUAAABtAAAAeAAAAAD2AQAAAAAAAAAAAA==',
  float32: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAQwA==',
  float64: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDEpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD4PwAAAAAAAABA',
};
const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

describe('npy strings and floats, as numpy writes them', () => {
  it('writes class names as a unicode array identical to np.save(np.array(names))', () => {
    expect(writeNpy({ data: ['normal', 'pneumonia'], shape: [2] })).toEqual(fromBase64(NUMPY_SAVED.classNames));
    expect(writeNpy({ data: ['Ödem', 'x😀'], shape: [2] })).toEqual(fromBase64(NUMPY_SAVED.nonAscii));
  });

  it('reads numpy unicode arrays back as strings', () => {
    expect(parseNpy(fromBase64(NUMPY_SAVED.classNames)).data).toEqual(['normal', 'pneumonia']);
    expect(parseNpy(fromBase64(NUMPY_SAVED.nonAscii)).data).toEqual(['Ödem', 'x😀']);
  });

  it('writes float32 and float64 features like numpy', () => {
    expect(writeNpy({ data: Float32Array.of(1.5, -2.25), shape: [2] })).toEqual(fromBase64(NUMPY_SAVED.float32));
    expect(writeNpy({ data: Float64Array.of(1.5, 2), shape: [2, 1] })).toEqual(fromBase64(NUMPY_SAVED.float64));
  });

  it('refuses a shape that does not match the data', () => {
    expect(() => writeNpy({ data: new Uint8Array(3), shape: [2, 2] })).toThrow(/shape \(2, 2\) holds 4 values but 3 were given/);
  });
});
