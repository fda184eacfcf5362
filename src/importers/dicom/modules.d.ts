// The Emscripten codec packages ship no type declarations; codecs.ts narrows what it uses.
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs';
declare module '@cornerstonejs/codec-charls/decodewasmjs';
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs';
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array;
  }
}
// daikon's pdf.js-derived baseline/extended JPEG decoder (the one with a 16-bit output path).
declare module 'daikon/lib/jpeg-baseline.js' {
  export class JpegImage {
    width: number;
    height: number;
    components: unknown[];
    colorTransform?: boolean;
    parse(data: Uint8Array): void;
    getData16(width: number, height: number): Uint16Array;
  }
  const jpegBaseline: { JpegImage: typeof JpegImage };
  export default jpegBaseline;
}
