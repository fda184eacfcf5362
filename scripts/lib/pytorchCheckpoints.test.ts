import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { latestPytorchCheckpoint } from './pytorchCheckpoints';

describe('latestPytorchCheckpoint', () => {
  const folders: string[] = [];
  afterEach(() => folders.splice(0).forEach((f) => rmSync(f, { recursive: true, force: true })));
  const folderWith = (names: string[]) => {
    const folder = mkdtempSync(join(tmpdir(), 'pt-ckpt-'));
    folders.push(folder);
    for (const name of names) writeFileSync(join(folder, name), '');
    return folder;
  };

  it('picks the highest step by number, not by name', () => {
    const folder = folderWith(['Built-in-DDPM-step9500.phantomrun', 'Built-in-DDPM-step10000.phantomrun', 'Built-in-DDPM-step12500.phantomrun.tmp', 'notes.txt']);
    expect(latestPytorchCheckpoint(folder)).toEqual({ path: join(folder, 'Built-in-DDPM-step10000.phantomrun'), step: 10000 });
  });

  it('is null for a missing folder or one without checkpoints', () => {
    expect(latestPytorchCheckpoint(join(tmpdir(), 'no-such-folder-pt-ckpt'))).toBeNull();
    expect(latestPytorchCheckpoint(folderWith(['run.phantomrun']))).toBeNull();
  });
});
