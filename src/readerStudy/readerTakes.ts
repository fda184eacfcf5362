/**
 * A reader's "takes" on this machine: one take is one reader going through one study (a study file
 * brought from the organiser's computer, or the organiser's own study for a reader sitting at it).
 * The take keeps the study file (images and questions, no answer key) and the session state, saved
 * after every answer, so closing the browser loses nothing and the reader resumes where they stopped.
 * When the take is finished, the answers file for the organiser is written from it.
 */
import type { KeyValueStore } from '../storage/keyValueStore';
import { recordCollection } from '../storage/recordCollection';
import { newId, storageKeys, storagePrefixes } from '../storage/schema';
import { answersOf, progressOf, restoreSession, startSession, type ReaderSession } from './readerSession';
import { answersFileOf, encodeAnswersFile, parseStudyFile, type StudyFile } from './studyFile';

export interface ReaderIdentity {
  name: string;
  /** Free text ("radiologist, 10 years"); may be empty. */
  experience: string;
}

export interface ReaderTake {
  id: string;
  createdAt: number;
  updatedAt: number;
  studyId: string;
  title: string;
  /** The study file's name as imported (empty for a study taken at the organiser's machine). */
  fileName: string;
  reader: ReaderIdentity;
  imageCount: number;
  answered: number;
  finished: boolean;
  state: ReaderSession;
}

export interface ReaderTakesApi {
  /** Reads a study file (refusing a damaged one, or one that is not a study file, with the file name and reason) and starts a take. */
  importStudyFile(bytes: Uint8Array, fileName: string, reader: ReaderIdentity): Promise<ReaderTake>;
  /** Starts a take on a study already in hand (the organiser's own study, for a reader at this machine). */
  create(study: StudyFile, reader: ReaderIdentity, fileName?: string): Promise<ReaderTake>;
  /** Every take, most recently worked on first. */
  list(): Promise<ReaderTake[]>;
  /** A take with its study file, to show it. */
  open(id: string): Promise<{ take: ReaderTake; study: StudyFile }>;
  /** Stores the session state (the UI saves a snapshot after every step). */
  saveState(id: string, state: ReaderSession): Promise<ReaderTake>;
  /** The answers file for the organiser (refused until every image is answered or timed out). */
  answersFile(id: string): Promise<{ fileName: string; bytes: Uint8Array }>;
  delete(id: string): Promise<void>;
}

export class ReaderTakeError extends Error {}

const takes = recordCollection<ReaderTake>('readerTake', (t) => t.updatedAt);

function checkReader(reader: ReaderIdentity): ReaderIdentity {
  const name = reader.name.trim();
  if (!name) throw new ReaderTakeError('Enter your name first: the organiser needs it to tell the readers apart.');
  return { name, experience: reader.experience.trim() };
}

/** A file name from free text: letters, digits, dot, dash and underscore only. */
const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'study';

export function createReaderTakes(store: KeyValueStore, ready: () => Promise<unknown> = async () => undefined): ReaderTakesApi {
  async function get(id: string): Promise<ReaderTake> {
    const take = await takes.get(store, storageKeys.readerTake(id));
    if (!take) throw new ReaderTakeError('This reading session is no longer stored (deleted in another tab?).');
    return take;
  }

  async function create(study: StudyFile, reader: ReaderIdentity, fileName = ''): Promise<ReaderTake> {
    await ready();
    const who = checkReader(reader);
    const existing = (await takes.list(store, storagePrefixes.readerTakes)).find(
      (t) => t.studyId === study.studyId && t.reader.name.toLowerCase() === who.name.toLowerCase(),
    );
    if (existing) {
      throw new ReaderTakeError(`“${who.name}” has already started “${study.title}” on this computer: resume that session instead (or delete it first).`);
    }
    const now = Date.now();
    const state = startSession(study);
    const take: ReaderTake = {
      id: newId('take'),
      createdAt: now,
      updatedAt: now,
      studyId: study.studyId,
      title: study.title,
      fileName,
      reader: who,
      imageCount: study.items.length,
      answered: 0,
      finished: false,
      state,
    };
    // The take and its study file land together, or neither does.
    await store.setMany([takes.entry(storageKeys.readerTake(take.id), take), [storageKeys.readerTakeStudy(take.id), study]]);
    return take;
  }

  return {
    async importStudyFile(bytes, fileName, reader) {
      await ready();
      checkReader(reader);
      return create(parseStudyFile(bytes, fileName), reader, fileName);
    },
    create,
    async list() {
      await ready();
      return takes.list(store, storagePrefixes.readerTakes);
    },
    async open(id) {
      await ready();
      const take = await get(id);
      const study = await store.get<StudyFile>(storageKeys.readerTakeStudy(id));
      if (!study) throw new ReaderTakeError(`The study file of “${take.title}” is missing from storage.`);
      // Check the stored state against its study before handing it out (throws with the reason).
      return { take: { ...take, state: restoreSession(take.state, study) }, study };
    },
    async saveState(id, state) {
      await ready();
      const take = await get(id);
      if (state.studyId !== take.studyId) throw new ReaderTakeError('This session belongs to another study.');
      const p = progressOf(state);
      const next: ReaderTake = { ...take, state, answered: p.answered, finished: p.finished, updatedAt: Date.now() };
      await takes.put(store, storageKeys.readerTake(id), next);
      return next;
    },
    async answersFile(id) {
      await ready();
      const take = await get(id);
      if (!take.finished) throw new ReaderTakeError(`“${take.title}” is not finished yet: ${take.answered} of ${take.imageCount} images answered.`);
      const file = await answersFileOf(take.studyId, take.reader, answersOf(take.state));
      return { fileName: `answers-${safe(take.title)}-${safe(take.reader.name)}.json`, bytes: encodeAnswersFile(file) };
    },
    async delete(id) {
      await ready();
      await store.delMany([storageKeys.readerTake(id), storageKeys.readerTakeStudy(id)]);
    },
  };
}
