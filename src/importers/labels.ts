/** Labels from folder names or a `file,label` CSV, and class counting. */
import { ImportError, SPLITS, type Split } from './types';

export type LabelSource = { kind: 'none' } | { kind: 'folder' } | { kind: 'csv'; text: string };

export interface CsvLabel {
  label: string;
  /** Optional third column (train/val/test), written by the PNG ZIP export so splits round-trip. */
  split?: Split;
}

/** Parse `file,label[,split]` rows (header optional, quotes allowed); keys are matched by relative path or base name. */
export function parseLabelCsv(text: string): Map<string, CsvLabel> {
  const map = new Map<string, CsvLabel>();
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
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

  constructor(readonly source: LabelSource) {
    if (source.kind === 'csv') this.#csv = parseLabelCsv(source.text);
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

  /** Label name of a file, or undefined when the source gives none. */
  nameFor(relativePath: string): string | undefined {
    const path = normalisePath(relativePath);
    if (this.source.kind === 'folder') {
      const parts = path.split('/');
      return parts.length > 1 ? parts[parts.length - 2] : undefined;
    }
    return this.#csvRow(path)?.label;
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
    const name = label >= 0 ? (classNames[label] ?? String(label)) : 'unlabelled';
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
