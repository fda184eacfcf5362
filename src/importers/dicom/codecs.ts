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

import { ImportError } from '../types';
import { errorMessage } from '../../core/errorMessage';

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

const CODEC_LABELS: Record<CodecName, string> = { openjpeg: 'JPEG 2000', charls: 'JPEG-LS', libjpegTurbo: 'JPEG' };

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
    try {
      decoder.decode();
    } catch (error) {
      // Emscripten builds throw a bare number (a pointer to the C++ exception), which means
      // nothing to a user: say which codec gave up instead.
      throw new ImportError(`${CODEC_LABELS[name]} codestream could not be decoded (corrupt or unsupported${typeof error === 'number' ? '' : `: ${errorMessage(error)}`})`);
    }
    const info = decoder.getFrameInfo();
    // Some codecs "succeed" on garbage and report a 0x0 frame; that is a refusal, not an image.
    if (!(info.width > 0 && info.height > 0)) throw new ImportError(`${CODEC_LABELS[name]} codestream could not be decoded (no image in it)`);
    return { info: { ...info }, bytes: decoder.getDecodedBuffer().slice() };
  } finally {
    decoder.delete();
  }
}

export const decodeJpeg2000 = (encoded: Uint8Array) => runDecoder('openjpeg', 'J2KDecoder', encoded);
export const decodeJpegLs = (encoded: Uint8Array) => runDecoder('charls', 'JpegLSDecoder', encoded);
export const decodeJpegBaseline8 = (encoded: Uint8Array) => runDecoder('libjpegTurbo', 'JPEGDecoder', encoded);

/**
 * The pdf.js-derived decoder's 12-bit path converts IDCT output (16× the sample) with
 * `(q + 2056 / bitConversion) >> 4`, bitConversion = 255/4095, i.e. an offset of 33016 where the
 * JPEG level shift plus rounding is 2048·16 + 8 = 32776. 33016 − 32776 = 240 = 15·16, so every
 * sample comes out exactly 15 too high (and the top clamp fires 15 early). Measured on pydicom's
 * JPGExtended.dcm: the raw output is 15 above pydicom's reference values, and exact after this.
 */
const EXTENDED_12BIT_OFFSET = 15;

let jpegImageModule: Promise<typeof import('daikon/lib/jpeg-baseline.js').default> | undefined;

/**
 * Decodes a single-component 12-bit JPEG Extended (process 4) codestream to stored values.
 * libjpeg-turbo's wasm build here is 8-bit only, so this uses daikon's JavaScript decoder (the
 * same modified pdf.js code Cornerstone's image loader ships), loaded on first use.
 * Known limit inherited from the decoder: samples the encoder put at 4080..4095 read as 4080.
 */
export async function decodeJpegExtended12(encoded: Uint8Array, columns: number, rows: number): Promise<Int32Array> {
  jpegImageModule ??= import('daikon/lib/jpeg-baseline.js').then((mod) => mod.default);
  const { JpegImage } = await jpegImageModule;
  const jpeg = new JpegImage();
  try {
    jpeg.parse(encoded);
  } catch (error) {
    // The decoder throws bare strings ("unexpected marker: ...").
    throw new ImportError(`12-bit JPEG codestream could not be decoded: ${errorMessage(error)}`);
  }
  if (jpeg.components.length !== 1) throw new ImportError(`12-bit JPEG with ${jpeg.components.length} components is not supported (only greyscale)`);
  if (jpeg.width !== columns || jpeg.height !== rows) {
    throw new ImportError(`codestream is ${jpeg.width}x${jpeg.height} but the header says ${columns}x${rows}`);
  }
  jpeg.colorTransform = false;
  const raw = jpeg.getData16(columns, rows);
  const values = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) values[i] = Math.max(0, raw[i] - EXTENDED_12BIT_OFFSET);
  return values;
}
