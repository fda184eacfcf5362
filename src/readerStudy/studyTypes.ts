/**
 * The types at the boundary of the reader study (the worker's `compute().readerStudy` and the UI that
 * calls it): what the organiser asks for, what a stored study looks like from outside (never its answer
 * key), each reader's progress, and the results with their gallery images. Kept apart from the API's
 * implementation so the reader screen can import them without pulling storage code.
 */
import type { StudyConfig } from './studyDesign';
import type { ReaderAnswer, StudyFile } from './studyFile';
import type { StudyResults } from './studyResults';

export type { StudyConfig, StudyQuestion } from './studyDesign';
export type { AnswersFile, ReaderAnswer, StudyFile } from './studyFile';
export type { StudyResults, ReaderResult, Agreement } from './studyResults';
export type { DetectionSummary } from './statistics';

/** A new study: the design and the two datasets it draws from. */
export interface CreateStudyRequest extends StudyConfig {
  /** A real dataset (no synthetic provenance); only its held-out (test) split is shown. */
  realDatasetId: string;
  /** A dataset marked synthetic by its provenance (exported by a generator). */
  syntheticDatasetId: string;
}

/** A reader as the organiser records them: a name (unique in the study, case-insensitively) and optional experience ("radiologist, 5 years"). */
export interface ReaderIdentity {
  name: string;
  /** Free text; '' when not recorded. Results are grouped by it. */
  experience: string;
}

export interface ReaderProgress extends ReaderIdentity {
  /** Test images answered (an image whose time ran out counts as answered, with no call). */
  answered: number;
  /** Test images in the study. */
  total: number;
  complete: boolean;
  /** Whether the reader has been through the training block (always true when the study has none). */
  trainingDone: boolean;
  /** 'here': took it on this machine; 'file': answers imported from an answers file. */
  source: 'here' | 'file';
  updatedAt: number;
}

/** A stored study as the organiser's UI sees it: its design and readers, never its answer key. */
export interface StudySummary {
  id: string;
  title: string;
  createdAt: number;
  config: StudyConfig;
  width: number;
  height: number;
  classNames: string[];
  /** Test images (config.imageCount) and training images actually drawn. */
  testCount: number;
  trainingCount: number;
  realCount: number;
  syntheticCount: number;
  realDataset: { id: string; name: string };
  syntheticDataset: { id: string; name: string };
  /** The generator run behind the synthetic set (its provenance), for the link from the run card. */
  runId: string | null;
  readers: ReaderProgress[];
}

/** A stored reader: their answers so far (resuming starts at the first image not answered). */
export interface ReaderSessionState extends ReaderProgress {
  answers: ReaderAnswer[];
}

/** One image of a results gallery, with how many readers were fooled by it. */
export interface GalleryImage {
  id: string;
  count: number;
  className: string;
  /** width × height grey levels. */
  pixels: Uint8Array;
}

export interface StudyResultsView {
  study: StudySummary;
  results: StudyResults;
  /** Synthetic images most often taken for real (at most 12), most first. */
  syntheticTakenForReal: GalleryImage[];
  /** Real images most often taken for synthetic (at most 12). */
  realTakenForSynthetic: GalleryImage[];
}

/** A file for the user to save: its suggested name and its bytes. */
export interface StudyDownload {
  fileName: string;
  mimeType: string;
  bytes: Uint8Array;
}

/** The worker's reader-study API (`compute().readerStudy`). Every failure is an Error whose message names the reason in the user's terms. */
export interface ReaderStudyApi {
  /** Draws the images (seeded), stores them once and the answer key beside them; refuses mismatched sets with the reason. */
  create(request: CreateStudyRequest): Promise<StudySummary>;
  /** Newest first. */
  list(): Promise<StudySummary[]>;
  get(studyId: string): Promise<StudySummary>;
  /** Removes the study, its images, key and every reader's answers. */
  delete(studyId: string): Promise<void>;

  /** The study as a reader takes it, identical to the study file (no answer key): same content here or on another computer. */
  studyFile(studyId: string): Promise<StudyFile>;
  /** The study file to take to another computer (JSON, no answer key). */
  exportStudyFile(studyId: string): Promise<StudyDownload>;

  /** Starts a reader on this machine, or resumes one of that name (case-insensitive) with their answers so far. */
  startReader(studyId: string, reader: ReaderIdentity): Promise<ReaderSessionState>;
  /**
   * Saves a reader's answers so far (the whole list, replacing the stored one; call it after each
   * answer so a closed tab loses nothing). Refuses ids not in the study and repeated ids.
   */
  saveAnswers(studyId: string, readerName: string, answers: ReaderAnswer[], trainingDone: boolean): Promise<ReaderProgress>;
  deleteReader(studyId: string, readerName: string): Promise<void>;
  /** A stored reader's answers as an answers file (checksummed), e.g. to archive them. */
  exportAnswersFile(studyId: string, readerName: string): Promise<StudyDownload>;
  /** Checks an answers file completely (study, checksum, ids, values, name not taken) and stores it; errors name the file and the reason. */
  importAnswers(studyId: string, bytes: Uint8Array, fileName: string): Promise<ReaderProgress>;

  /** Scores every reader's answers against the key. */
  results(studyId: string): Promise<StudyResultsView>;
  /** One row per reader and image (holds the key: it is the organiser's file). */
  exportCsv(studyId: string): Promise<StudyDownload>;
  exportJson(studyId: string): Promise<StudyDownload>;
}
