/** Test fixtures: small DICOM files written in the test, here with identifying attributes to prove they are dropped. */

/** Minimal Explicit VR Little Endian Part 10 writer: enough to carry identifying attributes. */
export function writeDicom(elements: [number, number, string, string | Uint8Array | number][]): Uint8Array {
  const chunks: number[] = [];
  const push16 = (v: number) => chunks.push(v & 255, (v >> 8) & 255);
  const push32 = (v: number) => { push16(v & 0xffff); push16(v >>> 16); };
  const encode = (vr: string, value: string | Uint8Array | number): Uint8Array => {
    if (value instanceof Uint8Array) return value;
    if (typeof value === 'number') return new Uint8Array(new Uint16Array([value]).buffer);
    const text = value.length % 2 ? value + (vr === 'UI' ? '\0' : ' ') : value;
    return new TextEncoder().encode(text);
  };
  const write = (group: number, element: number, vr: string, value: string | Uint8Array | number) => {
    const bytes = encode(vr, value);
    push16(group); push16(element); chunks.push(vr.charCodeAt(0), vr.charCodeAt(1));
    if (['OB', 'OW', 'SQ', 'UN', 'UT'].includes(vr)) { push16(0); push32(bytes.length); } else push16(bytes.length);
    chunks.push(...bytes);
  };
  write(0x0002, 0x0010, 'UI', '1.2.840.10008.1.2.1');
  const meta = chunks.splice(0);
  push16(0x0002); push16(0x0000); chunks.push(0x55, 0x4c); push16(4); push32(meta.length);
  chunks.push(...meta);
  for (const [g, e, vr, v] of elements) write(g, e, vr, v);
  const out = new Uint8Array(132 + chunks.length);
  out.set([0x44, 0x49, 0x43, 0x4d], 128);
  out.set(chunks, 132);
  return out;
}

export const PHI = { name: 'Doe^Jane', id: 'PID-99173', birth: '19580412', study: '20240117', uid: '1.2.826.0.1.3680043.9.7133.424242', institution: 'St Elsewhere Hospital' };
export function phiDicom(patientId = PHI.id): Uint8Array {
  const pixels = new Uint8Array(32 * 32 * 2);
  new Uint16Array(pixels.buffer).forEach((_, i, a) => (a[i] = (i * 37) % 4096));
  return writeDicom([
    [0x0008, 0x0020, 'DA', PHI.study],
    [0x0008, 0x0060, 'CS', 'CT'],
    [0x0008, 0x0080, 'LO', PHI.institution],
    [0x0010, 0x0010, 'PN', PHI.name],
    [0x0010, 0x0020, 'LO', patientId],
    [0x0010, 0x0030, 'DA', PHI.birth],
    [0x0020, 0x000d, 'UI', PHI.uid],
    [0x0028, 0x0002, 'US', 1],
    [0x0028, 0x0004, 'CS', 'MONOCHROME2'],
    [0x0028, 0x0010, 'US', 32],
    [0x0028, 0x0011, 'US', 32],
    [0x0028, 0x0030, 'DS', '0.7\\0.7'],
    [0x0028, 0x0100, 'US', 16],
    [0x0028, 0x0101, 'US', 12],
    [0x0028, 0x0102, 'US', 11],
    [0x0028, 0x0103, 'US', 0],
    [0x0028, 0x1050, 'DS', '40'],
    [0x0028, 0x1051, 'DS', '400'],
    [0x0028, 0x1052, 'DS', '-1024'],
    [0x0028, 0x1053, 'DS', '1'],
    [0x7fe0, 0x0010, 'OW', pixels],
  ]);
}

