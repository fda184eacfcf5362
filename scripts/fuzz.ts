/**
 * The import's fuzzing run at any size (issue 18): a corpus built on the fly from ../shared/data
 * (never written into the repository) plus the hand-built cases that once broke the import, run
 * through the app's import path (ImportJobs into a store holding an earlier dataset) and, unless
 * --no-cli, through one `npm run convert` over the whole corpus. Prints the counts: files tried,
 * refused with a message, crashes, hangs, unclear reasons and peak memory.
 *
 *   npm run fuzz -- --count 1000 [--seed 18] [--verbose]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildCorpus } from '../src/importers/testing/fuzz/corpus';
import { seededRandom } from '../src/importers/splits';
import { describeRun, fuzzAppPath, fuzzCommandLine, fuzzCsvLabels } from '../src/importers/testing/fuzz/harness';
import { hasShared, SHARED_DIR, SHARED_SKIP_MESSAGE } from '../src/testing/sharedData';
import type { CommandSpec, ParsedCommandLine } from './lib/args';
import { CliError, startCommand } from './lib/runCommand';

const FUZZ_SPEC = {
  name: 'fuzz',
  usage: '[--count 1000] [--seed 18] [--hang-ms 20000] [--no-cli] [--verbose]',
  about:
    'Fuzzes the import with mutated copies of the real files in ../shared/data and hand-built bombs and\n' +
    'corrupt files, through the studio\'s import path and through npm run convert, and prints the counts.\n' +
    'Exits 1 when any file crashed, hung, got an unclear reason, or changed earlier stored data.',
  options: {
    count: { type: 'integer', min: 0, default: 300, placeholder: '<n>', help: 'mutated files to make (on top of the hand-built cases)' },
    seed: { type: 'integer', min: 0, default: 18, help: 'seeds the mutations' },
    'hang-ms': { type: 'integer', min: 100, default: 20_000, placeholder: '<ms>', help: 'a file taking longer than this counts as a hang' },
    'no-cli': { type: 'flag', help: 'skip the command-line pass' },
    verbose: { type: 'flag', help: 'print every file\'s outcome' },
  },
} as const satisfies CommandSpec;

async function fuzz({ options }: ParsedCommandLine<typeof FUZZ_SPEC>): Promise<void> {
  if (!hasShared) console.error(`fuzz: ${SHARED_SKIP_MESSAGE}; mutating synthetic stand-ins instead`);
  const corpus = buildCorpus({ sharedDir: hasShared ? SHARED_DIR : null, mutations: options.count, seed: options.seed });
  console.error(`fuzz: ${corpus.length} files (${options.count} mutations, seed ${options.seed})`);
  const app = await fuzzAppPath(corpus, {
    hangMs: options['hang-ms'],
    onOutcome: (o, i) => {
      if (options.verbose) console.log(`${o.verdict.padEnd(12)} ${String(o.ms).padStart(6)} ms  ${o.name}${o.reason ? `: ${o.reason}` : ''}`);
      else if ((i + 1) % 100 === 0) process.stderr.write(`\r${i + 1}/${corpus.length}`);
    },
  });
  process.stderr.write('\n');
  let cli;
  if (!options['no-cli']) {
    const dir = mkdtempSync(join(tmpdir(), 'phantom-fuzz-'));
    try {
      cli = fuzzCommandLine(corpus, dir, { timeoutMs: Math.max(120_000, corpus.length * options['hang-ms']), projectRoot: resolve(import.meta.dirname, '..') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const csv = await fuzzCsvLabels(seededRandom(options.seed));
  console.log(describeRun(app, cli));
  const csvBad = csv.filter((o) => o.verdict === 'crash' || o.verdict === 'wrong' || !o.clear);
  console.log(`labels CSVs: ${csv.length} tried, ${csv.filter((o) => o.verdict === 'labelled').length} read as written, ${csv.filter((o) => o.verdict === 'refused').length} refused with a message, ${csv.filter((o) => o.verdict === 'crash').length} crashes, ${csv.filter((o) => o.verdict === 'wrong').length} wrong`);
  for (const o of csvBad) console.log(`PROBLEM csv ${o.verdict} ${o.name}: ${o.detail}`);
  const families = new Map<string, Record<string, number>>();
  for (const o of app.outcomes) {
    const row = families.get(o.family) ?? {};
    row[o.verdict] = (row[o.verdict] ?? 0) + 1;
    families.set(o.family, row);
  }
  for (const [family, row] of [...families].sort()) console.log(`  ${family.padEnd(18)} ${Object.entries(row).map(([v, n]) => `${v} ${n}`).join(', ')}`);
  for (const o of app.outcomes.filter((x) => x.verdict === 'crash' || x.verdict === 'hang' || !x.clear || x.expected === false)) console.log(`PROBLEM ${o.verdict} ${o.name}: ${o.reason}`);
  const failed = csvBad.length > 0 || app.crashes + app.hangs + app.unclear + app.unexpected.length > 0 || !app.storeUnchanged || (cli !== undefined && (cli.crashed || cli.timedOut));
  if (failed) throw new CliError('the run found problems (listed above)');
}

startCommand(FUZZ_SPEC, fuzz);
