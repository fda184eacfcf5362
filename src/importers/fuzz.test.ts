/**
 * Issue 18's fuzzing suite at CI size: a corpus built on the fly from ../shared/data (nothing from
 * it is written into the repository) plus the hand-built cases that once broke the import, run
 * through the app's import path and through `npm run convert`. Every file must be imported or
 * refused with a clear reason naming it, within a time bound and in bounded memory, leaving the
 * stored data unchanged. The larger run: `npm run fuzz -- --count 1000`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasShared, SHARED_DIR, SHARED_SKIP_MESSAGE } from '../testing/sharedData';
import { buildCorpus } from './testing/fuzz/corpus';
import { seededRandom } from './splits';
import { describeRun, fuzzAppPath, fuzzCommandLine, fuzzCsvLabels } from './testing/fuzz/harness';

const MUTATIONS = 60;
/**
 * A file slower than this is a hang. The bound is for a quiet machine (the slowest file takes ~3 s
 * there); on a machine busy with other work every file slows with the load, so the bound stretches
 * by the load per core measured when the test starts (a file took 21 s at load 17 on 2 cores).
 */
const HANG_MS = 15_000 * Math.max(1, loadavg()[0] / cpus().length);
/** Bombs may inflate up to the 512 MiB cap once; more than this means a cap failed. */
const PEAK_RSS_LIMIT = 3 * 1024 ** 3;
const projectRoot = resolve(__dirname, '..', '..');

describe('fuzzing the import (issue 18, CI size)', () => {
  if (!hasShared) console.warn(`${SHARED_SKIP_MESSAGE}; the fuzz corpus mutates synthetic stand-ins instead`);
  const corpus = buildCorpus({ sharedDir: hasShared ? SHARED_DIR : null, mutations: MUTATIONS, seed: 18 });

  it('app path: no crash, no hang, clear named refusals, bounded memory, earlier data unchanged', async () => {
    const app = await fuzzAppPath(corpus, { hangMs: HANG_MS });
    console.log(describeRun(app));
    expect(app.tried).toBe(corpus.length);
    expect(app.outcomes.filter((o) => o.verdict === 'crash' || o.verdict === 'hang')).toEqual([]);
    expect(app.outcomes.filter((o) => !o.clear)).toEqual([]);
    expect(app.unexpected).toEqual([]);
    expect(app.storeUnchanged).toBe(true);
    expect(app.peakRssBytes).toBeLessThan(PEAK_RSS_LIMIT);
    expect(app.refused).toBeGreaterThan(corpus.length / 4);
  });

  it('labels CSVs in odd encodings label the images as written, or are refused with a reason', async () => {
    const outcomes = await fuzzCsvLabels(seededRandom(18));
    console.log(`labels CSVs: ${outcomes.length} tried, ${outcomes.filter((o) => o.verdict === 'labelled').length} read as written, ${outcomes.filter((o) => o.verdict === 'refused').length} refused with a message, ${outcomes.filter((o) => o.verdict === 'crash').length} crashes, ${outcomes.filter((o) => o.verdict === 'wrong').length} wrong`);
    expect(outcomes.filter((o) => o.verdict === 'crash' || o.verdict === 'wrong' || !o.clear)).toEqual([]);
  });

  it('command line: one convert over the whole corpus exits cleanly and names each refused file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'phantom-fuzz-'));
    try {
      const cli = fuzzCommandLine(corpus, dir, { timeoutMs: 120_000, projectRoot });
      console.log(describeRun({ tried: 0, imported: 0, refused: 0, nothingKept: 0, crashes: 0, hangs: 0, unclear: 0, unexpected: [], storeUnchanged: true, peakRssBytes: 0, slowestMs: 0, outcomes: [] }, cli).split('\n')[1]);
      expect(cli.crashed, cli.stderrTail).toBe(false);
      expect(cli.timedOut).toBe(false);
      expect(cli.exitCode).toBe(0);
      const names = new Set(corpus.map((c) => c.name));
      expect(cli.refused.every((r) => names.has(r.file))).toBe(true);
      for (const named of corpus.filter((c) => c.refusal)) {
        expect(cli.refused.find((r) => r.file === named.name)?.reason, named.name).toMatch(named.refusal!);
      }
      if (cli.peakRssBytes !== null) expect(cli.peakRssBytes).toBeLessThan(PEAK_RSS_LIMIT);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
