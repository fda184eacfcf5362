/**
 * The reader study as the worker exposes it (`compute().readerStudy`): set a study up from a real
 * dataset's held-out split and a synthetic set, hand it to readers on this machine or as a study file,
 * take their answers back (saved after each answer, or imported from an answers file), and score them.
 * The answer key is read only here, for scoring and the organiser's exports; nothing a reader receives
 * carries it.
 */
import type { KeyValueStore } from '../storage/keyValueStore';
import { newId } from '../storage/schema';
import { getDatasetMeta } from '../storage/datasetStore';
import { designStudy, StudyDesignError, type DesignedStudy } from './studyDesign';
import { realPool, syntheticPool } from './studyPools';
import { pairRefusal } from './studyGuards';
import { answersFileOf, encodeAnswersFile, encodeStudyFile, parseAnswersFile, studyFileOf, type ReaderAnswer, type StudyFile } from './studyFile';
import { resultsCsv, resultsJson, studyResults, type ReaderRecord } from './studyResults';
import {
  deleteReader,
  deleteStudy,
  getReader,
  getStudy,
  getStudyImages,
  listReaders,
  listStudies,
  saveReader,
  saveStudy,
  type StoredReader,
  type StoredStudy,
} from './studyStore';
import type { GalleryImage, ReaderProgress, ReaderSessionState, ReaderStudyApi, StudyDownload, StudySummary } from './studyTypes';

/** Images per results gallery. */
export const GALLERY_SIZE = 12;

export class ReaderStudyError extends Error {}

function progressOf(study: StoredStudy, r: StoredReader): ReaderProgress {
  return {
    name: r.name,
    experience: r.experience,
    answered: r.answers.length,
    total: study.itemIds.length,
    complete: r.answers.length >= study.itemIds.length,
    trainingDone: r.trainingDone || study.trainingIds.length === 0,
    source: r.source,
    updatedAt: r.updatedAt,
  };
}

function summaryOf(study: StoredStudy, readers: StoredReader[]): StudySummary {
  const synthetic = study.itemIds.filter((id) => study.key[id]?.synthetic).length;
  return {
    id: study.id,
    title: study.config.title,
    createdAt: study.createdAt,
    config: study.config,
    width: study.width,
    height: study.height,
    classNames: study.classNames,
    testCount: study.itemIds.length,
    trainingCount: study.trainingIds.length,
    realCount: study.itemIds.length - synthetic,
    syntheticCount: synthetic,
    realDataset: study.realDataset,
    syntheticDataset: study.syntheticDataset,
    runId: study.runId,
    readers: readers.map((r) => progressOf(study, r)),
  };
}

/** A file-name-safe form of a title. */
function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'study';
}

/** The stored study as the designed one, with its pixels, for the study file. */
function designedOf(study: StoredStudy, images: Uint8Array): DesignedStudy {
  const per = study.width * study.height;
  const at = (n: number) => images.slice(n * per, (n + 1) * per);
  return {
    studyId: study.id,
    config: study.config,
    width: study.width,
    height: study.height,
    classNames: study.classNames,
    items: study.itemIds.map((id, n) => ({ id, pixels: at(n) })),
    training: study.trainingIds.map((id, n) => ({ id, pixels: at(study.itemIds.length + n), synthetic: study.key[id].synthetic })),
    key: study.key,
    realDataset: study.realDataset,
    syntheticDataset: study.syntheticDataset,
  };
}

/** Checks a list of answers from a reader on this machine as strictly as an imported file. */
function checkAnswers(study: StoredStudy, answers: readonly ReaderAnswer[]): void {
  const known = new Set(study.itemIds);
  const seen = new Set<string>();
  for (const a of answers) {
    if (!known.has(a.id)) throw new ReaderStudyError(`Image ${a.id} is not a test image of “${study.config.title}”.`);
    if (seen.has(a.id)) throw new ReaderStudyError(`Image ${a.id} was answered twice.`);
    seen.add(a.id);
    if (a.saidSynthetic !== null && typeof a.saidSynthetic !== 'boolean') throw new ReaderStudyError(`The answer for image ${a.id} is unreadable.`);
    if (a.confidenceReal !== null && !(Number.isInteger(a.confidenceReal) && a.confidenceReal >= 1 && a.confidenceReal <= 5)) {
      throw new ReaderStudyError(`The confidence for image ${a.id} lies outside 1–5.`);
    }
    if (!(typeof a.ms === 'number' && a.ms >= 0)) throw new ReaderStudyError(`The time for image ${a.id} is unreadable.`);
  }
}

/** The key restricted to the test images (training images are never scored). */
function testKey(study: StoredStudy): StoredStudy['key'] {
  return Object.fromEntries(study.itemIds.map((id) => [id, study.key[id]]));
}

function records(readers: readonly StoredReader[]): ReaderRecord[] {
  return readers.filter((r) => r.answers.length > 0).map((r) => ({ name: r.name, experience: r.experience, answers: r.answers }));
}

export function createReaderStudyApi(store: KeyValueStore, now: () => number = Date.now): ReaderStudyApi {
  const summary = async (study: StoredStudy) => summaryOf(study, await listReaders(store, study.id));
  const stored = async (studyId: string, name: string): Promise<StoredReader> => {
    const r = await getReader(store, studyId, name);
    if (!r) throw new ReaderStudyError(`There is no reader “${name}” in this study.`);
    return r;
  };

  return {
    async create(request) {
      const { realDatasetId, syntheticDatasetId, ...config } = request;
      const [realMeta, syntheticMeta] = [await getDatasetMeta(store, realDatasetId), await getDatasetMeta(store, syntheticDatasetId)];
      const refusal = pairRefusal(realMeta, syntheticMeta);
      if (refusal) throw new StudyDesignError(refusal);
      const title = config.title.trim() || `${syntheticMeta.name} vs ${realMeta.name}`;
      const real = await realPool(store, realMeta, config.seed);
      const synthetic = await syntheticPool(store, syntheticMeta, config.seed);
      const id = newId('study');
      const design = designStudy({ ...config, title }, real, synthetic, id);
      const per = design.width * design.height;
      const all = [...design.items, ...design.training];
      const images = new Uint8Array(all.length * per);
      all.forEach((it, n) => images.set(it.pixels, n * per));
      const study: StoredStudy = {
        id,
        createdAt: now(),
        config: design.config,
        width: design.width,
        height: design.height,
        classNames: [...design.classNames],
        itemIds: design.items.map((it) => it.id),
        trainingIds: design.training.map((it) => it.id),
        key: design.key,
        realDataset: design.realDataset,
        syntheticDataset: design.syntheticDataset,
        runId: syntheticMeta.provenance?.runId ?? null,
      };
      // The training images' truth is needed for their feedback; the key holds them beside the test items.
      design.training.forEach((t) => {
        study.key[t.id] = { synthetic: t.synthetic, classIndex: -1, sourceIndex: -1 };
      });
      await saveStudy(store, study, images);
      return summaryOf(study, []);
    },

    async list() {
      return Promise.all((await listStudies(store)).map(summary));
    },

    async get(studyId) {
      return summary(await getStudy(store, studyId));
    },

    async delete(studyId) {
      await deleteStudy(store, studyId);
    },

    async studyFile(studyId): Promise<StudyFile> {
      const study = await getStudy(store, studyId);
      return studyFileOf(designedOf(study, await getStudyImages(store, study)));
    },

    async exportStudyFile(studyId): Promise<StudyDownload> {
      const study = await getStudy(store, studyId);
      const file = studyFileOf(designedOf(study, await getStudyImages(store, study)));
      return { fileName: `${slug(study.config.title)}.study.json`, mimeType: 'application/json', bytes: encodeStudyFile(file) };
    },

    async startReader(studyId, reader): Promise<ReaderSessionState> {
      const study = await getStudy(store, studyId);
      const name = reader.name.trim();
      if (!name) throw new ReaderStudyError('A reader needs a name.');
      const existing = await getReader(store, studyId, name);
      if (existing?.source === 'file') {
        throw new ReaderStudyError(`“${existing.name}” already has answers imported from a file; choose another name.`);
      }
      const r: StoredReader = existing ?? {
        name,
        experience: reader.experience.trim(),
        answers: [],
        trainingDone: study.trainingIds.length === 0,
        source: 'here',
        startedAt: now(),
        updatedAt: now(),
      };
      if (!existing) await saveReader(store, studyId, r);
      return { ...progressOf(study, r), answers: r.answers };
    },

    async saveAnswers(studyId, readerName, answers, trainingDone) {
      const study = await getStudy(store, studyId);
      const r = await stored(studyId, readerName);
      if (r.source === 'file') throw new ReaderStudyError(`The answers of “${r.name}” were imported from a file and cannot be changed here.`);
      checkAnswers(study, answers);
      const updated: StoredReader = {
        ...r,
        answers: answers.map((a) => ({ id: a.id, saidSynthetic: a.saidSynthetic, confidenceReal: a.confidenceReal, ms: a.ms })),
        trainingDone: r.trainingDone || trainingDone,
        updatedAt: now(),
      };
      await saveReader(store, studyId, updated);
      return progressOf(study, updated);
    },

    async deleteReader(studyId, readerName) {
      await stored(studyId, readerName);
      await deleteReader(store, studyId, readerName);
    },

    async exportAnswersFile(studyId, readerName): Promise<StudyDownload> {
      const study = await getStudy(store, studyId);
      const r = await stored(studyId, readerName);
      const file = await answersFileOf(study.id, { name: r.name, experience: r.experience }, r.answers);
      return { fileName: `${slug(study.config.title)}-answers-${slug(r.name)}.json`, mimeType: 'application/json', bytes: encodeAnswersFile(file) };
    },

    async importAnswers(studyId, bytes, fileName) {
      const study = await getStudy(store, studyId);
      const readers = await listReaders(store, studyId);
      const file = await parseAnswersFile(bytes, fileName, {
        studyId: study.id,
        title: study.config.title,
        itemIds: study.itemIds,
        question: study.config.question,
        readerNames: readers.map((r) => r.name),
      });
      const r: StoredReader = {
        name: file.reader.name.trim(),
        experience: file.reader.experience.trim(),
        answers: file.answers,
        trainingDone: true,
        source: 'file',
        startedAt: now(),
        updatedAt: now(),
      };
      await saveReader(store, studyId, r);
      return progressOf(study, r);
    },

    async results(studyId) {
      const study = await getStudy(store, studyId);
      const readers = await listReaders(store, studyId);
      const results = studyResults(records(readers), testKey(study), study.itemIds, study.classNames);
      const images = await getStudyImages(store, study);
      const per = study.width * study.height;
      const gallery = (entries: { id: string; count: number }[]): GalleryImage[] =>
        entries.slice(0, GALLERY_SIZE).map(({ id, count }) => {
          const n = study.itemIds.indexOf(id);
          const k = study.key[id];
          return { id, count, className: study.classNames[k.classIndex] ?? `class ${k.classIndex}`, pixels: images.slice(n * per, (n + 1) * per) };
        });
      return {
        study: summaryOf(study, readers),
        results,
        syntheticTakenForReal: gallery(results.syntheticTakenForReal),
        realTakenForSynthetic: gallery(results.realTakenForSynthetic),
      };
    },

    async exportCsv(studyId): Promise<StudyDownload> {
      const study = await getStudy(store, studyId);
      const csv = resultsCsv(records(await listReaders(store, studyId)), testKey(study), study.classNames);
      return { fileName: `${slug(study.config.title)}-answers.csv`, mimeType: 'text/csv', bytes: new TextEncoder().encode(csv) };
    },

    async exportJson(studyId): Promise<StudyDownload> {
      const study = await getStudy(store, studyId);
      const results = studyResults(records(await listReaders(store, studyId)), testKey(study), study.itemIds, study.classNames);
      return { fileName: `${slug(study.config.title)}-results.json`, mimeType: 'application/json', bytes: new TextEncoder().encode(resultsJson(study.config.title, results)) };
    },
  };
}
