/**
 * The Augment stage's experiment from the command line, on the same code (src/augment): arms A
 * (real), B (real + synthetic) and C (synthetic only) over several seeds, or the rare-class arms,
 * with the verdict the studio prints.
 *
 *   npm run augment -- --real data.npz [--synthetic synth.npz] [--rare CLASS --fraction 0.1] [--seeds 5] [--json]
 *
 * --real is a MedMNIST-layout .npz (train_images, val_images, test_images with their labels);
 * --synthetic an .npz saved by the studio's Generate stage, which carries its run card
 * (synthetic_run_card): an npz without one is refused as not marked synthetic.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { readNpz } from '../src/importers/npy';
import { readNpzLayout, type NpzLayout } from '../src/importers/npzLayout';
import { UsageError, type CommandSpec, type ParsedCommandLine } from './lib/args';
import { CliError, startCommand } from './lib/runCommand';
import type { DatasetProvenance } from '../src/storage/datasetStore';
import type { LabelledImages, SyntheticMix } from '../src/augment/armSets';
import type { GuardedMeta } from '../src/augment/augmentGuards';
import type { AugmentReport, AugmentRequest, ExperimentInput } from '../src/augment/augmentExperiment';
import { errorMessage } from '../src/core/errorMessage';

const AUGMENT_SPEC = {
  name: 'augment',
  usage: '--real <npz> [--synthetic <npz>] [--mix ratio|top-up|balance] [--rare CLASS --fraction F] [--seeds N] [--json]',
  about:
    'Trains the same classifier, budget and seeds on real images (A), real + synthetic (B) and synthetic only (C),\n' +
    'scores each on the real test split and prints mean ± std per arm, the paired differences B − A and C − A with\n' +
    'a 95 % interval over seeds, and a plain verdict. With --rare, one class of the real training split is cut to\n' +
    '--fraction and topped up with synthetic images of that class (arms A full, A rare, B rare + synthetic).',
  options: {
    real: { type: 'string', placeholder: '<npz>', help: 'real images: train_images, val_images, test_images and labels (MedMNIST layout)' },
    synthetic: { type: 'string', placeholder: '<npz>', help: 'synthetic images saved by the studio (an npz with synthetic_run_card)' },
    mix: { type: 'choice', choices: ['ratio', 'top-up', 'balance'], default: 'balance', help: 'how arm B adds synthetic images' },
    ratio: { type: 'number', above: 0, default: 1, help: 'with --mix ratio: synthetic images per real training image' },
    class: { type: 'string', placeholder: '<name|index>', help: 'with --mix top-up: the class to top up' },
    rare: { type: 'string', placeholder: '<name|index>', help: 'rare-class mode: the class to cut' },
    fraction: { type: 'number', above: 0, default: 0.1, help: 'with --rare: the fraction of its real training images kept' },
    seeds: { type: 'integer', min: 1, max: 20, default: 5, help: 'seeds per arm (3 or more for a t-interval)' },
    epochs: { type: 'integer', min: 1, default: 15, help: 'most epochs per arm' },
    patience: { type: 'integer', min: 1, default: 3, help: 'early stopping: epochs without a lower validation loss' },
    batch: { type: 'integer', min: 2, default: 32, help: 'batch size' },
    architecture: { type: 'choice', choices: ['cnn', 'resnet'], default: 'cnn', help: 'the classifier' },
    backend: { type: 'choice', choices: ['wasm', 'cpu'], default: 'wasm', help: 'tfjs backend' },
    json: { type: 'flag', help: 'print the whole report as JSON' },
  },
} as const satisfies CommandSpec;

type Args = ParsedCommandLine<typeof AUGMENT_SPEC>['options'];

function readLayout(path: string): { layout: NpzLayout; arrays: ReturnType<typeof readNpz> } {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new CliError(`${path}: ${(error as { code?: string }).code === 'ENOENT' ? 'no such file' : `could not be read (${errorMessage(error)})`}`);
  }
  const arrays = readNpz(bytes, path);
  return { layout: readNpzLayout(arrays, path), arrays };
}

function part(layout: NpzLayout, split: 'train' | 'val' | 'test', path: string): LabelledImages & { indices: number[]; width: number; height: number; channels: 1 | 3 } {
  const p = layout.parts.find((x) => x.split === split);
  if (!p) throw new CliError(`${path}: has no ${split}_images (arrays: ${layout.parts.map((x) => x.imageKey).join(', ')})`);
  if (!p.labels) throw new CliError(`${path}: ${p.imageKey} has no labels; the experiment needs labelled images`);
  return { pixels: p.pixels, labels: Uint8Array.from(p.labels), count: p.count, indices: Array.from({ length: p.count }, (_, i) => i), width: p.width, height: p.height, channels: p.channels };
}

function classIndex(spec: string, names: readonly string[], option: string): number {
  const byName = names.indexOf(spec);
  if (byName >= 0) return byName;
  const n = Number(spec);
  if (Number.isInteger(n) && n >= 0 && n < names.length) return n;
  throw new UsageError(`--${option} ${spec} is not a class of the real set (${names.map((c, i) => `${i} ${c}`).join(', ')})`);
}

/** The synthetic npz's images (every split together) and the provenance its run card carries. */
function readSynthetic(path: string, real: GuardedMeta): { meta: GuardedMeta; images: LabelledImages; trainedOn: string } {
  const { layout, arrays } = readLayout(path);
  const card = arrays.get('synthetic_run_card');
  if (!card || !Array.isArray(card.data)) throw new CliError(`${path}: is not marked synthetic (it has no synthetic_run_card); save synthetic images from the studio's Generate stage`);
  const parsed = JSON.parse(card.data[0]) as { provenance?: DatasetProvenance; dataset?: { name?: string }; run?: { trainedOn?: string } | null };
  if (!parsed.provenance?.synthetic) throw new CliError(`${path}: its run card does not mark it synthetic`);
  const parts = layout.parts.filter((p) => p.labels);
  if (!parts.length) throw new CliError(`${path}: has no labelled images`);
  const per = parts[0].width * parts[0].height * parts[0].channels;
  const count = parts.reduce((s, p) => s + p.count, 0);
  const pixels = new Uint8Array(count * per);
  const labels = new Uint8Array(count);
  let at = 0;
  for (const p of parts) {
    pixels.set(p.pixels, at * per);
    labels.set(p.labels!, at);
    at += p.count;
  }
  // A file does not know the studio dataset it came from; the run card names it, and the report repeats it.
  const meta: GuardedMeta = { id: basename(path), name: basename(path), width: parts[0].width, height: parts[0].height, channels: parts[0].channels, classNames: layout.classNames, provenance: { ...parsed.provenance, realDatasetId: real.id } };
  return { meta, images: { pixels, labels, count }, trainedOn: parsed.run?.trainedOn ?? parsed.provenance.realDatasetId };
}

function text(report: AugmentReport, trainedOn: string | null): string {
  const pct = (v: number) => (Number.isFinite(v) ? (100 * v).toFixed(1) : '—');
  const lines = [report.verdict.headline, ...report.verdict.details, ''];
  lines.push(`real: ${report.realName} · train ${report.counts.train.join('/')} · validation ${report.counts.validation} · test ${report.counts.test.join('/')} (${report.classNames.join('/')})`);
  if (report.syntheticName) lines.push(`synthetic: ${report.syntheticName} · ${report.counts.synthetic.join('/')}${trainedOn ? ` · its generator trained on dataset ${trainedOn} (the command line cannot check that this is the real file)` : ''}`);
  lines.push('', `arm${' '.repeat(40)}balanced acc.      accuracy         ROC AUC          F1 (macro)       ${report.classNames.map((c) => `sens. ${c}`).join('  ')}`);
  for (const arm of report.arms) {
    const ms = (m: { mean: number; std: number }) => `${pct(m.mean)} ± ${pct(m.std)}`.padEnd(17);
    lines.push(`${arm.title.padEnd(43)}${ms(arm.summary.balancedAccuracy)}${ms(arm.summary.accuracy)}${ms(arm.summary.macroAuc)}${ms(arm.summary.macroF1)}${arm.perClass.map((c) => ms(c.sensitivity)).join('')}`);
    lines.push(`${''.padEnd(43)}epochs per seed ${arm.seeds.map((s) => `${s.epochs} (best ${s.bestEpoch})`).join(', ')}`);
  }
  lines.push('', 'paired differences (points):');
  for (const c of report.comparisons) {
    const what = c.metric === 'sensitivity' ? `sensitivity ${report.classNames[c.classIndex!]}` : c.metric;
    const i = c.interval;
    lines.push(`  ${c.label.padEnd(22)}${what.padEnd(26)}${(100 * i.mean).toFixed(1).padStart(6)}  [${(100 * i.low).toFixed(1)}, ${(100 * i.high).toFixed(1)}]  ${i.method}`);
  }
  const groups = [...new Set(report.warnings.map((w) => w.group))];
  for (const g of groups) lines.push('', `${g}:`, ...report.warnings.filter((w) => w.group === g).map((w) => `  - ${w.text}`));
  lines.push('', `${(report.elapsedMs / 1000).toFixed(0)} s`);
  return lines.join('\n');
}

async function augment({ options: args }: ParsedCommandLine<typeof AUGMENT_SPEC>): Promise<void> {
  if (!args.real) throw new UsageError('--real is required (an .npz with train_images, val_images and test_images)');
  if (args.rare && !args.synthetic) throw new UsageError('--rare needs --synthetic (the rare class is topped up with synthetic images of it)');
  if (args.rare && !(args.fraction < 1)) throw new UsageError(`--fraction must lie between 0 and 1 (it is ${args.fraction})`);
  const { layout } = readLayout(args.real);
  const train = part(layout, 'train', args.real);
  const validation = part(layout, 'val', args.real);
  const test = part(layout, 'test', args.real);
  const real: GuardedMeta = { id: basename(args.real), name: basename(args.real), width: train.width, height: train.height, channels: train.channels, classNames: layout.classNames };
  const synthetic = args.synthetic ? readSynthetic(args.synthetic, real) : null;
  const mix: SyntheticMix = args.mix === 'ratio' ? { kind: 'ratio', ratio: args.ratio } : args.mix === 'top-up' ? { kind: 'top-up', classIndex: classIndex(args.class ?? '', real.classNames, 'class') } : { kind: 'balance' };
  const request: AugmentRequest = {
    realDatasetId: real.id,
    syntheticDatasetId: synthetic?.meta.id ?? null,
    mix,
    rare: args.rare ? { classIndex: classIndex(args.rare, real.classNames, 'rare'), fraction: args.fraction } : null,
    seeds: args.seeds,
    budget: { architecture: args.architecture, maxEpochs: args.epochs, patience: args.patience, batchSize: args.batch, learningRate: 2e-3, width: 16 },
  };
  const input: ExperimentInput = { real, synthetic: synthetic?.meta ?? null, train, validation, test, syntheticImages: synthetic?.images ?? null, warnings: [] };
  // tfjs and its wasm backend load only now that the command line is known to be good.
  const { startAugmentBackend } = await import('./lib/augmentBackend');
  await startAugmentBackend(args.backend);
  const { runExperiment } = await import('../src/augment/augmentExperiment');
  const { ExperimentRefusedError } = await import('../src/augment/augmentGuards');
  let lastLine = 0;
  try {
    const report = await runExperiment('cli', input, request, {
      onProgress: (p) => {
        if (args.json || Date.now() - lastLine < 5000) return;
        lastLine = Date.now();
        console.error(`${((100 * p.done) / p.total).toFixed(0)} % · ${p.label}${p.detail ? ` · ${p.detail}` : ''}`);
      },
    });
    console.log(args.json ? JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) : text(report, synthetic?.trainedOn ?? null));
  } catch (error) {
    if (error instanceof ExperimentRefusedError) throw new CliError(error.message);
    throw error;
  }
}

startCommand(AUGMENT_SPEC, augment);
