/**
 * Hands the DICOM codecs' wasm files to the decoders. Vite emits them as hashed assets of our own
 * origin (precached by the service worker); the Emscripten glue would otherwise look for them
 * beside the bundled chunk, where they are not.
 */
import openjpeg from '@cornerstonejs/codec-openjpeg/decodewasm?url';
import charls from '@cornerstonejs/codec-charls/decodewasm?url';
import libjpegTurbo from '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm?url';
import { setCodecWasmUrls } from '../importers/dicom/codecs';

setCodecWasmUrls({ openjpeg, charls, libjpegTurbo });
