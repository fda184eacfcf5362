/**
 * The studio's key-value store in a folder, so `npm run train` keeps what the app keeps in
 * IndexedDB — the run record, its checkpoints, sample grids and the training images — on disk,
 * where `--resume` and `--sample` find them after the process has ended. Each key is one file
 * (its name is the key, percent-encoded) holding the value as Node's structured-clone serialisation
 * (v8.serialize: the same value types IndexedDB stores, typed arrays included).
 *
 * A value is written to a temporary file and renamed into place, so a file is always whole. The
 * entries of one setMany land by one rename each: a crash between them can leave some landed and
 * others not. The run store never needs more, because it writes a checkpoint's bytes and the record
 * that names them in two separate calls, bytes first (a crash leaves the old record, still valid).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { KeyValueStore, StoredValue } from '../../src/storage/keyValueStore';

const TEMP_PREFIX = '.tmp-';

export class FileStore implements KeyValueStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private path(key: string): string {
    return join(this.dir, encodeURIComponent(key));
  }

  async get<T = StoredValue>(key: string): Promise<T | undefined> {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path(key));
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return undefined;
      throw error;
    }
    return deserialize(bytes) as T;
  }

  async getMany<T = StoredValue>(keys: string[]): Promise<(T | undefined)[]> {
    return Promise.all(keys.map((key) => this.get<T>(key)));
  }

  async setMany(entries: [string, StoredValue][]): Promise<void> {
    const staged = entries.map(([key, value], i) => {
      const temp = join(this.dir, `${TEMP_PREFIX}${process.pid}-${Date.now()}-${i}`);
      writeFileSync(temp, serialize(value));
      return [temp, this.path(key)] as const;
    });
    for (const [temp, target] of staged) renameSync(temp, target);
  }

  async delMany(keys: string[]): Promise<void> {
    for (const key of keys) rmSync(this.path(key), { force: true });
  }

  /** Every key, in the order IndexedDB lists them (UTF-16 code units). */
  async keys(): Promise<string[]> {
    return readdirSync(this.dir)
      .filter((name) => !name.startsWith(TEMP_PREFIX))
      .map((name) => decodeURIComponent(name))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  async keysWithPrefix(prefix: string): Promise<string[]> {
    return (await this.keys()).filter((key) => key.startsWith(prefix));
  }

  async clear(): Promise<void> {
    for (const name of readdirSync(this.dir)) rmSync(join(this.dir, name), { force: true });
  }
}
