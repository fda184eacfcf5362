/** The text to show for anything thrown: an Error's message, or the value itself as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An error as the user reads it: what happened in their terms, and the original text one click away. */
export interface ExplainedError {
  message: string;
  /** The library's own words, when they were translated (shown under "details"). */
  detail?: string;
}

/**
 * Library messages and what they mean to someone importing or saving files. Decoders (dicom-parser,
 * fast-png, jpeg-js, fflate, the browser's storage) speak of byte positions and buffers; the user
 * needs to know the file is cut short or damaged.
 */
const TRANSLATIONS: [RegExp, string][] = [
  [/position'? cannot be greater than or equal to '?byteArray'? length|buffer overrun|past end of buffer|outside the bounds of the DataView|Offset is outside the bounds|offset out of range|out of bounds|unexpected end|end of (the )?(data|stream|file|input)|premature end|not enough data/i, 'the file ends early (truncated): it was probably cut short while copying or downloading'],
  [/end-of-central-directory|central directory|invalid zip|not a zip/i, 'the archive is incomplete or damaged (truncated while copying?)'],
  [/incorrect header check|invalid (stored block|distance|code|block type)|invalid literal/i, 'compressed data inside the file is damaged'],
  [/crc mismatch|bad crc|invalid crc|crc error|checksum (mismatch|error)/i, 'the file is damaged: a checksum inside it does not match its contents'],
  [/invalid png signature|not a png|wrong png signature/i, 'this is not a PNG file, although its name says so'],
  [/unknown JPEG marker|SOI not found|marker was not found|invalid jpeg/i, 'the JPEG data is damaged or uses an encoding the studio does not read'],
  [/QuotaExceeded|quota/i, "the browser's storage for this site is full: free space (delete datasets or runs) and try again"],
  [/allocation failed|Array buffer allocation|out of memory|Invalid typed array length|Invalid array length/i, "the image is too large to decode in this browser's memory"],
];

/** The user's words for a library message, or null when it is not one we know. */
export function translateLibraryMessage(raw: string): string | null {
  for (const [pattern, words] of TRANSLATIONS) if (pattern.test(raw)) return words;
  return null;
}

/**
 * Anything thrown, explained: an error that carries its own `detail` keeps it; a known library
 * message is translated (the original becomes the detail), also when it is quoted in parentheses
 * at the end of our own message ("not a readable DICOM file (parameter 'position' …)").
 */
export function explainError(error: unknown): ExplainedError {
  if (typeof error === 'number') return { message: 'the decoder stopped on corrupt or unsupported data', detail: `error code ${error}` };
  const raw = errorMessage(error);
  const own = error instanceof Error ? (error as Error & { detail?: unknown }).detail : undefined;
  if (typeof own === 'string' && own) return { message: raw, detail: own };
  const quoted = /^(.*?)\s*\(([^()]*)\)\s*$/.exec(raw);
  if (quoted) {
    const words = translateLibraryMessage(quoted[2]);
    if (words) return { message: `${quoted[1].replace(/[:,]\s*$/, '')}: ${words}`, detail: quoted[2] };
  }
  // Our own refusals (ImportError) are already in the user's terms; only a quoted library tail is translated.
  if (error instanceof Error && error.name === 'ImportError') return { message: raw };
  const words = translateLibraryMessage(raw);
  return words ? { message: words, detail: raw } : { message: raw };
}
