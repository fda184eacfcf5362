/**
 * Peak memory of exporting and importing a large run file (a DCGAN-128 with its Adam state, about
 * 300 MB), each step in a fresh Node process so one does not inherit another's heap:
 *
 *   npx tsx bench/runFileMemory.ts [folder]       (default: a temporary folder, removed afterwards)
 *
 * setup   trains nothing: creates the run (its step-0 checkpoint, optimiser included) in a FileStore;
 * read    only reads and verifies the checkpoint (what every export starts with: in Node the
 *         FileStore's file read, its v8 deserialisation and WebCrypto's digest each hold a copy);
 * export  the run file as one buffer (exportRunFile) written with writeFileSync;
 * stream  the run file streamed to disk (writeRunFileTo), where this version has it;
 * import  the run file read from disk and imported into an in-memory store (importRunFile).
 *
 * Each step prints its resident set before the work and the process's peak resident set
 * (process.resourceUsage().maxRSS) after it: the difference is what the step itself added at its
 * peak. Figures vary by a few MB between runs; they are measurements of this machine, not limits.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MB = 1024 * 1024;
const RUN_ID = 'big';

interface StepFigures {
  step: string;
  baselineMb: number;
  peakMb: number;
  addedMb: number;
  seconds: number;
  fileMb?: number;
}

async function inProcess(step: string, dir: string): Promise<StepFigures | null> {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const { FileStore } = await import('../scripts/lib/fileStore');
  const store = new FileStore(join(dir, 'store'));
  const runFile = join(dir, 'big.phantomrun');
  if (step === 'setup') {
    const { Trainer } = await import('../src/training/trainer');
    const { saveDataset } = await import('../src/storage/datasetStore');
    const { generatePhantoms } = await import('../src/data/phantom');
    const set = generatePhantoms({ modality: 'head-ct', size: 128, count: 8, seed: 1 });
    await saveDataset(
      store,
      { id: 'ds', name: 'phantoms 128', source: 'phantom', description: '', width: 128, height: 128, channels: 1, count: 8, classNames: ['normal', 'haemorrhage'], chunkSize: 8, createdAt: 0 },
      { labels: set.labels, splits: new Uint8Array(8) },
      [{ pixels: set.images }],
    );
    const hooks = { emit: () => undefined, replaceBackend: async () => 'cpu', backendName: () => 'cpu' };
    const settings = { name: 'DCGAN-128', datasetId: 'ds', model: { kind: 'dcgan' as const, resolution: 128, batchSize: 4 }, totalSteps: 1, readbackEvery: 1, sampleEvery: 100, checkpointEvery: 100, keepCheckpoints: 1, samplesPerClass: 1, seed: 1 };
    (await Trainer.create(store, RUN_ID, settings, hooks)).dispose();
    return null;
  }
  if (global.gc) global.gc();
  const baseline = process.memoryUsage().rss;
  const started = performance.now();
  if (step === 'read') {
    const { loadLatestGoodCheckpoint, loadRun } = await import('../src/training/runStore');
    await loadLatestGoodCheckpoint(store, await loadRun(store, RUN_ID), () => undefined);
  } else if (step === 'export') {
    const { exportRunFile } = await import('../src/runfiles/exportRunFile');
    writeFileSync(runFile, (await exportRunFile(store, RUN_ID, { includeOptimizer: true })).bytes);
  } else if (step === 'stream') {
    const runFileOut = join(dirname(), '..', 'scripts', 'lib', 'runFileOut.ts');
    if (!existsSync(runFileOut)) return null;
    const { writeRunFileTo } = await import('../scripts/lib/runFileOut');
    await writeRunFileTo(runFile, store, RUN_ID, { includeOptimizer: true });
  } else if (step === 'import') {
    const { importRunFile } = await import('../src/runfiles/importRunFile');
    const { openMemoryStore } = await import('../src/storage/memoryStore');
    await importRunFile(openMemoryStore(), new Uint8Array(readFileSync(runFile)), 'big.phantomrun');
  } else throw new Error(`unknown step ${step}`);
  const seconds = (performance.now() - started) / 1000;
  const peak = process.resourceUsage().maxRSS * 1024;
  return { step, baselineMb: baseline / MB, peakMb: peak / MB, addedMb: (peak - baseline) / MB, seconds, fileMb: existsSync(runFile) ? statSync(runFile).size / MB : undefined };
}

const dirname = () => join(fileURLToPath(import.meta.url), '..');

async function main(): Promise<void> {
  const [step, dir] = process.argv.slice(2);
  if (step && ['setup', 'read', 'export', 'stream', 'import'].includes(step)) {
    const figures = await inProcess(step, dir!);
    if (figures) console.log(JSON.stringify(figures));
    return;
  }
  const folder = step ?? mkdtempSync(join(tmpdir(), 'runfile-memory-'));
  const self = fileURLToPath(import.meta.url);
  const tsx = join(dirname(), '..', 'node_modules', '.bin', 'tsx');
  const run = (s: string) => {
    const result = spawnSync(tsx, [self, s, folder], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=8192' } });
    if (result.status !== 0) throw new Error(`${s} failed: ${result.stderr}`);
    const line = result.stdout.trim().split('\n').at(-1);
    return line?.startsWith('{') ? (JSON.parse(line) as StepFigures) : null;
  };
  try {
    run('setup');
    const rows = ['read', 'export', 'stream', 'import'].map(run).filter((r): r is StepFigures => r !== null);
    console.log('| step | RSS before (MB) | peak RSS (MB) | added at peak (MB) | seconds | run file (MB) |');
    console.log('|---|---|---|---|---|---|');
    for (const r of rows) console.log(`| ${r.step} | ${r.baselineMb.toFixed(0)} | ${r.peakMb.toFixed(0)} | ${r.addedMb.toFixed(0)} | ${r.seconds.toFixed(1)} | ${r.fileMb?.toFixed(1) ?? '–'} |`);
  } finally {
    if (!step) rmSync(folder, { recursive: true, force: true });
  }
}

await main();
