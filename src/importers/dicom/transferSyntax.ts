/** Transfer syntaxes the importer decodes, and how each frame is encoded. */
export type FrameEncoding = 'native' | 'rle' | 'jpeg-baseline' | 'jpeg-extended' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg2000';

export const TRANSFER_SYNTAXES: Record<string, { name: string; encoding: FrameEncoding; bigEndian?: boolean; deflated?: boolean }> = {
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', encoding: 'native' },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', encoding: 'native' },
  '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', encoding: 'native', deflated: true },
  '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian', encoding: 'native', bigEndian: true },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', encoding: 'rle' },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline', encoding: 'jpeg-baseline' },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended', encoding: 'jpeg-extended' },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG Lossless', encoding: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.70': { name: 'JPEG Lossless SV1', encoding: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.80': { name: 'JPEG-LS Lossless', encoding: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.81': { name: 'JPEG-LS Near-Lossless', encoding: 'jpeg-ls' },
  '1.2.840.10008.1.2.4.90': { name: 'JPEG 2000 Lossless', encoding: 'jpeg2000' },
  '1.2.840.10008.1.2.4.91': { name: 'JPEG 2000', encoding: 'jpeg2000' },
};
