/**
 * A run file streamed to disk (exportRunFile.ts streamRunFile): chunk by chunk into a temporary
 * file renamed into place when whole, so a 300 MB run file is never built in memory and a failed
 * export leaves no half-written file behind.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { KeyValueStore } from '../../src/storage/keyValueStore';
import { streamRunFile, type StreamedRunFile } from '../../src/runfiles/exportRunFile';
import type { ExportRunFileOptions } from '../../src/runfiles/runFileFormat';

export async function writeRunFileTo(path: string, store: KeyValueStore, runId: string, options: ExportRunFileOptions = {}): Promise<StreamedRunFile> {
  const temporary = `${path}.partial`;
  const fd = openSync(temporary, 'w');
  try {
    const file = await streamRunFile(store, runId, (chunk) => {
      for (let at = 0; at < chunk.byteLength; ) at += writeSync(fd, chunk, at);
    }, options);
    closeSync(fd);
    renameSync(temporary, path);
    return file;
  } catch (error) {
    closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
}
