/** Labels from folder names or a `file,label` CSV, and class counting. */
import { decodeCsvBytes } from './csvEncoding';
import { MAX_CLASSES } from './limits';
import { ImportError, SPLITS, type Split } from './types';

/** The class of images that no label source named. */
export const UNLABELLED_CLASS = 'unlabelled';

/** A CSV comes as text (already decoded) or as the file's bytes, whose encoding is then detected. */
export type LabelSource = { kind: 'none' } | { kind: 'folder' } | { kind: 'csv'; text: string } | { kind: 'csv'; bytes: Uint8Array };

export interface CsvLabel {
  label: string;
  /** Optional third column (train/val/test), written by the PNG ZIP export so splits round-trip. */
  split?: Split;
}

/** Parse `file,label[,split]` rows (header optional, quotes allowed); keys are matched by relative path or base name. */
export function parseLabelCsv(text: string): Map<string, CsvLabel> {
  const map = new Map<string, CsvLabel>();
  // A BOM left on the text (read as UTF-8 by a caller) would hide the header row's "file".
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  lines.forEach((line, index) => {
    const cells = splitCsvLine(line);
    if (cells.length < 2) throw new ImportError(`labels CSV line ${index + 1}: expected "file,label", got "${line}"`);
    const [file, label, split] = cells.map((c) => c.trim());
    if (index === 0 && file.toLowerCase() === 'file' && label.toLowerCase() === 'label') return;
    if (split && !SPLITS.includes(split as Split)) throw new ImportError(`labels CSV line ${index + 1}: split must be train, val or test, got "${split}"`);
    map.set(normalisePath(file), { label, split: split ? (split as Split) : undefined });
  });
  return map;
}

function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

const normalisePath = (p: string) => p.replace(/\\/g, '/').replace(/^\.\//, '');

export class LabelResolver {
  readonly classNames: string[] = [];
  readonly #index = new Map<string, number>();
  readonly #csv?: Map<string, CsvLabel>;
  /** Some kept image has no label, so the finish will add the unlabelled class: it needs a place too. */
  #unlabelledNeeded = false;

  /** Files whose path found a row in the CSV, and files that found none. */
  #csvMatched = 0;
  #csvMissed: string[] = [];
  /** How the CSV's bytes were decoded, when that was a guess worth telling. */
  readonly encodingNote?: string;

  constructor(readonly source: LabelSource) {
    if (source.kind === 'csv') {
      const decoded = 'bytes' in source ? decodeCsvBytes(source.bytes) : { text: source.text, note: undefined };
      this.#csv = parseLabelCsv(decoded.text);
      this.encodingNote = decoded.note;
    }
  }

  /** Notices about the CSV once every file was seen: rows matching no file leave images unlabelled without this. */
  csvNotices(): string[] {
    if (!this.#csv) return [];
    const notes = this.encodingNote ? [this.encodingNote] : [];
    const seen = this.#csvMatched + this.#csvMissed.length;
    if (seen === 0) return notes;
    if (this.#csvMatched === 0) {
      const examples = [...this.#csv.keys()].slice(0, 3).join(', ');
      notes.push(`the labels CSV matched none of the ${seen} files (its rows name e.g. ${examples || 'nothing'}): every image is unlabelled`);
    } else if (this.#csvMissed.length > 0) {
      notes.push(`${this.#csvMissed.length} of ${seen} files have no row in the labels CSV and are unlabelled (e.g. ${this.#csvMissed.slice(0, 3).join(', ')})`);
    }
    return notes;
  }

  /** Index for a class name, created on first sight (so class order follows discovery order). */
  indexOf(name: string): number {
    let index = this.#index.get(name);
    if (index === undefined) {
      index = this.classNames.length;
      this.classNames.push(name);
      this.#index.set(name, index);
    }
    return index;
  }

  /**
   * Refuses one file (ImportError naming it) when its classes would take the dataset past
   * MAX_CLASSES. Checked before any of them is registered, so one file with too many classes is
   * left out on its own instead of failing the whole import at the finish.
   */
  checkRoomFor(names: readonly string[], file: string): void {
    const fresh = new Set(names.filter((n) => !this.#index.has(n)));
    const reserved = this.#unlabelledNeeded && !this.#index.has(UNLABELLED_CLASS) && !fresh.has(UNLABELLED_CLASS) ? 1 : 0;
    const total = this.classNames.length + reserved + fresh.size;
    if (total > MAX_CLASSES) {
      throw new ImportError(`${file} would bring the dataset to ${total} classes; at most ${MAX_CLASSES} are supported (labels are stored as one byte)`);
    }
  }

  /** Index for an image's label name (-1 for none), refusing the file when no class place is left. */
  labelFor(name: string | undefined, file: string): number {
    if (name === undefined) {
      if (!this.#unlabelledNeeded && !this.#index.has(UNLABELLED_CLASS)) {
        this.checkRoomFor([UNLABELLED_CLASS], file);
        this.#unlabelledNeeded = true;
      }
      return -1;
    }
    this.checkRoomFor([name], file);
    return this.indexOf(name);
  }

  /** Label name of a file, or undefined when the source gives none. */
  nameFor(relativePath: string): string | undefined {
    const path = normalisePath(relativePath);
    if (this.source.kind === 'folder') {
      const parts = path.split('/');
      return parts.length > 1 ? parts[parts.length - 2] : undefined;
    }
    const row = this.#csvRow(path);
    if (this.#csv) {
      if (row) this.#csvMatched++;
      else this.#csvMissed.push(path);
    }
    return row?.label;
  }

  /** Split fixed by the CSV, if it has a split column. */
  splitFor(relativePath: string): Split | undefined {
    return this.#csvRow(normalisePath(relativePath))?.split;
  }

  #csvRow(path: string): CsvLabel | undefined {
    return this.#csv?.get(path) ?? this.#csv?.get(path.split('/').pop()!);
  }
}

export function countClasses(labels: Iterable<number>, classNames: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const label of labels) {
    const name = label >= 0 ? (classNames[label] ?? String(label)) : UNLABELLED_CLASS;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
