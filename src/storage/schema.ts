/**
 * The storage schema: every key the studio writes, in one place. Stores build keys only through
 * `storageKeys` and make ids only through `newId`, so a key's shape is decided here and the
 * migration (migrateStore.ts) can recognise every key in the database.
 *
 * Two sorts of value live under these keys:
 *  - records: small structured values that carry `schemaVersion` (recordCodec.ts) and are migrated
 *    when the schema changes;
 *  - blobs: bulk data (pixels, checkpoint bytes, sample grids...) with no version of their own.
 *    A blob is written and read only through the record that owns it (the dataset meta for its
 *    chunks, the run record for its checkpoints), so the owner's version covers it: a migration
 *    that changes a blob's format rewrites the blob while migrating its owner. Checkpoint bytes
 *    also describe themselves (training/checkpointCodec.ts has its own format version).
 */

/**
 * The version of the records this code writes. Raise it with a new step in recordCodec.ts's
 * MIGRATIONS whenever a stored record changes shape.
 * 0: records before versioning (no schemaVersion field). 1: the same records, with schemaVersion.
 */
export const CURRENT_SCHEMA_VERSION = 1;

/** What an id names; it is the id's prefix, as in `run-m5x2a0-7g8h9i`. */
export type IdKind = 'ds' | 'run' | 'eval' | 'recon' | 'aug' | 'study' | 'take';

/** A new id, `<kind>-<time, base 36>-<random, base 36>`: sorts roughly by creation, never collides in practice. */
export function newId(kind: IdKind): string {
  return `${kind}-${Date.now().toString(36)}-${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}`;
}

/** Every key of the database. Ids are single path segments: they never contain '/'. */
export const storageKeys = {
  dataset: (id: string) => `dataset/${id}`,
  datasetIndex: (id: string) => `dataset/${id}/index`,
  datasetAttributes: (id: string) => `dataset/${id}/attributes`,
  datasetChunk: (id: string, n: number) => `dataset/${id}/chunk/${n}`,
  run: (id: string) => `run/${id}`,
  checkpoint: (runId: string, step: number) => `run/${runId}/ckpt/${step}`,
  sampleGrid: (runId: string, step: number) => `run/${runId}/sample/${step}`,
  exportAudit: (runId: string, time: number) => `run/${runId}/audit/${time}`,
  evaluation: (id: string) => `evaluation/${id}`,
  evaluationFake: (id: string) => `evaluation/${id}/fake`,
  reconstruction: (id: string) => `reconstruction/${id}`,
  reconstructionExamples: (id: string) => `reconstruction/${id}/examples`,
  augmentReport: (id: string) => `augment/${id}`,
  /** A reader study: its design and answer key (the key never leaves the organiser's machine except in result exports). */
  readerStudy: (id: string) => `study/${id}`,
  /** Every image of a study (test items, then training), width × height grey levels each, stored once and alike for both kinds. */
  studyImages: (id: string) => `study/${id}/images`,
  /** One reader's answers; `readerKey` is studyReaderKey(name), one segment. */
  studyReader: (id: string, readerKey: string) => `study/${id}/reader/${readerKey}`,
  /** A reader's session on a reader-study file (readerStudy/readerTakes.ts) and the study file it reads. */
  readerTake: (id: string) => `readerTake/${id}`,
  readerTakeStudy: (id: string) => `readerTake/${id}/study`,
  settings: () => 'settings',
  inceptionFile: () => 'inception/file',
  inceptionChunk: (n: number) => `inception/file/chunk/${n}`,
} as const;

/** Prefixes for prefix scans (KeyValueStore.keysWithPrefix): the records of a kind, or all an owner holds. */
export const storagePrefixes = {
  datasets: 'dataset/',
  /** The index, attributes and chunks of one dataset. */
  datasetParts: (id: string) => `dataset/${id}/`,
  runs: 'run/',
  /** Checkpoints, sample grids and export audits of one run. */
  runParts: (id: string) => `run/${id}/`,
  exportAudits: (runId: string) => `run/${runId}/audit/`,
  evaluations: 'evaluation/',
  reconstructions: 'reconstruction/',
  augmentReports: 'augment/',
  studies: 'study/',
  /** The images and readers of one study. */
  studyParts: (id: string) => `study/${id}/`,
  studyReaders: (id: string) => `study/${id}/reader/`,
  readerTakes: 'readerTake/',
  inception: 'inception/',
} as const;

/** Kinds of versioned records. */
export type RecordKind = 'dataset' | 'datasetIndex' | 'run' | 'exportAudit' | 'evaluation' | 'reconstruction' | 'augmentReport' | 'readerStudy' | 'studyReader' | 'readerTake' | 'settings' | 'inceptionFile';

/** Kinds of blobs, each covered by the version of the record that owns it. */
export type BlobKind = 'datasetChunk' | 'datasetAttributes' | 'checkpoint' | 'sampleGrid' | 'evaluationFake' | 'reconstructionExamples' | 'studyImages' | 'readerTakeStudy' | 'inceptionChunk';

export type KeyShape = { sort: 'record'; kind: RecordKind } | { sort: 'blob'; kind: BlobKind; owner: RecordKind };

const SEGMENT = '[^/]+';
const NUMBER = '\\d+';

/** Every key above as a pattern. The patterns are disjoint: a key matches one at most. */
const KEY_SHAPES: [RegExp, KeyShape][] = [
  [new RegExp(`^dataset/${SEGMENT}$`), { sort: 'record', kind: 'dataset' }],
  [new RegExp(`^dataset/${SEGMENT}/index$`), { sort: 'record', kind: 'datasetIndex' }],
  [new RegExp(`^dataset/${SEGMENT}/attributes$`), { sort: 'blob', kind: 'datasetAttributes', owner: 'dataset' }],
  [new RegExp(`^dataset/${SEGMENT}/chunk/${NUMBER}$`), { sort: 'blob', kind: 'datasetChunk', owner: 'dataset' }],
  [new RegExp(`^run/${SEGMENT}$`), { sort: 'record', kind: 'run' }],
  [new RegExp(`^run/${SEGMENT}/ckpt/${NUMBER}$`), { sort: 'blob', kind: 'checkpoint', owner: 'run' }],
  [new RegExp(`^run/${SEGMENT}/sample/${NUMBER}$`), { sort: 'blob', kind: 'sampleGrid', owner: 'run' }],
  [new RegExp(`^run/${SEGMENT}/audit/${NUMBER}$`), { sort: 'record', kind: 'exportAudit' }],
  [new RegExp(`^evaluation/${SEGMENT}$`), { sort: 'record', kind: 'evaluation' }],
  [new RegExp(`^evaluation/${SEGMENT}/fake$`), { sort: 'blob', kind: 'evaluationFake', owner: 'evaluation' }],
  [new RegExp(`^reconstruction/${SEGMENT}$`), { sort: 'record', kind: 'reconstruction' }],
  [new RegExp(`^reconstruction/${SEGMENT}/examples$`), { sort: 'blob', kind: 'reconstructionExamples', owner: 'reconstruction' }],
  [new RegExp(`^augment/${SEGMENT}$`), { sort: 'record', kind: 'augmentReport' }],
  [new RegExp(`^study/${SEGMENT}$`), { sort: 'record', kind: 'readerStudy' }],
  [new RegExp(`^study/${SEGMENT}/images$`), { sort: 'blob', kind: 'studyImages', owner: 'readerStudy' }],
  [new RegExp(`^study/${SEGMENT}/reader/${SEGMENT}$`), { sort: 'record', kind: 'studyReader' }],
  [new RegExp(`^readerTake/${SEGMENT}$`), { sort: 'record', kind: 'readerTake' }],
  [new RegExp(`^readerTake/${SEGMENT}/study$`), { sort: 'blob', kind: 'readerTakeStudy', owner: 'readerTake' }],
  [/^settings$/, { sort: 'record', kind: 'settings' }],
  [/^inception\/file$/, { sort: 'record', kind: 'inceptionFile' }],
  [new RegExp(`^inception/file/chunk/${NUMBER}$`), { sort: 'blob', kind: 'inceptionChunk', owner: 'inceptionFile' }],
];

/** What a key holds, or undefined for a key this version of the studio never writes. */
export function shapeOfKey(key: string): KeyShape | undefined {
  return KEY_SHAPES.find(([pattern]) => pattern.test(key))?.[1];
}

/** The id segment right after a key's first '/' (`dataset/<id>/chunk/3` → `<id>`). */
export function ownerIdOfKey(key: string): string | undefined {
  return key.split('/')[1];
}
