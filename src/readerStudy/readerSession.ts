/**
 * One reader's way through a study, as plain data: which image is on screen, what was answered, how
 * long each image was looked at, whether the session is paused, and the training block with its
 * feedback. Every function is pure (the caller passes `now` in milliseconds) and returns a new state,
 * so the state can be stored as JSON after every step and a reload resumes exactly where it stopped.
 *
 * Rules (they are what a reader sees, so they are kept few):
 * - The training block, if the study has one, comes first; after each training answer the truth is
 *   shown and the reader moves on by hand. Nothing outside the training block ever shows the truth.
 * - In the test, a complete answer (every question the study asks) moves on to the next image.
 * - Arrows move between answered images and to the first unanswered one, never past it. With a time
 *   limit there is no going back (looking again would undo the limit).
 * - Time counts only while the image is on screen and the session runs: pausing, the start screen and
 *   the time between a save and a reload do not count.
 * - An image not answered in full when its time limit runs out is recorded as timed out: the parts
 *   given stay, the rest is null, and it cannot be answered afterwards.
 */
import type { StudyQuestion } from './studyDesign';
import type { ReaderAnswer, StudyFile } from './studyFile';
import { callOf } from './statistics';

export const SESSION_FORMAT = 'phantom-reader-session';
export const SESSION_VERSION = 1;

export interface ItemRecord {
  saidSynthetic: boolean | null;
  confidenceReal: number | null;
  /** Milliseconds on screen while running (accrued up to the last state change). */
  ms: number;
  timedOut: boolean;
}

export type Phase = 'training' | 'test';

export interface ReaderSession {
  format: typeof SESSION_FORMAT;
  version: number;
  studyId: string;
  question: StudyQuestion;
  timeLimitMs: number | null;
  training: { id: string; feedback: 'R' | 'S' }[];
  itemIds: string[];
  phase: Phase;
  /** Position in the current phase's list; in the test it may equal the list's length: the end screen. */
  index: number;
  /** By image id (training and test ids are distinct). */
  records: Record<string, ItemRecord>;
  paused: boolean;
  /** When the current stretch of looking began (epoch ms); null while paused or on the end screen. */
  runningSince: number | null;
}

export class ReaderSessionError extends Error {}

/** A new session: it opens paused on its first image, so the clock starts when the reader starts it. */
export function startSession(study: StudyFile): ReaderSession {
  return {
    format: SESSION_FORMAT,
    version: SESSION_VERSION,
    studyId: study.studyId,
    question: { twoChoice: study.question.twoChoice, confidence: study.question.confidence },
    timeLimitMs: study.timeLimitSeconds === null ? null : study.timeLimitSeconds * 1000,
    training: study.training.map((t) => ({ id: t.id, feedback: t.feedback })),
    itemIds: study.items.map((it) => it.id),
    phase: study.training.length > 0 ? 'training' : 'test',
    index: 0,
    records: {},
    paused: true,
    runningSince: null,
  };
}

function listOf(s: ReaderSession, phase: Phase = s.phase): string[] {
  return phase === 'training' ? s.training.map((t) => t.id) : s.itemIds;
}

/** The id of the image on screen, or null on the end screen. */
export function currentId(s: ReaderSession): string | null {
  return listOf(s)[s.index] ?? null;
}

/** Whether the record holds every answer the study asks for (or timed out). */
export function isAnswered(q: StudyQuestion, r: ItemRecord | undefined): boolean {
  if (!r) return false;
  if (r.timedOut) return true;
  return (!q.twoChoice || r.saidSynthetic !== null) && (!q.confidence || r.confidenceReal !== null);
}

function recordOf(s: ReaderSession, id: string): ItemRecord {
  return s.records[id] ?? { saidSynthetic: null, confidenceReal: null, ms: 0, timedOut: false };
}

/** Adds the running stretch to the image on screen and restarts the stretch at `now`. */
function accrue(s: ReaderSession, now: number): ReaderSession {
  const id = currentId(s);
  if (s.runningSince === null || id === null) return s;
  const r = recordOf(s, id);
  const elapsed = Math.max(0, now - s.runningSince);
  const ms = s.timeLimitMs !== null && !isAnswered(s.question, r) ? Math.min(s.timeLimitMs, r.ms + elapsed) : r.ms + elapsed;
  return { ...s, records: { ...s.records, [id]: { ...r, ms } }, runningSince: now };
}

/** Moves to `index` of `phase`, accruing time on the image left behind. */
function moveTo(s: ReaderSession, phase: Phase, index: number, now: number): ReaderSession {
  const a = accrue(s, now);
  const moved = { ...a, phase, index };
  const running = !moved.paused && currentId(moved) !== null;
  return { ...moved, runningSince: running ? now : null };
}

export function pause(s: ReaderSession, now: number): ReaderSession {
  if (s.paused) return s;
  return { ...accrue(s, now), paused: true, runningSince: null };
}

export function resume(s: ReaderSession, now: number): ReaderSession {
  if (!s.paused) return s;
  return { ...s, paused: false, runningSince: currentId(s) === null ? null : now };
}

export function togglePause(s: ReaderSession, now: number): ReaderSession {
  return s.paused ? resume(s, now) : pause(s, now);
}

/** Whether the reader may answer the image on screen now (running, not timed out, not on the end screen). */
export function canAnswer(s: ReaderSession): boolean {
  const id = currentId(s);
  if (s.paused || id === null) return false;
  const r = s.records[id];
  if (r?.timedOut) return false;
  // In training, an answered image shows its feedback; the answer is final there.
  if (s.phase === 'training' && isAnswered(s.question, r)) return false;
  return true;
}

function answer(s: ReaderSession, change: Partial<Pick<ItemRecord, 'saidSynthetic' | 'confidenceReal'>>, now: number): ReaderSession {
  const after = tick(s, now);
  if (after !== s && currentId(after) !== currentId(s)) return after; // the limit ran out first
  if (!canAnswer(after)) return after;
  const a = accrue(after, now);
  const id = currentId(a)!;
  const r = { ...recordOf(a, id), ...change };
  const b = { ...a, records: { ...a.records, [id]: r } };
  // A complete test answer moves on; a training answer stays to show its feedback; changing an
  // earlier answer (when reviewing) moves on too, so the reader keeps going forward.
  if (b.phase === 'test' && isAnswered(b.question, r)) return moveTo(b, 'test', b.index + 1, now);
  return b;
}

/** "Real" (R) or "synthetic" (S); ignored when the study does not ask it. */
export function answerChoice(s: ReaderSession, saidSynthetic: boolean, now: number): ReaderSession {
  if (!s.question.twoChoice) return s;
  return answer(s, { saidSynthetic }, now);
}

/** Confidence 1–5 that the image is real; ignored when the study does not ask it. */
export function answerConfidence(s: ReaderSession, level: number, now: number): ReaderSession {
  if (!s.question.confidence || !Number.isInteger(level) || level < 1 || level > 5) return s;
  return answer(s, { confidenceReal: level }, now);
}

/** Whether → may move on: the image on screen is answered (the first unanswered one is as far as it goes). */
export function canGoNext(s: ReaderSession): boolean {
  if (s.paused) return false;
  const id = currentId(s);
  return id !== null && isAnswered(s.question, s.records[id]);
}

export function canGoBack(s: ReaderSession): boolean {
  if (s.paused || s.timeLimitMs !== null) return false;
  // Training and test are separate blocks: no going back from the test into training.
  return s.index > 0;
}

export function next(s: ReaderSession, now: number): ReaderSession {
  if (!canGoNext(s)) return s;
  if (s.phase === 'training' && s.index + 1 >= s.training.length) return moveTo(s, 'test', firstUnanswered(s, 'test'), now);
  return moveTo(s, s.phase, s.index + 1, now);
}

export function previous(s: ReaderSession, now: number): ReaderSession {
  if (!canGoBack(s)) return s;
  return moveTo(s, s.phase, s.index - 1, now);
}

function firstUnanswered(s: ReaderSession, phase: Phase): number {
  const list = listOf(s, phase);
  const i = list.findIndex((id) => !isAnswered(s.question, s.records[id]));
  return i < 0 ? list.length : i;
}

/** Milliseconds left for the image on screen, or null when the study has no limit (or it is answered). */
export function timeLeftMs(s: ReaderSession, now: number): number | null {
  const id = currentId(s);
  if (s.timeLimitMs === null || id === null) return null;
  const r = recordOf(s, id);
  if (isAnswered(s.question, r)) return null;
  const running = s.runningSince === null ? 0 : Math.max(0, now - s.runningSince);
  return Math.max(0, s.timeLimitMs - r.ms - running);
}

/**
 * Applies the time limit: an image whose time ran out unanswered is recorded as timed out and the
 * session moves on (in training it stays, to show the truth). Returns `s` itself when nothing changed.
 */
export function tick(s: ReaderSession, now: number): ReaderSession {
  const left = timeLeftMs(s, now);
  if (left === null || left > 0 || s.paused) return s;
  const a = accrue(s, now);
  const id = currentId(a)!;
  const b = { ...a, records: { ...a.records, [id]: { ...recordOf(a, id), ms: a.timeLimitMs!, timedOut: true } } };
  return b.phase === 'test' ? moveTo(b, 'test', b.index + 1, now) : b;
}

/** In training, once the image on screen is answered: what the reader said and the truth. Null elsewhere. */
export function feedbackOf(s: ReaderSession): { truthSynthetic: boolean; saidSynthetic: boolean | null; correct: boolean; timedOut: boolean } | null {
  if (s.phase !== 'training') return null;
  const t = s.training[s.index];
  const r = t && s.records[t.id];
  if (!t || !isAnswered(s.question, r)) return null;
  const truthSynthetic = t.feedback === 'S';
  const said = callOf(r);
  return { truthSynthetic, saidSynthetic: said, correct: said === truthSynthetic, timedOut: r.timedOut };
}

export interface Progress {
  phase: Phase;
  /** 1-based position of the image on screen in its block (the block's length + 1 on the end screen). */
  position: number;
  total: number;
  /** Test images answered (timed-out ones included). */
  answered: number;
  finished: boolean;
}

export function progressOf(s: ReaderSession): Progress {
  return {
    phase: s.phase,
    position: s.index + 1,
    total: listOf(s).length,
    answered: s.itemIds.filter((id) => isAnswered(s.question, s.records[id])).length,
    finished: isComplete(s),
  };
}

/** Every test image answered or timed out. */
export function isComplete(s: ReaderSession): boolean {
  return s.itemIds.every((id) => isAnswered(s.question, s.records[id]));
}

/** The answers for the answers file: test images only, in presentation order, training left out. */
export function answersOf(s: ReaderSession): ReaderAnswer[] {
  return s.itemIds
    .filter((id) => isAnswered(s.question, s.records[id]))
    .map((id) => {
      const r = s.records[id];
      return { id, saidSynthetic: r.saidSynthetic, confidenceReal: r.confidenceReal, ms: Math.round(r.ms) };
    });
}

/**
 * The state to store: time accrued up to `now` and paused, so a session restored after a reload
 * opens paused where it was, and the time the page was closed never counts.
 */
export function snapshot(s: ReaderSession, now: number): ReaderSession {
  return pause(tick(s, now), now);
}

export function serialiseSession(s: ReaderSession, now: number): string {
  return JSON.stringify(snapshot(s, now));
}

/** Reads a stored session back and checks it belongs to `study`; throws ReaderSessionError with the reason. */
export function restoreSession(text: string | ReaderSession, study: StudyFile): ReaderSession {
  let v: unknown;
  try {
    v = typeof text === 'string' ? JSON.parse(text) : text;
  } catch {
    throw new ReaderSessionError('The saved session is not readable.');
  }
  const s = v as Partial<ReaderSession>;
  if (!s || s.format !== SESSION_FORMAT) throw new ReaderSessionError('The saved session is not a reader session.');
  if (s.version !== SESSION_VERSION) throw new ReaderSessionError(`The saved session was written by another version of the studio (version ${String(s.version)}).`);
  if (s.studyId !== study.studyId) throw new ReaderSessionError('The saved session belongs to another study.');
  const ids = study.items.map((it) => it.id);
  if (!Array.isArray(s.itemIds) || s.itemIds.length !== ids.length || s.itemIds.some((id, i) => id !== ids[i])) {
    throw new ReaderSessionError('The saved session does not match the images of the study.');
  }
  if (s.phase !== 'training' && s.phase !== 'test') throw new ReaderSessionError('The saved session is damaged (phase).');
  const length = s.phase === 'training' ? study.training.length : ids.length;
  if (!Number.isInteger(s.index) || s.index! < 0 || s.index! > length || (s.phase === 'training' && s.index === length)) {
    throw new ReaderSessionError('The saved session is damaged (position).');
  }
  if (!s.records || typeof s.records !== 'object') throw new ReaderSessionError('The saved session is damaged (answers).');
  // A stored state is paused by construction (snapshot); one saved otherwise is paused here.
  return { ...(s as ReaderSession), paused: true, runningSince: null };
}

/**
 * A session rebuilt from stored answers (the organiser's own storage keeps answers, not sessions):
 * the answered images keep their answers and time, and the session opens paused at the first
 * unanswered image (after the training block if it was done).
 */
export function sessionFromAnswers(study: StudyFile, answers: readonly ReaderAnswer[], trainingDone: boolean): ReaderSession {
  const s = startSession(study);
  const ids = new Set(s.itemIds);
  const records: Record<string, ItemRecord> = {};
  for (const a of answers) {
    if (!ids.has(a.id)) continue;
    const timedOut = a.saidSynthetic === null && a.confidenceReal === null;
    records[a.id] = { saidSynthetic: a.saidSynthetic, confidenceReal: a.confidenceReal, ms: a.ms, timedOut };
  }
  const withAnswers: ReaderSession = { ...s, records };
  const inTraining = !trainingDone && s.training.length > 0 && answers.length === 0;
  if (inTraining) return withAnswers;
  return { ...withAnswers, phase: 'test', index: firstUnanswered(withAnswers, 'test') };
}

/** Whether the reader is past the training block (or the study has none). */
export function trainingDoneOf(s: ReaderSession): boolean {
  return s.phase === 'test';
}
