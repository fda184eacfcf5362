/**
 * Runs a fuzz corpus through the two import paths and counts what happened: the app's (ImportJobs
 * staging into a store that already holds a committed dataset) and the command line's (`npm run
 * convert` over a folder of every case, in a child process, so a crash or an out-of-memory abort
 * shows as its exit status). Each case must be imported or refused with a clear reason that names
 * it, within a time bound, and must leave the stored dataset as it was. (Test helper only.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { encode as encodePng } from 'fast-png';
import { errorMessage } from '../../../core/errorMessage';
import { openMemoryStore } from '../../../storage/memoryStore';
import type { KeyValueStore } from '../../../storage/keyValueStore';
import { ImportJobs, type ImportInputFile, type ImportSettings } from '../../importJob';
import type { FuzzCase } from './corpus';

export type Verdict = 'imported' | 'refused' | 'nothing-kept' | 'crash' | 'hang';

export interface FuzzOutcome {
  name: string;
  family: string;
  verdict: Verdict;
  reason?: string;
  ms: number;
  /** A refusal's reason reads as words, not a bare code. */
  clear: boolean;
  /** For a named case: whether it got the refusal it must get. */
  expected?: boolean;
}

export interface FuzzSummary {
  tried: number;
  imported: number;
  refused: number;
  nothingKept: number;
  crashes: number;
  hangs: number;
  unclear: number;
  /** Named cases that were not refused with their expected reason. */
  unexpected: FuzzOutcome[];
  /** The dataset committed before the run is byte-for-byte the same after it. */
  storeUnchanged: boolean;
  /** Peak resident memory of this process so far (bytes). */
  peakRssBytes: number;
  slowestMs: number;
  outcomes: FuzzOutcome[];
}

const SETTINGS: ImportSettings = { name: 'fuzz', size: 28, channels: 1, fit: 'pad', labels: { kind: 'none' }, window: { kind: 'file' }, nifti: {}, seed: 1, fractions: [0.8, 0.1, 0.1] };

const controlPng = (seed: number) => encodePng({ width: 28, height: 28, data: Uint8Array.from({ length: 784 }, (_, i) => (i * seed) % 256), channels: 1, depth: 8 });
const input = (name: string, bytes: Uint8Array): ImportInputFile => ({ file: new Blob([new Uint8Array(bytes)]), name, relativePath: name });

/** A reason a user can act on: words, no bare code, no leaked "undefined"/"[object …]". */
export function isClearReason(reason: string | undefined): boolean {
  if (!reason || reason.length < 12) return false;
  if (!/[a-z]{4,}/i.test(reason) || /undefined|\[object /.test(reason)) return false;
  return !/^[^a-z]*\(?-?\d+\)?[^a-z]*$/i.test(reason) && !/read \(\d+\)$/.test(reason);
}

async function snapshot(store: KeyValueStore): Promise<Map<string, unknown>> {
  const keys = (await store.keys()).sort();
  const values = await store.getMany(keys);
  return new Map(keys.map((k, i) => [k, structuredClone(values[i])]));
}

const peakRss = () => process.resourceUsage().maxRSS * 1024;

/** The app path: each case staged beside a good control image, then discarded. */
export async function fuzzAppPath(cases: readonly FuzzCase[], options: { hangMs: number; onOutcome?: (o: FuzzOutcome, i: number) => void }): Promise<FuzzSummary> {
  const store = openMemoryStore();
  const jobs = new ImportJobs(store);
  const earlier = await jobs.stage([input('earlier-1.png', controlPng(3)), input('earlier-2.png', controlPng(5))], SETTINGS, () => undefined);
  await jobs.commit(earlier.stagingId);
  const before = await snapshot(store);
  const outcomes: FuzzOutcome[] = [];
  for (const [i, fuzzCase] of cases.entries()) {
    const started = Date.now();
    let outcome: Omit<FuzzOutcome, 'ms' | 'clear'>;
    try {
      const staged = await jobs.stage([input(fuzzCase.name, fuzzCase.bytes), input('control.png', controlPng(7))], SETTINGS, () => undefined);
      await jobs.discard(staged.stagingId);
      const row = staged.report.rejected.find((r) => r.file === fuzzCase.name);
      const empty = staged.report.notices.find((n) => n.file === fuzzCase.name && /no image kept/.test(n.message));
      outcome = row
        ? { name: fuzzCase.name, family: fuzzCase.family, verdict: 'refused', reason: row.reason }
        : { name: fuzzCase.name, family: fuzzCase.family, verdict: empty ? 'nothing-kept' : 'imported', reason: empty?.message };
    } catch (error) {
      outcome = { name: fuzzCase.name, family: fuzzCase.family, verdict: 'crash', reason: errorMessage(error) };
    }
    const ms = Date.now() - started;
    const full: FuzzOutcome = {
      ...outcome,
      verdict: outcome.verdict !== 'crash' && ms > options.hangMs ? 'hang' : outcome.verdict,
      ms,
      clear: outcome.verdict !== 'refused' || isClearReason(outcome.reason),
      expected: fuzzCase.refusal ? outcome.verdict === 'refused' && fuzzCase.refusal.test(outcome.reason ?? '') : undefined,
    };
    outcomes.push(full);
    options.onOutcome?.(full, i);
  }
  const after = await snapshot(store);
  const count = (v: Verdict) => outcomes.filter((o) => o.verdict === v).length;
  return {
    tried: outcomes.length,
    imported: count('imported'),
    refused: count('refused'),
    nothingKept: count('nothing-kept'),
    crashes: count('crash'),
    hangs: count('hang'),
    unclear: outcomes.filter((o) => !o.clear).length,
    unexpected: outcomes.filter((o) => o.expected === false),
    storeUnchanged: isDeepStrictEqual([...before.keys()], [...after.keys()]) && [...before].every(([k, v]) => isDeepStrictEqual(v, after.get(k))),
    peakRssBytes: peakRss(),
    slowestMs: Math.max(0, ...outcomes.map((o) => o.ms)),
    outcomes,
  };
}

export interface CommandLineResult {
  exitCode: number | null;
  signal: string | null;
  ms: number;
  /** Files the command refused, by name, with their reasons. */
  refused: { file: string; reason: string }[];
  images: number;
  /** Exit status other than 0/1, a signal, or an out-of-memory message: the command crashed. */
  crashed: boolean;
  timedOut: boolean;
  /** Peak resident memory of the child (bytes), from /usr/bin/time, or null when unavailable. */
  peakRssBytes: number | null;
  stderrTail: string;
}

/** The command-line path: every case written to `dir`, then one `convert` over the folder. */
export function fuzzCommandLine(cases: readonly FuzzCase[], dir: string, options: { timeoutMs: number; projectRoot: string }): CommandLineResult {
  const inputs = join(dir, 'inputs');
  mkdirSync(inputs, { recursive: true });
  for (const fuzzCase of cases) writeFileSync(join(inputs, fuzzCase.name), fuzzCase.bytes);
  const out = join(dir, 'out.npz');
  const args = ['--import', 'tsx', join(options.projectRoot, 'scripts', 'convert.ts'), inputs, '--size', '28', '--out', out];
  const timed = existsSync('/usr/bin/time');
  const started = Date.now();
  const child = spawnSync(timed ? '/usr/bin/time' : process.execPath, timed ? ['-f', 'PEAK_RSS_KB=%M', process.execPath, ...args] : args, {
    cwd: options.projectRoot,
    encoding: 'utf8',
    timeout: options.timeoutMs,
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = Date.now() - started;
  const stderr = child.stderr ?? '';
  const peak = /PEAK_RSS_KB=(\d+)/.exec(stderr);
  let refused: { file: string; reason: string }[] = [];
  let images = 0;
  if (child.status === 0) {
    const summary = JSON.parse(child.stdout) as { images: number; rejected: { file: string; reason: string }[] };
    refused = summary.rejected;
    images = summary.images;
  } else {
    // Nothing imported: convert lists each refusal on stderr.
    refused = [...stderr.matchAll(/^convert: refused (.+?): (.+)$/gm)].map((m) => ({ file: m[1].split('/').pop()!, reason: m[2] }));
  }
  const timedOut = child.error !== undefined && /ETIMEDOUT/.test(String((child.error as NodeJS.ErrnoException).code));
  // /usr/bin/time reports a child killed by a signal as "Command terminated by signal N" and exits 128+N.
  const crashed = (child.status !== 0 && child.status !== 1) || child.signal !== null || /heap out of memory|terminated by signal|Aborted/i.test(stderr);
  return { exitCode: child.status, signal: child.signal, ms, refused, images, crashed, timedOut, peakRssBytes: peak ? Number(peak[1]) * 1024 : null, stderrTail: stderr.slice(-2000) };
}

/** "2.1 GiB" */
export const gib = (bytes: number | null) => (bytes === null ? 'n/a' : `${(bytes / 1024 ** 3).toFixed(2)} GiB`);

/** The figures of a run, as the report and the command print them. */
export function describeRun(app: FuzzSummary, cli?: CommandLineResult): string {
  const lines = [
    `app path (ImportJobs): ${app.tried} files tried, ${app.imported} imported, ${app.refused} refused with a message, ${app.nothingKept} with nothing kept (notice), ${app.crashes} crashes, ${app.hangs} hangs, ${app.unclear} unclear reasons, ${app.unexpected.length} named cases not refused as expected; stored data ${app.storeUnchanged ? 'unchanged' : 'CHANGED'}; slowest file ${app.slowestMs} ms; peak RSS ${gib(app.peakRssBytes)}`,
  ];
  if (cli) {
    lines.push(
      `command line (convert): exit ${cli.exitCode}${cli.signal ? ` signal ${cli.signal}` : ''}${cli.timedOut ? ' TIMED OUT' : ''}, ${cli.refused.length} refused with a message, ${cli.images} images written, ${cli.crashed ? 'CRASHED' : '0 crashes'}, ${cli.ms} ms, peak RSS ${gib(cli.peakRssBytes)}`,
    );
  }
  return lines.join('\n');
}

export interface CsvOutcome {
  name: string;
  /** `labelled`: every image got its class as written; `refused`: the CSV was refused with a reason; else `crash`. */
  verdict: 'labelled' | 'refused' | 'crash' | 'wrong';
  detail: string;
  clear: boolean;
}

/**
 * Labels CSVs in the encodings spreadsheets write, and broken ones. Each must label the images as
 * written (with a notice where the encoding was a guess or rows match nothing) or be refused with a
 * reason; a garbled class name counts as `wrong`.
 */
export async function fuzzCsvLabels(random: () => number): Promise<CsvOutcome[]> {
  const { importFiles } = await import('../../pipeline');
  const text = 'file,label\r\na.png,Läsion\r\n"b.png","normal, rechts"\r\n';
  const expected = ['Läsion', 'normal, rechts'];
  const utf16 = (t: string, little: boolean, bom: boolean) => {
    const out = new Uint8Array((bom ? 2 : 0) + 2 * t.length);
    const view = new DataView(out.buffer);
    if (bom) view.setUint16(0, 0xfeff, little);
    for (let i = 0; i < t.length; i++) view.setUint16((bom ? 2 : 0) + 2 * i, t.charCodeAt(i), little);
    return out;
  };
  const noise = Uint8Array.from({ length: 300 }, () => Math.floor(random() * 256));
  const cases: [string, Uint8Array, 'labels' | 'none' | 'any'][] = [
    ['utf-8.csv', new TextEncoder().encode(text), 'labels'],
    ['utf-8-bom.csv', new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]), 'labels'],
    ['utf-16le-bom.csv', utf16(text, true, true), 'labels'],
    ['utf-16be-bom.csv', utf16(text, false, true), 'labels'],
    ['utf-16le.csv', utf16(text, true, false), 'labels'],
    ['utf-16be.csv', utf16(text, false, false), 'labels'],
    ['latin-1.csv', Uint8Array.from(text, (c) => c.charCodeAt(0)), 'labels'],
    ['matches-nothing.csv', new TextEncoder().encode('file,label\nx.png,a\n'), 'none'],
    ['empty.csv', new Uint8Array(0), 'none'],
    ['random-bytes.csv', noise, 'any'],
    ['nul-bytes.csv', new Uint8Array(64), 'any'],
  ];
  const outcomes: CsvOutcome[] = [];
  for (const [name, bytes, want] of cases) {
    try {
      const run = importFiles([{ name: 'a.png', relativePath: 'a.png', bytes: controlPng(3) }, { name: 'b.png', relativePath: 'b.png', bytes: controlPng(5) }], { size: 28, channels: 1, fit: 'pad', labels: { kind: 'csv', bytes } });
      const labels: string[] = [];
      for await (const image of run.images) labels.push(image.label >= 0 ? run.classNames[image.label] : 'unlabelled');
      const notices = run.report.notices.map((n) => n.message).join('; ');
      const ok = want === 'labels' ? isDeepStrictEqual(labels, expected) : want === 'none' ? labels.every((l) => l === 'unlabelled') && (bytes.length === 0 || /matched none/.test(notices)) : true;
      outcomes.push({ name, verdict: ok ? 'labelled' : 'wrong', detail: `${labels.join(' | ')}${notices ? ` (notices: ${notices})` : ''}`, clear: true });
    } catch (error) {
      const reason = errorMessage(error);
      outcomes.push({ name, verdict: error instanceof Error && error.name === 'ImportError' && want !== 'labels' ? 'refused' : 'crash', detail: reason, clear: isClearReason(reason) });
    }
  }
  return outcomes;
}
