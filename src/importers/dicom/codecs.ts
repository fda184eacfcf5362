/**
 * Lazy loaders for the wasm image codecs. Each codec is compiled once per worker, on first use,
 * so importing plain PNGs never pays for OpenJPEG.
 *
 * Node (tests, CLI): the Emscripten glue finds its .wasm next to itself via __dirname, nothing to do.
 * Vite-built worker: the glue would look for the .wasm relative to the bundled chunk, where it is
 * not. The worker must hand over the emitted asset URLs first:
 *
 *   import openjpegWasm from '@cornerstonejs/codec-openjpeg/decodewasm?url';
 *   import charlsWasm from '@cornerstonejs/codec-charls/decodewasm?url';
 *   import libjpegWasm from '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm?url';
 *   setCodecWasmUrls({ openjpeg: openjpegWasm, charls: charlsWasm, libjpegTurbo: libjpegWasm });
 */

export interface CodecFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

/** The common shape of the three Emscripten decoders (J2KDecoder, JpegLSDecoder, JPEGDecoder). */
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getDecodedBuffer(): Uint8Array;
  getFrameInfo(): CodecFrameInfo;
  delete(): void;
}

type CodecName = 'openjpeg' | 'charls' | 'libjpegTurbo';
type EmscriptenFactory = (options: { locateFile?: (path: string) => string; print?: (text: string) => void; printErr?: (text: string) => void }) => Promise<Record<string, new () => WasmDecoder>>;

const wasmUrls: Partial<Record<CodecName, string>> = {};
const modules = new Map<CodecName, Promise<Record<string, new () => WasmDecoder>>>();

export function setCodecWasmUrls(urls: Partial<Record<CodecName, string>>): void {
  Object.assign(wasmUrls, urls);
  modules.clear();
}

async function importFactory(name: CodecName): Promise<EmscriptenFactory> {
  // Literal specifiers so bundlers can see and split each codec into its own chunk.
  const mod =
    name === 'openjpeg'
      ? await import('@cornerstonejs/codec-openjpeg/decodewasmjs')
      : name === 'charls'
        ? await import('@cornerstonejs/codec-charls/decodewasmjs')
        : await import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs');
  return ((mod as { default?: unknown }).default ?? mod) as EmscriptenFactory;
}

function loadModule(name: CodecName): Promise<Record<string, new () => WasmDecoder>> {
  let pending = modules.get(name);
  if (!pending) {
    const url = wasmUrls[name];
    // OpenJPEG logs every header it reads; those lines are noise in a worker console and in test output.
    const quiet = { print: () => {}, printErr: () => {} };
    pending = importFactory(name).then((factory) => factory(url ? { ...quiet, locateFile: () => url } : quiet));
    modules.set(name, pending);
  }
  return pending;
}

export interface CodecOutput {
  info: CodecFrameInfo;
  /** Copy of the decoded samples (the codec's own buffer lives in wasm memory and is reused). */
  bytes: Uint8Array;
}

async function runDecoder(name: CodecName, className: string, encoded: Uint8Array): Promise<CodecOutput> {
  const mod = await loadModule(name);
  const Decoder = mod[className];
  const decoder = new Decoder();
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    return { info: { ...info }, bytes: decoder.getDecodedBuffer().slice() };
  } finally {
    decoder.delete();
  }
}

export const decodeJpeg2000 = (encoded: Uint8Array) => runDecoder('openjpeg', 'J2KDecoder', encoded);
export const decodeJpegLs = (encoded: Uint8Array) => runDecoder('charls', 'JpegLSDecoder', encoded);
export const decodeJpegBaseline8 = (encoded: Uint8Array) => runDecoder('libjpegTurbo', 'JPEGDecoder', encoded);
