// The Emscripten codec packages ship no type declarations; codecs.ts narrows what it uses.
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs';
declare module '@cornerstonejs/codec-charls/decodewasmjs';
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs';
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    decode(buffer: ArrayBuffer, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array;
  }
}
