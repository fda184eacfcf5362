/**
 * How a record is stored: its payload plus a `schemaVersion` field. Reading brings a record of any
 * older version up to the current one in memory, so the stores read whatever this code knows how
 * to migrate even before migrateStore has written it back; then it checks the few fields the
 * stores rely on. Anything else (not an object, a version from a newer studio, a missing field) is
 * reported as unreadable, never guessed at.
 */
import { CURRENT_SCHEMA_VERSION, type RecordKind } from './schema';

/** A record as stored: the payload the domain wrote, with the schema version it was written at. */
export type Versioned<T extends object> = T & { schemaVersion: number };

type Payload = Record<string, unknown>;

export type DecodedRecord = { readable: true; payload: Payload; storedVersion: number } | { readable: false; reason: string };

/**
 * Migration steps: MIGRATIONS[n] turns a payload of version n into version n + 1. A record is
 * brought up one step at a time, so each step is written once and never changed afterwards.
 */
const MIGRATIONS: readonly ((kind: RecordKind, payload: Payload) => Payload)[] = [
  // 0 → 1: the records themselves did not change; version 1 only adds the schemaVersion field.
  (_kind, payload) => payload,
];

export const MIGRATION_STEPS = MIGRATIONS.length;

type FieldType = 'string' | 'number' | 'object' | 'array' | 'bytes';

/**
 * The fields each kind must have at the current version: only what the stores need to list, sort
 * and follow a record (to its chunks, checkpoints, files). The rest is the domain's business.
 */
const REQUIRED_FIELDS: Record<RecordKind, Record<string, FieldType>> = {
  dataset: { id: 'string', name: 'string', createdAt: 'number', width: 'number', height: 'number', channels: 'number', count: 'number', chunkSize: 'number', chunkCount: 'number' },
  datasetIndex: { labels: 'bytes', splits: 'bytes' },
  run: { id: 'string', createdAt: 'number', settings: 'object', checkpoints: 'array', samples: 'array' },
  exportAudit: { time: 'number', step: 'number', datasetId: 'string' },
  evaluation: { id: 'string', createdAt: 'number', request: 'object', fakeKey: 'string' },
  reconstruction: { id: 'string', createdAt: 'number', request: 'object' },
  augmentReport: { id: 'string', createdAt: 'number' },
  readerStudy: { id: 'string', createdAt: 'number', key: 'object', itemIds: 'array' },
  studyReader: { name: 'string', answers: 'array' },
  readerTake: { id: 'string', createdAt: 'number', updatedAt: 'number', studyId: 'string', state: 'object' },
  settings: {},
  inceptionFile: { fileName: 'string', sha256: 'string', byteLength: 'number', chunkCount: 'number', savedAt: 'number' },
};

export function encodeRecord<T extends object>(payload: T): Versioned<T> {
  return { ...payload, schemaVersion: CURRENT_SCHEMA_VERSION };
}

export function decodeRecord(kind: RecordKind, stored: unknown): DecodedRecord {
  if (!isPlainObject(stored)) return { readable: false, reason: `this ${kind} record is ${describe(stored)}, not an object` };
  const { schemaVersion, ...rest } = stored;
  const version = schemaVersion === undefined ? 0 : schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    return { readable: false, reason: `schemaVersion is ${describe(version)}, not a version number` };
  }
  if (version > CURRENT_SCHEMA_VERSION) {
    return { readable: false, reason: `written by a newer version of the studio (schema version ${version}; this version reads up to ${CURRENT_SCHEMA_VERSION})` };
  }
  let payload: Payload = rest;
  for (let v = version; v < CURRENT_SCHEMA_VERSION; v++) payload = MIGRATIONS[v](kind, payload);
  const missing = Object.entries(REQUIRED_FIELDS[kind])
    .filter(([field, type]) => !hasType(payload[field], type))
    .map(([field, type]) => `${field} (${type})`);
  if (missing.length > 0) return { readable: false, reason: `this ${kind} record has no valid ${missing.join(', ')}` };
  return { readable: true, payload, storedVersion: version };
}

function isPlainObject(value: unknown): value is Payload {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'bytes':
      return value instanceof Uint8Array;
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
