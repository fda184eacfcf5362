/**
 * Lists the files under the inputs of a command: files as given, folders recursively in name
 * order. Symbolic links are followed (a dataset folder of links into a larger archive is common);
 * a link that points nowhere, a folder reached twice through links (a cycle), an unreadable entry
 * and a hidden entry (name starting with ".", such as .DS_Store) are skipped, each reported with
 * its path and reason, never silently.
 */
import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { errorMessage } from '../../src/core/errorMessage';
import { CliError } from './runCommand';

export interface FoundFile {
  /** Absolute path, for reading. */
  path: string;
  /** Path below the input folder, with "/" separators (its parent folder can name the class). */
  relativePath: string;
  name: string;
}

export interface SkippedEntry {
  path: string;
  reason: string;
}

export interface WalkResult {
  files: FoundFile[];
  skipped: SkippedEntry[];
}

/** `accept` filters files by name (e.g. only .png); refused names are not reported. */
export function walkInputs(inputs: readonly string[], accept: (name: string) => boolean = () => true): WalkResult {
  const files: FoundFile[] = [];
  const skipped: SkippedEntry[] = [];
  for (const input of inputs) {
    const root = resolve(input);
    let stats: Stats;
    try {
      stats = statSync(root);
    } catch (error) {
      throw new CliError(`${input}: ${describeStatError(root, error)}`);
    }
    if (!stats.isDirectory()) {
      if (!stats.isFile()) throw new CliError(`${input}: not a file or folder`);
      files.push({ path: root, relativePath: basename(root), name: basename(root) });
      continue;
    }
    const visited = new Set<string>([realpathSync(root)]);
    const visit = (dir: string) => {
      let names: string[];
      try {
        names = readdirSync(dir).sort((a, b) => a.localeCompare(b));
      } catch (error) {
        skipped.push({ path: dir, reason: `folder could not be read (${errorMessage(error)})` });
        return;
      }
      for (const name of names) {
        const full = join(dir, name);
        if (name.startsWith('.')) {
          skipped.push({ path: full, reason: 'hidden (name starts with ".")' });
          continue;
        }
        let entry: Stats;
        try {
          entry = statSync(full); // follows symbolic links
        } catch (error) {
          skipped.push({ path: full, reason: describeStatError(full, error) });
          continue;
        }
        if (entry.isDirectory()) {
          const real = realpathSync(full);
          if (visited.has(real)) {
            skipped.push({ path: full, reason: `symbolic link to a folder already read (${real}): a cycle or a second path to it` });
            continue;
          }
          visited.add(real);
          visit(full);
        } else if (entry.isFile()) {
          if (accept(name)) files.push({ path: full, relativePath: relative(root, full).split(sep).join('/'), name });
        } else {
          skipped.push({ path: full, reason: 'not a regular file (device, socket or pipe)' });
        }
      }
    };
    visit(root);
  }
  return { files, skipped };
}

function describeStatError(path: string, error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return isSymbolicLink(path) ? 'broken symbolic link (its target does not exist)' : 'no such file or folder';
  if (code === 'ELOOP') return 'symbolic link loop';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return `could not be read (${errorMessage(error)})`;
}

function isSymbolicLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
