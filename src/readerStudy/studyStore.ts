/**
 * Stored reader studies (storage/schema.ts): the study record under `study/<id>` holds the design and
 * the answer key; every image (test items in presentation order, then the training block) lives once in
 * one blob beside it, as raw grey levels of one size, so real and synthetic images are stored exactly
 * alike; each reader's answers are a record of their own under `study/<id>/reader/<name key>`, so a
 * reader saving after every answer rewrites only their own few hundred bytes.
 */
import { deleteKeysWithPrefix, type KeyValueStore } from '../storage/keyValueStore';
import { recordCollection } from '../storage/recordCollection';
import { storageKeys, storagePrefixes } from '../storage/schema';
import type { KeyEntry, StudyConfig } from './studyDesign';
import type { ReaderAnswer } from './studyFile';

export interface StoredStudy {
  id: string;
  createdAt: number;
  config: StudyConfig;
  width: number;
  height: number;
  classNames: string[];
  /** Test item ids in presentation order; image n of the blob is item n. */
  itemIds: string[];
  /** Training ids; image itemIds.length + n of the blob is training image n. */
  trainingIds: string[];
  /** Truth of every test and training id. Never written into a study file. */
  key: Record<string, KeyEntry>;
  realDataset: { id: string; name: string };
  syntheticDataset: { id: string; name: string };
  runId: string | null;
}

export interface StoredReader {
  name: string;
  experience: string;
  answers: ReaderAnswer[];
  trainingDone: boolean;
  source: 'here' | 'file';
  startedAt: number;
  updatedAt: number;
}

const studies = recordCollection<StoredStudy>('readerStudy', (s) => s.createdAt);
const readers = recordCollection<StoredReader>('studyReader', (r) => -r.startedAt);

/** The key segment of a reader: the name, trimmed and lower-cased (names are unique case-insensitively), made safe for a key. */
export function studyReaderKey(name: string): string {
  return encodeURIComponent(name.trim().toLowerCase());
}

export class StudyNotFoundError extends Error {}

/** The study record and its images in one transaction: the study never shows up without its images. */
export async function saveStudy(store: KeyValueStore, study: StoredStudy, images: Uint8Array): Promise<void> {
  await store.setMany([[storageKeys.studyImages(study.id), images], studies.entry(storageKeys.readerStudy(study.id), study)]);
}

export async function getStudy(store: KeyValueStore, id: string): Promise<StoredStudy> {
  const study = await studies.get(store, storageKeys.readerStudy(id));
  if (!study) throw new StudyNotFoundError(`The reader study ${id} does not exist (deleted in another tab?).`);
  return study;
}

/** Newest first. */
export async function listStudies(store: KeyValueStore): Promise<StoredStudy[]> {
  return studies.list(store, storagePrefixes.studies);
}

export async function getStudyImages(store: KeyValueStore, study: StoredStudy): Promise<Uint8Array> {
  const images = await store.get<Uint8Array>(storageKeys.studyImages(study.id));
  const expected = (study.itemIds.length + study.trainingIds.length) * study.width * study.height;
  if (!(images instanceof Uint8Array) || images.length !== expected) {
    throw new Error(`The images of the reader study “${study.config.title}” are missing or damaged in storage.`);
  }
  return images;
}

/** The record first (the pointer), then its images and readers. */
export async function deleteStudy(store: KeyValueStore, id: string): Promise<void> {
  await store.delMany([storageKeys.readerStudy(id)]);
  await deleteKeysWithPrefix(store, storagePrefixes.studyParts(id));
}

/** Readers in the order they started (oldest first). */
export async function listReaders(store: KeyValueStore, studyId: string): Promise<StoredReader[]> {
  return readers.list(store, storagePrefixes.studyReaders(studyId));
}

export async function getReader(store: KeyValueStore, studyId: string, name: string): Promise<StoredReader | undefined> {
  return readers.get(store, storageKeys.studyReader(studyId, studyReaderKey(name)));
}

export async function saveReader(store: KeyValueStore, studyId: string, reader: StoredReader): Promise<void> {
  await readers.put(store, storageKeys.studyReader(studyId, studyReaderKey(reader.name)), reader);
}

export async function deleteReader(store: KeyValueStore, studyId: string, name: string): Promise<void> {
  await store.delMany([storageKeys.studyReader(studyId, studyReaderKey(name))]);
}
