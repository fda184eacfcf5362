import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { walkInputs } from './walk';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('walkInputs', () => {
  it('follows symbolic links to files and folders, and reports every skipped entry with its reason', () => {
    root = mkdtempSync(join(tmpdir(), 'walk-'));
    const elsewhere = join(root, 'archive');
    mkdirSync(join(elsewhere, 'scans'), { recursive: true });
    writeFileSync(join(elsewhere, 'linked.png'), 'x');
    writeFileSync(join(elsewhere, 'scans', 'deep.png'), 'x');
    const data = join(root, 'data');
    mkdirSync(join(data, 'normal'), { recursive: true });
    writeFileSync(join(data, 'normal', 'a.png'), 'x');
    writeFileSync(join(data, '.DS_Store'), 'x');
    symlinkSync(join(elsewhere, 'linked.png'), join(data, 'normal', 'b.png'));
    symlinkSync(join(elsewhere, 'scans'), join(data, 'bleed'));
    symlinkSync(join(root, 'missing.png'), join(data, 'normal', 'gone.png'));
    symlinkSync(data, join(data, 'normal', 'loop'));

    const { files, skipped } = walkInputs([data]);
    expect(files.map((f) => f.relativePath)).toEqual(['bleed/deep.png', 'normal/a.png', 'normal/b.png']);
    expect(skipped).toEqual([
      { path: join(data, '.DS_Store'), reason: 'hidden (name starts with ".")' },
      { path: join(data, 'normal', 'gone.png'), reason: 'broken symbolic link (its target does not exist)' },
      { path: join(data, 'normal', 'loop'), reason: expect.stringMatching(/^symbolic link to a folder already read/) },
    ]);
  });

  it('refuses an input that does not exist, naming it', () => {
    root = mkdtempSync(join(tmpdir(), 'walk-'));
    expect(() => walkInputs([join(root, 'nope')])).toThrow(`${join(root, 'nope')}: no such file or folder`);
  });
});
