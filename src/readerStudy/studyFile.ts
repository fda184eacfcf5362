/**
 * The two files that travel between computers, with no server:
 * - the study file (organiser → reader): images in presentation order and the question, but NOT the
 *   answer key. Every test entry has the same fields in the same order, the same size and the same
 *   encoding (base64 of raw grey levels), so only the pixels differ between real and synthetic.
 * - the answers file (reader → organiser): the reader's answers with a SHA-256 over their content, so
 *   an edited or damaged file is refused on import.
 */
import type { DesignedStudy, StudyQuestion } from './studyDesign';

export const STUDY_FORMAT = 'phantom-reader-study';
export const ANSWERS_FORMAT = 'phantom-reader-answers';
export const FILE_VERSION = 1;

export interface StudyFileItem {
  id: string;
  pixels: string;
}

export interface StudyFile {
  format: typeof STUDY_FORMAT;
  version: number;
  studyId: string;
  title: string;
  width: number;
  height: number;
  question: StudyQuestion;
  timeLimitSeconds: number | null;
  items: StudyFileItem[];
  /** Training block: separate images, each with the feedback to show ("S" synthetic, "R" real). */
  training: { id: string; pixels: string; feedback: 'R' | 'S' }[];
}

export interface ReaderAnswer {
  id: string;
  /** Two-choice call; null when not asked (or time ran out). */
  saidSynthetic: boolean | null;
  /** 1–5 confidence that the image is real; null when not asked (or time ran out). */
  confidenceReal: number | null;
  /** Milliseconds the image was on screen. */
  ms: number;
}

export interface AnswersFile {
  format: typeof ANSWERS_FORMAT;
  version: number;
  studyId: string;
  reader: { name: string; experience: string };
  answers: ReaderAnswer[];
  /** Hex SHA-256 of the canonical JSON of every other field. */
  checksum: string;
}

export class StudyFileError extends Error {}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function studyFileOf(study: DesignedStudy): StudyFile {
  return {
    format: STUDY_FORMAT,
    version: FILE_VERSION,
    studyId: study.studyId,
    title: study.config.title,
    width: study.width,
    height: study.height,
    question: { twoChoice: study.config.question.twoChoice, confidence: study.config.question.confidence },
    timeLimitSeconds: study.config.timeLimitSeconds,
    items: study.items.map((it) => ({ id: it.id, pixels: toBase64(it.pixels) })),
    training: study.training.map((t) => ({ id: t.id, pixels: toBase64(t.pixels), feedback: t.synthetic ? 'S' : 'R' })),
  };
}

export function encodeStudyFile(file: StudyFile): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(file));
}

function fail(fileName: string, reason: string): never {
  throw new StudyFileError(`${fileName}: ${reason}`);
}

export function parseStudyFile(bytes: Uint8Array, fileName: string): StudyFile {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    fail(fileName, 'is not a reader study file (it is not readable JSON text).');
  }
  const f = v as Partial<StudyFile>;
  if (!f || f.format !== STUDY_FORMAT) fail(fileName, 'is not a reader study file.');
  if (f.version !== FILE_VERSION) fail(fileName, `was written by a newer studio (version ${String(f.version)}).`);
  if (typeof f.studyId !== 'string' || !Array.isArray(f.items) || !Array.isArray(f.training)) fail(fileName, 'is damaged (fields missing).');
  const n = (f.width ?? 0) * (f.height ?? 0);
  for (const it of [...f.items, ...f.training]) {
    if (typeof it.id !== 'string' || typeof it.pixels !== 'string') fail(fileName, 'is damaged (an image entry is incomplete).');
    let px: Uint8Array;
    try {
      px = fromBase64(it.pixels);
    } catch {
      fail(fileName, `is damaged (image ${it.id} cannot be decoded).`);
    }
    if (px.length !== n) fail(fileName, `is damaged (image ${it.id} holds ${px.length} pixels, not ${f.width}×${f.height}).`);
  }
  return f as StudyFile;
}

/** Canonical JSON (keys in a fixed order) of everything the checksum covers. */
function canonical(a: Omit<AnswersFile, 'checksum'>): string {
  return JSON.stringify([
    a.format,
    a.version,
    a.studyId,
    a.reader.name,
    a.reader.experience,
    a.answers.map((x) => [x.id, x.saidSynthetic, x.confidenceReal, x.ms]),
  ]);
}

async function sha256Hex(text: string): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function answersFileOf(
  studyId: string,
  reader: { name: string; experience: string },
  answers: ReaderAnswer[],
): Promise<AnswersFile> {
  const body = { format: ANSWERS_FORMAT, version: FILE_VERSION, studyId, reader, answers } as const;
  return { ...body, checksum: await sha256Hex(canonical(body)) };
}

export function encodeAnswersFile(file: AnswersFile): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(file, null, 1));
}

/** What the organiser needs to check an answers file against its own study. */
export interface StudyForImport {
  studyId: string;
  title: string;
  itemIds: readonly string[];
  question: StudyQuestion;
  /** Names of readers already stored (case-insensitive duplicates are refused). */
  readerNames: readonly string[];
}

/**
 * Validates an answers file completely before anything is stored: the right study, a checksum that
 * matches, each image answered at most once and only images of the study, values in range, and a
 * reader name not already taken. Any failure throws with the file name and the reason.
 */
export async function parseAnswersFile(bytes: Uint8Array, fileName: string, study: StudyForImport): Promise<AnswersFile> {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    fail(fileName, 'is not an answers file (it is not readable JSON text).');
  }
  const f = v as Partial<AnswersFile>;
  if (!f || f.format !== ANSWERS_FORMAT) fail(fileName, 'is not a reader-study answers file.');
  if (f.version !== FILE_VERSION) fail(fileName, `was written by a newer studio (version ${String(f.version)}).`);
  if (f.studyId !== study.studyId) fail(fileName, `holds answers to another study, not to “${study.title}”.`);
  if (!f.reader || typeof f.reader.name !== 'string' || typeof f.reader.experience !== 'string' || !Array.isArray(f.answers)) {
    fail(fileName, 'is damaged (fields missing).');
  }
  if (typeof f.checksum !== 'string' || (await sha256Hex(canonical(f as AnswersFile))) !== f.checksum) {
    fail(fileName, 'was changed after the reader saved it (its checksum does not match); ask the reader for the original file.');
  }
  const name = f.reader.name.trim();
  if (!name) fail(fileName, 'has no reader name.');
  if (study.readerNames.some((r) => r.toLowerCase() === name.toLowerCase())) {
    fail(fileName, `holds answers by “${name}”, who already has answers in this study (imported twice?). Nothing was changed.`);
  }
  const known = new Set(study.itemIds);
  const seen = new Set<string>();
  for (const a of f.answers) {
    if (!known.has(a.id)) fail(fileName, `answers image ${String(a.id)}, which is not in this study.`);
    if (seen.has(a.id)) fail(fileName, `answers image ${a.id} twice.`);
    seen.add(a.id);
    if (a.saidSynthetic !== null && typeof a.saidSynthetic !== 'boolean') fail(fileName, `has an unreadable answer for image ${a.id}.`);
    if (a.confidenceReal !== null && !(Number.isInteger(a.confidenceReal) && a.confidenceReal >= 1 && a.confidenceReal <= 5)) {
      fail(fileName, `has a confidence outside 1–5 for image ${a.id}.`);
    }
    if (!(typeof a.ms === 'number' && a.ms >= 0)) fail(fileName, `has an unreadable time for image ${a.id}.`);
  }
  return f as AnswersFile;
}
